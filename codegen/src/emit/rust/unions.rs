//! Unions: a value that takes one of several JSON types, told apart by the JSON type.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::docs::{doc_attrs, prose};
use std::collections::BTreeSet;

use super::{derive, ident, Emitter};
use crate::model::{Scalar, TypeRef, Union, UnionAlternative, UnionVariant};

impl Emitter<'_> {
    /// A union: one variant per scalar alternative, decoded by the JSON type of the value
    /// (`deserialize_any`), written back as that same JSON type. In this order: the enum,
    /// `INFO`, its serde (and JSON Schema) impls, its `Arbitrary` impl.
    pub(super) fn union(&self, union: &Union) -> TokenStream {
        let rt = &self.rt;
        let name = &union.definition.rust_name;
        let name_ident = ident(name);
        let info = self.type_info(&union.definition);
        let definition = self.union_definition(union, &name_ident);
        let idents: Vec<Ident> = union.variants.iter().map(|v| ident(&v.rust_name)).collect();
        let schemas = union.variants.iter().map(|variant| {
            let ty = self.base_type(&variant.ty.type_ref());
            let doc = variant.schema_doc();
            quote! { (generator.subschema_for::<#ty>(), #doc) }
        });
        let serde_and_schema = self.serde_and_schema_impls(
            &name_ident,
            name,
            quote! {
                match self {
                    #(Self::#idents(value) => #rt::__private::serde::Serialize::serialize(value, serializer),)*
                }
            },
            self.union_deserialize(union, &name_ident),
            quote! {
                #rt::__private::union_schema(&Self::INFO, ::std::vec![#(#schemas),*])
            },
        );
        let strategies = union.variants.iter().map(|variant| {
            let rust = ident(&variant.rust_name);
            let strategy = self.strategy(&variant.ty.type_ref());
            quote! { #rt::__private::proptest::strategy::Strategy::prop_map(#strategy, Self::#rust) }
        });
        let arbitrary = self.arbitrary_impl(
            &name_ident,
            quote! { #rt::__private::proptest::prop_oneof![#(#strategies),*] },
        );
        quote! {
            #definition

            impl #name_ident {
                /// Facts about this type from its definition.
                pub const INFO: #rt::TypeInfo = #info;
            }

            #serde_and_schema

            #arbitrary
        }
    }

    /// The enum: one variant per alternative, holding its value.
    fn union_definition(&self, union: &Union, name: &Ident) -> TokenStream {
        let doc = doc_attrs(&self.type_doc(
            &union.definition,
            "One of several JSON types, told apart by the JSON type of the value.",
        ));
        let mut traits = vec!["Debug", "Clone", "PartialEq"];
        if union
            .variants
            .iter()
            .all(|v| self.is_eq(&v.ty.type_ref(), &mut BTreeSet::new()))
        {
            traits.push("Eq");
        }
        let derive = derive(&traits);
        let variants = union.variants.iter().map(|variant| {
            let doc = doc_attrs(&format!(
                "{} (JSON {})",
                prose(&variant.doc),
                variant.ty.json_type()
            ));
            let rust = ident(&variant.rust_name);
            let ty = self.base_type(&variant.ty.type_ref());
            quote! { #doc #rust(#ty), }
        });
        quote! {
            #doc
            #derive
            #[non_exhaustive]
            pub enum #name {
                #(#variants)*
            }
        }
    }

    /// The body of `deserialize`: a visitor with one `visit_*` per JSON type an alternative
    /// takes, run by `deserialize_any`.
    fn union_deserialize(&self, union: &Union, name: &Ident) -> TokenStream {
        let rt = &self.rt;
        let find = |wanted: &[Scalar]| {
            union.variants.iter().find(
                |v| matches!(&v.ty, UnionAlternative::Scalar(scalar) if wanted.contains(scalar)),
            )
        };
        let visit_bool = find(&[Scalar::Bool]).map(|v| {
            let rust = ident(&v.rust_name);
            quote! {
                fn visit_bool<E: #rt::__private::serde::de::Error>(self, value: bool) -> ::core::result::Result<Self::Value, E> {
                    ::core::result::Result::Ok(#name::#rust(value))
                }
            }
        });
        let float = find(&[Scalar::F64]).map(|v| ident(&v.rust_name));
        let integer_visits =
            self.union_integer_visits(name, find(&[Scalar::I64, Scalar::U64]), float.as_ref());
        let visit_float = float.as_ref().map(|float| {
            quote! {
                fn visit_f64<E: #rt::__private::serde::de::Error>(self, value: f64) -> ::core::result::Result<Self::Value, E> {
                    ::core::result::Result::Ok(#name::#float(value))
                }
            }
        });
        let visit_str = find(&[Scalar::String]).map(|v| {
            let rust = ident(&v.rust_name);
            quote! {
                fn visit_str<E: #rt::__private::serde::de::Error>(self, value: &str) -> ::core::result::Result<Self::Value, E> {
                    ::core::result::Result::Ok(#name::#rust(::std::string::ToString::to_string(value)))
                }
            }
        });
        // A JSON object goes to the record alternative, read from the map it already is.
        let visit_map = union.record_alternative().map(|(v, record)| {
            let rust = ident(&v.rust_name);
            let ty = self.base_type(&TypeRef::Named(record.to_string()));
            quote! {
                fn visit_map<A: #rt::__private::serde::de::MapAccess<'de>>(self, map: A) -> ::core::result::Result<Self::Value, A::Error> {
                    <#ty as #rt::__private::serde::Deserialize>::deserialize(#rt::__private::serde::de::value::MapAccessDeserializer::new(map)).map(#name::#rust)
                }
            }
        });
        let expecting = union.expecting();
        quote! {
            struct UnionVisitor;
            impl<'de> #rt::__private::serde::de::Visitor<'de> for UnionVisitor {
                type Value = #name;
                fn expecting(&self, formatter: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    formatter.write_str(#expecting)
                }
                #visit_bool
                #integer_visits
                #visit_float
                #visit_str
                #visit_map
            }
            deserializer.deserialize_any(UnionVisitor)
        }
    }

    /// `visit_i64` and `visit_u64`: an integer goes to the integer alternative (an error when
    /// it does not fit), or to the float one (`float`) when there is no integer alternative.
    fn union_integer_visits(
        &self,
        name: &Ident,
        integer: Option<&UnionVariant>,
        float: Option<&Ident>,
    ) -> TokenStream {
        let rt = &self.rt;
        match (integer, float) {
            (Some(variant), _) => {
                let rust = ident(&variant.rust_name);
                let scalar = match &variant.ty {
                    UnionAlternative::Scalar(scalar) => *scalar,
                    UnionAlternative::Record(_) => Scalar::Json,
                };
                let ty = self.scalar_type(scalar);
                // Out of range is an error, never a float with lost digits.
                let overflow = quote! {
                    ::core::result::Result::Err(E::invalid_value(#rt::__private::serde::de::Unexpected::Other("an integer out of range"), &self))
                };
                quote! {
                    // The same conversion serves i64 and u64 alternatives; one of the two is
                    // the identity.
                    #[allow(clippy::useless_conversion)]
                    fn visit_i64<E: #rt::__private::serde::de::Error>(self, value: i64) -> ::core::result::Result<Self::Value, E> {
                        match <#ty as ::core::convert::TryFrom<i64>>::try_from(value) {
                            ::core::result::Result::Ok(value) => ::core::result::Result::Ok(#name::#rust(value)),
                            ::core::result::Result::Err(_) => #overflow,
                        }
                    }
                    #[allow(clippy::useless_conversion)]
                    fn visit_u64<E: #rt::__private::serde::de::Error>(self, value: u64) -> ::core::result::Result<Self::Value, E> {
                        match <#ty as ::core::convert::TryFrom<u64>>::try_from(value) {
                            ::core::result::Result::Ok(value) => ::core::result::Result::Ok(#name::#rust(value)),
                            ::core::result::Result::Err(_) => #overflow,
                        }
                    }
                }
            }
            (None, Some(float)) => quote! {
                fn visit_i64<E: #rt::__private::serde::de::Error>(self, value: i64) -> ::core::result::Result<Self::Value, E> {
                    ::core::result::Result::Ok(#name::#float(value as f64))
                }
                fn visit_u64<E: #rt::__private::serde::de::Error>(self, value: u64) -> ::core::result::Result<Self::Value, E> {
                    ::core::result::Result::Ok(#name::#float(value as f64))
                }
            },
            (None, None) => quote! {},
        }
    }
}

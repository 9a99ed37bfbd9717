//! Newtypes: one scalar under its own name.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::doc_attrs;
use super::{derive, ident, Emitter};
use crate::model::{Newtype, Scalar, TypeRef};

impl Emitter<'_> {
    pub(super) fn newtype(&self, newtype: &Newtype) -> TokenStream {
        let rt = &self.rt;
        let name = &newtype.definition.rust_name;
        let name_ident = ident(name);
        let info = self.type_info(&newtype.definition);
        let inner = self.scalar_type(newtype.inner);
        let doc = doc_attrs(&self.type_doc(
            &newtype.definition,
            &format!("On the wire: the bare `{}`.", newtype.inner.word()),
        ));
        let inner_strategy = self.strategy(&TypeRef::Scalar(newtype.inner));
        let arbitrary = self.arbitrary_impl(
            &name_ident,
            quote! { #rt::__private::proptest::strategy::Strategy::prop_map(#inner_strategy, Self) },
        );
        let derive = derive(&newtype_derives(newtype.inner));
        let string_extras = if newtype.inner == Scalar::String {
            quote! {
                impl #name_ident {
                    /// The wrapped string.
                    pub fn as_str(&self) -> &str {
                        &self.0
                    }
                }

                impl ::core::convert::From<&str> for #name_ident {
                    fn from(value: &str) -> Self {
                        Self(::std::string::ToString::to_string(value))
                    }
                }
            }
        } else {
            quote! {}
        };
        let serde_and_schema = self.serde_and_schema_impls(
            &name_ident,
            name,
            quote! { #rt::__private::serde::Serialize::serialize(&self.0, serializer) },
            quote! { <#inner as #rt::__private::serde::Deserialize>::deserialize(deserializer).map(Self) },
            quote! { #rt::__private::newtype_schema(&Self::INFO, generator.subschema_for::<#inner>()) },
        );
        quote! {
            #doc
            #derive
            pub struct #name_ident(pub #inner);

            impl #name_ident {
                /// Facts about this type from its definition.
                pub const INFO: #rt::TypeInfo = #info;
            }

            #string_extras

            impl ::core::convert::From<#inner> for #name_ident {
                fn from(value: #inner) -> Self {
                    Self(value)
                }
            }

            impl ::core::convert::From<#name_ident> for #inner {
                fn from(value: #name_ident) -> Self {
                    value.0
                }
            }

            impl ::core::fmt::Display for #name_ident {
                fn fmt(&self, formatter: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    ::core::fmt::Display::fmt(&self.0, formatter)
                }
            }

            #serde_and_schema

            #arbitrary
        }
    }
}

/// The traits a newtype of `inner` derives: `Copy` unless it wraps a string; `Eq`, `Hash`
/// and `Ord` unless it wraps a float.
fn newtype_derives(inner: Scalar) -> Vec<&'static str> {
    let float = inner == Scalar::F64;
    let mut traits = vec!["Debug", "Clone"];
    if inner != Scalar::String {
        traits.push("Copy");
    }
    traits.push("PartialEq");
    if !float {
        traits.extend(["Eq", "Hash"]);
    }
    traits.push("PartialOrd");
    if !float {
        traits.push("Ord");
    }
    traits
}

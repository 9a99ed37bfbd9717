//! Open enumerations: listed values get variants, any other value is kept in `Unknown` and
//! written back unchanged.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::docs::{doc_attrs, prose};
use super::{ident, Emitter};
use crate::model::{Enum, EnumLiteral};

impl Emitter<'_> {
    pub(super) fn enumeration(&self, enumeration: &Enum) -> TokenStream {
        let rt = &self.rt;
        let name = &enumeration.definition.rust_name;
        let name_ident = ident(name);
        let info = self.type_info(&enumeration.definition);
        let variants: Vec<Ident> = enumeration
            .values
            .iter()
            .map(|v| ident(&v.rust_name))
            .collect();
        let variant_docs = enumeration.values.iter().map(|value| {
            let wire = match &value.value {
                EnumLiteral::Integer(number) => number.to_string(),
                EnumLiteral::String(text) => format!("\"{text}\""),
            };
            doc_attrs(&format!("{} (wire value `{wire}`)", prose(&value.doc)))
        });
        let names = enumeration
            .values
            .iter()
            .map(|value| value.rust_name.as_str());
        let docs = enumeration.values.iter().map(|value| value.doc.trim());

        if enumeration.is_integer() {
            let doc = doc_attrs(&self.type_doc(
                &enumeration.definition,
                "An open enumeration of JSON integers: a value not listed here decodes to \
                 `Unknown` and is written back unchanged.",
            ));
            let numbers: Vec<i64> = enumeration
                .values
                .iter()
                .map(|value| value.value.as_i64())
                .collect();
            let arbitrary = self.open_enum_arbitrary(
                &name_ident,
                quote! { #rt::__private::proptest::sample::select(&[#(#numbers),*][..]) },
                quote! { i64 },
                quote! { Self::from_value },
            );
            let serde_and_schema = self.serde_and_schema_impls(
            &name_ident,
            name,
                quote! { serializer.serialize_i64(self.value()) },
                quote! { <i64 as #rt::__private::serde::Deserialize>::deserialize(deserializer).map(Self::from_value) },
                quote! {
                    let _ = generator;
                    #rt::__private::integer_enum_schema(&Self::INFO, &[#((#numbers, #names, #docs)),*])
                },
            );
            quote! {
                #doc
                #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
                #[non_exhaustive]
                pub enum #name_ident {
                    #(#variant_docs #variants,)*
                    /// A value the definitions do not list, kept as received. Decoding never
                    /// produces `Unknown` with a listed value.
                    Unknown(i64),
                }

                impl #name_ident {
                    /// Facts about this type from its definition.
                    pub const INFO: #rt::TypeInfo = #info;

                    /// The variant for a wire value; any value not listed becomes `Unknown`.
                    pub const fn from_value(value: i64) -> Self {
                        match value {
                            #(#numbers => Self::#variants,)*
                            other => Self::Unknown(other),
                        }
                    }

                    /// The wire value.
                    pub const fn value(self) -> i64 {
                        match self {
                            #(Self::#variants => #numbers,)*
                            Self::Unknown(value) => value,
                        }
                    }

                    /// True for a value the definitions list.
                    pub const fn is_known(self) -> bool {
                        !matches!(self, Self::Unknown(_))
                    }
                }

                impl ::core::convert::From<i64> for #name_ident {
                    fn from(value: i64) -> Self {
                        Self::from_value(value)
                    }
                }

                impl ::core::convert::From<#name_ident> for i64 {
                    fn from(value: #name_ident) -> Self {
                        value.value()
                    }
                }

                #serde_and_schema

                #arbitrary
            }
        } else {
            let doc = doc_attrs(&self.type_doc(
                &enumeration.definition,
                "An open enumeration of JSON strings: a value not listed here decodes to \
                 `Unknown` and is written back unchanged.",
            ));
            let strings: Vec<&str> = enumeration
                .values
                .iter()
                .map(|value| value.value.as_str())
                .collect();
            let arbitrary = self.open_enum_arbitrary(
                &name_ident,
                quote! {
                    #rt::__private::proptest::strategy::Strategy::prop_map(
                        #rt::__private::proptest::sample::select(&[#(#strings),*][..]),
                        ::std::string::ToString::to_string,
                    )
                },
                quote! { ::std::string::String },
                quote! { |value| Self::from_value(&value) },
            );
            let serde_and_schema = self.serde_and_schema_impls(
            &name_ident,
            name,
                quote! { serializer.serialize_str(self.as_str()) },
                quote! { #rt::__private::deserialize_str_with(deserializer, Self::from_value) },
                quote! {
                    let _ = generator;
                    #rt::__private::string_enum_schema(&Self::INFO, &[#((#strings, #names, #docs)),*])
                },
            );
            quote! {
                #doc
                #[derive(Debug, Clone, PartialEq, Eq, Hash)]
                #[non_exhaustive]
                pub enum #name_ident {
                    #(#variant_docs #variants,)*
                    /// A value the definitions do not list, kept as received. Decoding never
                    /// produces `Unknown` with a listed value.
                    Unknown(::std::string::String),
                }

                impl #name_ident {
                    /// Facts about this type from its definition.
                    pub const INFO: #rt::TypeInfo = #info;

                    /// The variant for a wire value; any value not listed becomes `Unknown`.
                    pub fn from_value(value: &str) -> Self {
                        match value {
                            #(#strings => Self::#variants,)*
                            other => Self::Unknown(::std::string::ToString::to_string(other)),
                        }
                    }

                    /// The wire value.
                    pub fn as_str(&self) -> &str {
                        match self {
                            #(Self::#variants => #strings,)*
                            Self::Unknown(value) => value,
                        }
                    }

                    /// True for a value the definitions list.
                    pub fn is_known(&self) -> bool {
                        !matches!(self, Self::Unknown(_))
                    }
                }

                impl ::core::convert::From<&str> for #name_ident {
                    fn from(value: &str) -> Self {
                        Self::from_value(value)
                    }
                }

                #serde_and_schema

                #arbitrary
            }
        }
    }

    /// The proptest `Arbitrary` impl of an open enum (with the `proptest` option): a listed
    /// wire value (`listed`, a strategy) as often as any other value of the wire type `wire`,
    /// which decodes to `Unknown`; `from` turns the wire value into the enum.
    fn open_enum_arbitrary(
        &self,
        name: &Ident,
        listed: TokenStream,
        wire: TokenStream,
        from: TokenStream,
    ) -> Option<TokenStream> {
        let rt = &self.rt;
        self.arbitrary_impl(
            name,
            quote! {
                #rt::__private::proptest::strategy::Strategy::prop_map(
                    #rt::__private::proptest::prop_oneof![
                        #listed,
                        #rt::__private::proptest::arbitrary::any::<#wire>(),
                    ],
                    #from,
                )
            },
        )
    }
}

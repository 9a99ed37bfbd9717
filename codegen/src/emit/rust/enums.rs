//! Open enumerations: listed values get variants, any other value is kept in `Unknown` and
//! written back unchanged.
//!
//! What `Unknown` holds is private to the generated `types` module (an `Unlisted` wrapper, as
//! ruma keeps its enums' `_Custom(PrivOwnedStr)`): code outside can read the value
//! (`value()`, `as_str()`) and make one (`from_value`, `From`), but can neither build
//! `Unknown` itself nor take it apart. So `Unknown` never holds a listed value, and a value a
//! later version of the definitions lists (it becomes a variant of its own) breaks no code
//! that compiled before: a match on `Unknown(7)` or a hand-built `Unknown(7)`, which would
//! silently stop matching and stop being equal, cannot be written.
//!
//! Enums of integers and of strings are one shape; what differs (the wire type, how a value
//! is read, written and compared, which conversions exist) is described by a
//! `Representation`, and one function (`enumeration`) writes either from it.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::docs::{doc_attrs, prose};
use super::{derive, ident, Emitter};
use crate::model::{Enum, EnumLiteral, TypeDef};

/// What an open enum's code depends on its JSON type for.
struct Representation {
    /// The JSON type, as the type's doc names it (`integers`).
    json_type: &'static str,
    /// Whether the enum is `Copy` (one of integers is, one of strings is not).
    copy: bool,
    /// The wire type: what `Unknown` holds, and what an unlisted arbitrary value is drawn as.
    wire: TokenStream,
    /// Each listed value, as a literal.
    literals: Vec<TokenStream>,
    /// `from_value`, which reads a wire value (the match on `value` is appended).
    from_value: TokenStream,
    /// How `from_value` keeps an unlisted value `other` in `Unknown`'s wrapper.
    keep_unknown: TokenStream,
    /// How the accessor reads the wrapper `value` that `Unknown` holds.
    read_unknown: TokenStream,
    /// The accessor that returns the wire value, without its body (a match on `self`).
    accessor: TokenStream,
    /// The accessor's name, for docs.
    accessor_name: &'static str,
    /// `is_known`, without its body.
    is_known: TokenStream,
    /// The conversions to and from the wire type.
    conversions: TokenStream,
    /// Bodies of `serialize`, `deserialize`, and the runtime's schema function.
    serialize: TokenStream,
    deserialize: TokenStream,
    schema: TokenStream,
    /// A strategy drawing a listed wire value, and how a drawn wire value becomes the enum.
    listed_strategy: TokenStream,
    from_drawn: TokenStream,
}

impl Emitter<'_> {
    /// An open enum, in this order: the enum, its methods, its conversions, its serde (and
    /// JSON Schema) impls and its `Arbitrary` impl.
    pub(super) fn enumeration(&self, enumeration: &Enum) -> TokenStream {
        let rt = &self.rt;
        let name = &enumeration.definition.rust_name;
        let name_ident = ident(name);
        let repr = self.representation(enumeration, &name_ident);
        let definition = self.enum_definition(enumeration, &repr);
        let methods = self.enum_methods(enumeration, &repr);
        let conversions = &repr.conversions;
        let literals = &repr.literals;
        let schema = &repr.schema;
        let names = enumeration.values.iter().map(|value| &value.rust_name);
        let docs = enumeration.values.iter().map(|value| value.doc.trim());
        let serde_and_schema = self.serde_and_schema_impls(
            &name_ident,
            name,
            repr.serialize.clone(),
            repr.deserialize.clone(),
            quote! {
                let _ = generator;
                #rt::__private::#schema(&Self::INFO, &[#((#literals, #names, #docs)),*])
            },
        );
        let arbitrary = self.open_enum_arbitrary(
            &name_ident,
            repr.listed_strategy.clone(),
            repr.wire.clone(),
            repr.from_drawn.clone(),
        );
        quote! {
            #definition

            #methods

            #conversions

            #serde_and_schema

            #arbitrary
        }
    }

    /// The enum: a variant per listed value, and `Unknown`.
    fn enum_definition(&self, enumeration: &Enum, repr: &Representation) -> TokenStream {
        let name = ident(&enumeration.definition.rust_name);
        let doc = doc_attrs(&self.type_doc(
            &enumeration.definition,
            &format!(
                "An open enumeration of JSON {}: a value not listed here decodes to \
                 `Unknown` and is written back unchanged.",
                repr.json_type
            ),
        ));
        let variants = enumeration.values.iter().map(|value| {
            let wire = match &value.value {
                EnumLiteral::Integer(number) => number.to_string(),
                EnumLiteral::String(text) => format!("\"{text}\""),
            };
            let doc = doc_attrs(&format!("{} (wire value `{wire}`)", prose(&value.doc)));
            let variant = ident(&value.rust_name);
            quote! { #doc #variant, }
        });
        let derive = if repr.copy {
            derive(&["Debug", "Clone", "Copy", "PartialEq", "Eq", "Hash"])
        } else {
            derive(&["Debug", "Clone", "PartialEq", "Eq", "Hash"])
        };
        let wire = &repr.wire;
        let unknown_doc = doc_attrs(&format!(
            "A value the definitions do not list, kept as received: read it with `{}()`,\n\
             make one with `from_value`. Only decoding and `from_value` build it (what it holds\n\
             is private), never for a listed value: a value that later definitions list\n\
             becomes a variant of its own without breaking code that compiled before.",
            repr.accessor_name
        ));
        quote! {
            #doc
            #derive
            #[non_exhaustive]
            pub enum #name {
                #(#variants)*
                #unknown_doc
                Unknown(super::types::unlisted::Unlisted<#wire>),
            }
        }
    }

    /// `INFO`, and the methods between the enum and its wire value.
    fn enum_methods(&self, enumeration: &Enum, repr: &Representation) -> TokenStream {
        let rt = &self.rt;
        let name = ident(&enumeration.definition.rust_name);
        let info = self.type_info(&enumeration.definition);
        let variants: Vec<Ident> = enumeration
            .values
            .iter()
            .map(|value| ident(&value.rust_name))
            .collect();
        let Representation {
            literals,
            from_value,
            keep_unknown,
            read_unknown,
            accessor,
            is_known,
            ..
        } = repr;
        quote! {
            impl #name {
                /// Facts about this type from its definition.
                pub const INFO: #rt::TypeInfo = #info;

                /// The variant for a wire value; any value not listed becomes `Unknown`.
                #from_value {
                    match value {
                        #(#literals => Self::#variants,)*
                        other => Self::Unknown(super::types::unlisted::Unlisted(#keep_unknown)),
                    }
                }

                /// The wire value.
                #accessor {
                    match self {
                        #(Self::#variants => #literals,)*
                        Self::Unknown(value) => #read_unknown,
                    }
                }

                /// True for a value the definitions list.
                #is_known {
                    !matches!(self, Self::Unknown(_))
                }
            }
        }
    }

    /// The private module of the `types` module that holds `Unlisted`, what an open enum's
    /// `Unknown` keeps (nothing when no enum needs it). Only `types` can build or open one:
    /// the field is visible to the parent module alone, and the module to no one else.
    pub(super) fn unlisted_module(&self) -> Option<TokenStream> {
        let any_enum = self
            .model
            .types
            .values()
            .any(|definition| matches!(definition, TypeDef::Enum(_)));
        any_enum.then(|| {
            let derive = derive(&["Clone", "Copy", "PartialEq", "Eq", "Hash"]);
            quote! {
                mod unlisted {
                    /// A wire value an open enum does not list, as its `Unknown` variant keeps
                    /// it. Shown as the value itself.
                    #derive
                    pub struct Unlisted<T>(pub(super) T);

                    impl<T: ::core::fmt::Debug> ::core::fmt::Debug for Unlisted<T> {
                        fn fmt(&self, formatter: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                            ::core::fmt::Debug::fmt(&self.0, formatter)
                        }
                    }
                }
            }
        })
    }

    /// How an enum of integers or of strings differs.
    fn representation(&self, enumeration: &Enum, name: &Ident) -> Representation {
        let rt = &self.rt;
        if enumeration.is_integer() {
            let numbers: Vec<i64> = enumeration
                .values
                .iter()
                .map(|value| value.value.as_i64())
                .collect();
            Representation {
                json_type: "integers",
                copy: true,
                wire: quote! { i64 },
                literals: numbers.iter().map(|number| quote! { #number }).collect(),
                from_value: quote! { pub const fn from_value(value: i64) -> Self },
                keep_unknown: quote! { other },
                read_unknown: quote! { value.0 },
                accessor_name: "value",
                accessor: quote! { pub const fn value(self) -> i64 },
                is_known: quote! { pub const fn is_known(self) -> bool },
                conversions: quote! {
                    impl ::core::convert::From<i64> for #name {
                        fn from(value: i64) -> Self {
                            Self::from_value(value)
                        }
                    }

                    impl ::core::convert::From<#name> for i64 {
                        fn from(value: #name) -> Self {
                            value.value()
                        }
                    }
                },
                serialize: quote! { serializer.serialize_i64(self.value()) },
                deserialize: quote! { <i64 as #rt::__private::serde::Deserialize>::deserialize(deserializer).map(Self::from_value) },
                schema: quote! { integer_enum_schema },
                listed_strategy: quote! { #rt::__private::proptest::sample::select(&[#(#numbers),*][..]) },
                from_drawn: quote! { Self::from_value },
            }
        } else {
            let strings: Vec<&str> = enumeration
                .values
                .iter()
                .map(|value| value.value.as_str())
                .collect();
            Representation {
                json_type: "strings",
                copy: false,
                wire: quote! { ::std::string::String },
                literals: strings.iter().map(|text| quote! { #text }).collect(),
                from_value: quote! { pub fn from_value(value: &str) -> Self },
                keep_unknown: quote! { ::std::string::ToString::to_string(other) },
                read_unknown: quote! { value.0.as_str() },
                accessor_name: "as_str",
                accessor: quote! { pub fn as_str(&self) -> &str },
                is_known: quote! { pub fn is_known(&self) -> bool },
                conversions: quote! {
                    impl ::core::convert::From<&str> for #name {
                        fn from(value: &str) -> Self {
                            Self::from_value(value)
                        }
                    }
                },
                serialize: quote! { serializer.serialize_str(self.as_str()) },
                deserialize: quote! { #rt::__private::deserialize_str_with(deserializer, Self::from_value) },
                schema: quote! { string_enum_schema },
                listed_strategy: quote! {
                    #rt::__private::proptest::strategy::Strategy::prop_map(
                        #rt::__private::proptest::sample::select(&[#(#strings),*][..]),
                        ::std::string::ToString::to_string
                    )
                },
                from_drawn: quote! { |value| Self::from_value(&value) },
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
                        #rt::__private::proptest::arbitrary::any::<#wire>()
                    ],
                    #from
                )
            },
        )
    }
}

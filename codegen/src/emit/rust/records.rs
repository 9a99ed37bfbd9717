//! Structs: records, requests, response payloads and notifications share one shape (a struct
//! of fields with a constructor, the `Fields` impl that decodes and encodes it, and its
//! all-optional `Partial` twin).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs::doc_attrs;
use super::{ident, Emitter};
use crate::model::{Command, Field, Notification, Record, Scalar, TypeDef, TypeRef};

impl Emitter<'_> {
    /// A struct with its constructor and `Fields` impl (shared by records, requests, payloads
    /// and notifications).
    pub(super) fn fields_struct(
        &self,
        name: &str,
        doc: &str,
        fields: &[Field],
        extra_impl: TokenStream,
    ) -> TokenStream {
        let rt = &self.rt;
        let name_ident = ident(name);
        let partial_ident = format_ident!("{}Partial", name);
        let arbitrary = self.arbitrary_struct(&name_ident, fields, false);
        let doc = doc_attrs(doc);
        let eq = if self.fields_are_eq(fields) {
            quote! { Eq, }
        } else {
            quote! {}
        };
        let has_required = fields.iter().any(|field| !field.optional);
        let default = if has_required {
            quote! {}
        } else {
            quote! { Default, }
        };

        let struct_fields = fields.iter().map(|field| {
            let doc = doc_attrs(&self.field_doc(field));
            let rust = ident(&field.rust_name);
            let ty = self.field_type(field);
            quote! { #doc pub #rust: #ty, }
        });

        // Constructor: required fields as parameters, optional ones absent.
        let required: Vec<&Field> = fields.iter().filter(|field| !field.optional).collect();
        let params = required.iter().map(|field| {
            let rust = ident(&field.rust_name);
            let ty = self.value_type(field);
            match (&field.ty, field.nullable) {
                (TypeRef::Scalar(Scalar::String), false) => {
                    quote! { #rust: impl ::core::convert::Into<::std::string::String> }
                }
                (TypeRef::Named(named), false)
                    if matches!(self.model.types.get(named), Some(TypeDef::Newtype(_))) =>
                {
                    quote! { #rust: impl ::core::convert::Into<#ty> }
                }
                _ => quote! { #rust: #ty },
            }
        });
        let inits = fields.iter().map(|field| {
            let rust = ident(&field.rust_name);
            if field.optional {
                quote! { #rust: ::core::option::Option::None }
            } else {
                let converts = !field.nullable
                    && match &field.ty {
                        TypeRef::Scalar(Scalar::String) => true,
                        TypeRef::Named(named) => {
                            matches!(self.model.types.get(named), Some(TypeDef::Newtype(_)))
                        }
                        _ => false,
                    };
                if converts {
                    quote! { #rust: #rust.into() }
                } else {
                    quote! { #rust }
                }
            }
        });
        let many_args = if required.len() > 7 {
            quote! { #[allow(clippy::too_many_arguments)] }
        } else {
            quote! {}
        };
        let new_doc = if required.is_empty() {
            " Creates the value with every (optional) field absent.".to_string()
        } else {
            " Creates the value from its required fields; optional fields start absent.".to_string()
        };

        let accept_arms = fields.iter().map(|field| {
            let wire = &field.wire_name;
            // The wire name and its aliases fill one slot, so sending both is a duplicate.
            let keys = field
                .wire_names()
                .map(|name| proc_macro2::Literal::byte_string(name.as_bytes()));
            let rust = ident(&field.rust_name);
            // An array notes the index of an element that fails (`list[2].id`).
            let next = match (&field.ty, field.nullable) {
                (TypeRef::Array(_), false) => quote! { next_once_indexed },
                (TypeRef::Array(_), true) => quote! { next_once_indexed_nullable },
                _ => quote! { next_once },
            };
            quote! { #(#keys)|* => #rt::__private::#next(&mut partial.#rust, #wire, map)?, }
        });
        let accept_body = if fields.is_empty() {
            quote! {
                let _ = (partial, key, map);
                ::core::result::Result::Ok(false)
            }
        } else {
            quote! {
                match key {
                    #(#accept_arms)*
                    _ => return ::core::result::Result::Ok(false),
                }
                ::core::result::Result::Ok(true)
            }
        };
        let complete = fields.iter().map(|field| {
            let wire = &field.wire_name;
            let rust = ident(&field.rust_name);
            if field.optional {
                quote! { #rust: partial.#rust, }
            } else {
                quote! { #rust: #rt::__private::required(partial.#rust, #wire)?, }
            }
        });
        let complete_body = if fields.is_empty() {
            quote! {
                let _ = partial;
                ::core::result::Result::Ok(Self {})
            }
        } else {
            quote! {
                ::core::result::Result::Ok(Self { #(#complete)* })
            }
        };
        let writes = fields.iter().map(|field| {
            let wire = &field.wire_name;
            let rust = ident(&field.rust_name);
            if field.optional {
                quote! {
                    if let ::core::option::Option::Some(value) = &self.#rust {
                        map.serialize_entry(#wire, value)?;
                    }
                }
            } else {
                quote! { map.serialize_entry(#wire, &self.#rust)?; }
            }
        });
        let write_body = if fields.is_empty() {
            quote! { let _ = map; ::core::result::Result::Ok(()) }
        } else {
            quote! { #(#writes)* ::core::result::Result::Ok(()) }
        };
        let schema_adds = fields.iter().map(|field| {
            let wire = &field.wire_name;
            let value = self.value_type(field);
            let description = field.schema_description();
            let required = !field.optional;
            let api = field.api.clone().unwrap_or_default();
            let aliases = field.aliases.iter().map(|alias| {
                let alias = &alias.name;
                quote! { schemas.alias(#wire, #alias); }
            });
            quote! {
                schemas.add(#wire, generator.subschema_for::<#value>(), #description, #required, &[#(#api),*]);
                #(#aliases)*
            }
        });
        let schema_body = if fields.is_empty() {
            quote! { let _ = generator; #rt::__private::FieldSchemas::default() }
        } else {
            quote! {
                let mut schemas = #rt::__private::FieldSchemas::default();
                #(#schema_adds)*
                schemas
            }
        };

        let fields_schema = self.options.json_schema.then(|| {
            quote! {
                impl #rt::__private::FieldsSchema for #name_ident {
                    fn field_schemas(
                        generator: &mut #rt::__private::schemars::SchemaGenerator,
                    ) -> #rt::__private::FieldSchemas {
                        #schema_body
                    }
                }
            }
        });
        quote! {
            #doc
            #[derive(Debug, Clone, PartialEq, #eq #default)]
            #[non_exhaustive]
            pub struct #name_ident {
                #(#struct_fields)*
            }

            impl #name_ident {
                #[doc = #new_doc]
                #many_args
                pub fn new(#(#params),*) -> Self {
                    Self { #(#inits),* }
                }
            }

            #extra_impl

            #arbitrary

            impl #rt::__private::Fields for #name_ident {
                type Partial = super::partial::#partial_ident;
                const TYPE_NAME: &'static str = #name;

                fn accept_field<'de, A: #rt::__private::serde::de::MapAccess<'de>>(
                    partial: &mut Self::Partial,
                    key: &[u8],
                    map: &mut A,
                ) -> ::core::result::Result<bool, A::Error> {
                    #accept_body
                }

                fn from_partial<E: #rt::__private::serde::de::Error>(
                    partial: Self::Partial,
                ) -> ::core::result::Result<Self, E> {
                    #complete_body
                }

                fn write_fields<M: #rt::__private::serde::ser::SerializeMap>(
                    &self,
                    map: &mut M,
                ) -> ::core::result::Result<(), M::Error> {
                    #write_body
                }
            }

            #fields_schema
        }
    }

    pub(super) fn record(&self, record: &Record) -> TokenStream {
        let rt = &self.rt;
        let name = &record.definition.rust_name;
        let name_ident = ident(name);
        let doc = self.type_doc(&record.definition, "A JSON object.");
        let info = self.type_info(&record.definition);
        let serde_and_schema = self.serde_and_schema_impls(
            &name_ident,
            name,
            quote! { #rt::__private::serialize_record(self, serializer) },
            quote! { #rt::__private::deserialize_record(deserializer) },
            quote! { #rt::__private::record_schema::<Self>(generator, &Self::INFO) },
        );
        let extra = quote! {
            impl #name_ident {
                /// Facts about this type from its definition.
                pub const INFO: #rt::TypeInfo = #info;
            }

            #serde_and_schema
        };
        self.fields_struct(name, &doc, &record.fields, extra)
    }

    pub(super) fn command(&self, command: &Command) -> TokenStream {
        let rt = &self.rt;
        let rt_doc = &self.rt_doc;
        let name = &command.info.rust_name;
        let name_ident = ident(name);
        let response_name = &command.response_rust_name;
        let response_ident = ident(response_name);
        let method = &command.info.wire_name;
        let info = self.message_info(&command.info);
        let request_doc = self.message_doc(
            &command.info,
            &format!(
                "The parameters of the request; send it as [`Request<{name}>`]({rt_doc}::Request) \
                 (`\"method\": \"{method}\"`). A successful answer carries [`{response_name}`]."
            ),
        );
        let extra = quote! {
            impl #rt::Command for #name_ident {
                const METHOD: &'static str = #method;
                const INFO: &'static #rt::MessageInfo = &#info;
                type Response = #response_ident;
            }
        };
        let request = self.fields_struct(name, &request_doc, &command.request, extra);
        let response_doc = format!(
            "The fields of a successful `{method}` response (`\"result\": true`), inside \
             [`Response<{name}>`]({rt_doc}::Response).\n\nA failed response carries \
             [`{response_name}Partial`](super::partial::{response_name}Partial) instead, in \
             [`Failure::fields`]({rt_doc}::Failure::fields)."
        );
        let response =
            self.fields_struct(response_name, &response_doc, &command.response, quote! {});
        quote! { #request #response }
    }

    pub(super) fn notification(&self, notification: &Notification) -> TokenStream {
        let rt = &self.rt;
        let name = &notification.info.rust_name;
        let name_ident = ident(name);
        let event = &notification.info.wire_name;
        let info = self.message_info(&notification.info);
        let doc = self.message_doc(
            &notification.info,
            &format!("The whole message: `{{\"method\": \"event\", \"event\": \"{event}\", …}}`."),
        );
        let serde_and_schema = self.serde_and_schema_impls(
            &name_ident,
            name,
            quote! { #rt::__private::serialize_notification(self, serializer) },
            quote! { #rt::__private::deserialize_notification(deserializer) },
            quote! { #rt::__private::notification_schema::<Self>(generator) },
        );
        let extra = quote! {
            impl #rt::Notification for #name_ident {
                const EVENT: &'static str = #event;
                const INFO: &'static #rt::MessageInfo = &#info;
            }

            #serde_and_schema
        };
        self.fields_struct(name, &doc, &notification.fields, extra)
    }

    /// The all-optional partial struct of every field list, with its `PartialFields` impl.
    pub(super) fn partials(&self) -> TokenStream {
        let rt = &self.rt;
        let mut lists: Vec<(String, &[Field])> = Vec::new();
        for command in &self.model.commands {
            lists.push((command.info.rust_name.clone(), &command.request));
            lists.push((command.response_rust_name.clone(), &command.response));
        }
        for notification in &self.model.notifications {
            lists.push((notification.info.rust_name.clone(), &notification.fields));
        }
        for definition in self.model.types.values() {
            if let TypeDef::Record(record) = definition {
                lists.push((record.definition.rust_name.clone(), &record.fields));
            }
        }
        let items = lists.iter().map(|(owner, fields)| {
            let name = format_ident!("{}Partial", owner);
            let arbitrary = self.arbitrary_struct(&name, fields, true);
            let owner_path = self.owner_path(owner);
            let doc =
                format!(" Every field of [`{owner}`]({owner_path}), each `None` while absent.");
            let eq = if self.fields_are_eq(fields) {
                quote! { Eq, }
            } else {
                quote! {}
            };
            let slots = fields.iter().map(|field| {
                let rust = ident(&field.rust_name);
                let value = self.value_type(field);
                let doc = format!(" Wire key `{}`.", field.wire_name);
                quote! { #[doc = #doc] pub #rust: ::core::option::Option<#value>, }
            });
            let writes = fields.iter().map(|field| {
                let wire = &field.wire_name;
                let rust = ident(&field.rust_name);
                quote! {
                    if let ::core::option::Option::Some(value) = &self.#rust {
                        map.serialize_entry(#wire, value)?;
                    }
                }
            });
            let write_body = if fields.is_empty() {
                quote! { let _ = map; ::core::result::Result::Ok(()) }
            } else {
                quote! { #(#writes)* ::core::result::Result::Ok(()) }
            };
            quote! {
                #[doc = #doc]
                #[derive(Debug, Clone, PartialEq, #eq Default)]
                #[non_exhaustive]
                pub struct #name {
                    #(#slots)*
                }

                #arbitrary

                impl #rt::__private::PartialFields for #name {
                    fn write_fields<M: #rt::__private::serde::ser::SerializeMap>(
                        &self,
                        map: &mut M,
                    ) -> ::core::result::Result<(), M::Error> {
                        #write_body
                    }
                }
            }
        });
        quote! { #(#items)* }
    }

    /// Path (for doc links) of the struct a partial belongs to.
    pub(super) fn owner_path(&self, owner: &str) -> String {
        if self
            .model
            .commands
            .iter()
            .any(|c| c.info.rust_name == owner || c.response_rust_name == owner)
        {
            format!("super::commands::{owner}")
        } else if self
            .model
            .notifications
            .iter()
            .any(|n| n.info.rust_name == owner)
        {
            format!("super::notifications::{owner}")
        } else {
            format!("super::types::{owner}")
        }
    }
}

//! Structs: records, requests, response payloads and notifications share one shape (a struct
//! of fields with a constructor, the `Fields` impl that decodes and encodes it, and its
//! all-optional `Partial` twin).

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::docs::doc_attrs;
use super::{derive, ident, Emitter};
use crate::model::{
    Command, DefinitionInfo, Field, Notification, Record, Scalar, TypeDef, TypeRef,
    NOTIFICATION_ENVELOPE, REQUEST_ENVELOPE, RESPONSE_ENVELOPE, UNLISTED_FIELD,
};

/// What the `unlisted` field of a client-tier struct says about itself.
const UNLISTED_DOC: &str =
    "The keys of this object that its definition does not list, each with its value exactly as \
received, in the order they arrived. The client tier lists only what TrueConf's clients read, so \
nothing else the Room sends is lost: encoding writes these keys back after the listed fields, and \
`check` still reports them as unknown fields.";

/// The keys a struct of the client tier keeps besides its fields, and must never write as one
/// of them: its fields' wire names and aliases, and its envelope's keys. `None` for a struct
/// outside the tier, whose decoder skips unlisted keys.
type Unlisted = Option<Vec<String>>;

/// The reserved keys of a client-tier struct of `fields` inside `envelope` (see [`Unlisted`]);
/// `None` when `definition` is not of the tier.
fn unlisted(definition: &DefinitionInfo, fields: &[Field], envelope: &[&str]) -> Unlisted {
    definition.keeps_unlisted().then(|| {
        fields
            .iter()
            .flat_map(Field::wire_names)
            .chain(envelope.iter().copied())
            .map(str::to_string)
            .collect()
    })
}

impl Emitter<'_> {
    /// A struct of fields with everything it comes with, in this order: the struct, its
    /// constructor, `extra_impl` (what only records, requests or notifications have), its
    /// `Arbitrary` impl, its `Fields` impl and its `FieldsSchema` impl. Shared by records,
    /// requests, payloads and notifications.
    pub(super) fn fields_struct(
        &self,
        name: &str,
        doc: &str,
        fields: &[Field],
        unlisted: &Unlisted,
        extra_impl: TokenStream,
    ) -> TokenStream {
        let name_ident = ident(name);
        let definition = self.struct_definition(&name_ident, doc, fields, unlisted);
        let constructor = self.constructor(&name_ident, fields, unlisted);
        let arbitrary = self.arbitrary_struct(&name_ident, fields, false, unlisted);
        let fields_impl = self.fields_impl(&name_ident, name, fields, unlisted);
        let fields_schema = self.fields_schema_impl(&name_ident, fields, unlisted);
        quote! {
            #definition

            #constructor

            #extra_impl

            #arbitrary

            #fields_impl

            #fields_schema
        }
    }

    /// The struct itself: one public field per definition field, and `unlisted` in the client
    /// tier.
    fn struct_definition(
        &self,
        name: &Ident,
        doc: &str,
        fields: &[Field],
        unlisted: &Unlisted,
    ) -> TokenStream {
        let doc = doc_attrs(doc);
        let mut traits = self.struct_derives(fields);
        // `Default` only when no field is required: it would be an invalid value otherwise.
        if fields.iter().all(|field| field.optional) {
            traits.push("Default");
        }
        let derive = derive(&traits);
        let struct_fields = fields.iter().map(|field| {
            let doc = doc_attrs(&self.field_doc(field));
            let rust = ident(&field.rust_name);
            let ty = self.field_type(field);
            quote! { #doc pub #rust: #ty, }
        });
        let unlisted = self.unlisted_slot(unlisted);
        quote! {
            #doc
            #derive
            #[non_exhaustive]
            pub struct #name {
                #(#struct_fields)*
                #unlisted
            }
        }
    }

    /// The `unlisted` field of a client-tier struct (and of its partial form).
    fn unlisted_slot(&self, unlisted: &Unlisted) -> Option<TokenStream> {
        let rt = &self.rt;
        unlisted.as_ref().map(|_| {
            let doc = doc_attrs(UNLISTED_DOC);
            let rust = ident(UNLISTED_FIELD);
            quote! { #doc pub #rust: #rt::UnlistedKeys, }
        })
    }

    /// `new`: required fields as parameters (strings and string newtypes through `Into`),
    /// optional ones absent.
    fn constructor(&self, name: &Ident, fields: &[Field], unlisted: &Unlisted) -> TokenStream {
        let rt = &self.rt;
        let required: Vec<&Field> = fields.iter().filter(|field| !field.optional).collect();
        let params = required.iter().map(|field| {
            let rust = ident(&field.rust_name);
            let ty = self.value_type(field);
            if self.converts_into(field) {
                quote! { #rust: impl ::core::convert::Into<#ty> }
            } else {
                quote! { #rust: #ty }
            }
        });
        let inits = fields.iter().map(|field| {
            let rust = ident(&field.rust_name);
            if field.optional {
                quote! { #rust: ::core::option::Option::None }
            } else if self.converts_into(field) {
                quote! { #rust: #rust.into() }
            } else {
                quote! { #rust }
            }
        });
        let unlisted_init = unlisted.as_ref().map(|_| {
            let rust = ident(UNLISTED_FIELD);
            quote! { #rust: #rt::UnlistedKeys::new() }
        });
        let inits = inits.chain(unlisted_init);
        let many_args = if required.len() > 7 {
            quote! { #[allow(clippy::too_many_arguments)] }
        } else {
            quote! {}
        };
        let new_doc = if required.is_empty() {
            " Creates the value with every (optional) field absent."
        } else {
            " Creates the value from its required fields; optional fields start absent."
        };
        quote! {
            impl #name {
                #[doc = #new_doc]
                #many_args
                pub fn new(#(#params),*) -> Self {
                    Self { #(#inits),* }
                }
            }
        }
    }

    /// Whether the constructor takes the required `field` as `impl Into<T>`: a string, or a
    /// newtype (which converts from its scalar), when not nullable.
    fn converts_into(&self, field: &Field) -> bool {
        !field.nullable
            && match &field.ty {
                TypeRef::Scalar(Scalar::String) => true,
                TypeRef::Named(named) => {
                    matches!(self.model.types.get(named), Some(TypeDef::Newtype(_)))
                }
                _ => false,
            }
    }

    /// `impl Fields`: the struct's name, and how its fields are decoded one key at a time,
    /// completed from the partial struct, and written.
    fn fields_impl(
        &self,
        name_ident: &Ident,
        name: &str,
        fields: &[Field],
        unlisted: &Unlisted,
    ) -> TokenStream {
        let rt = &self.rt;
        let partial_ident = format_ident!("{}Partial", name);
        let accept_body = self.accept_field_body(fields);
        let complete_body = self.completion_body(fields, unlisted);
        let write_body = self.write_fields_body(fields, false, unlisted);
        quote! {
            impl #rt::__private::Fields for #name_ident {
                type Partial = super::partial::#partial_ident;
                const TYPE_NAME: &'static str = #name;

                fn accept_field<'de, A: #rt::__private::serde::de::MapAccess<'de>>(
                    partial: &mut Self::Partial,
                    key: &[u8],
                    map: &mut A
                ) -> ::core::result::Result<bool, A::Error> {
                    #accept_body
                }

                fn from_partial<E: #rt::__private::serde::de::Error>(
                    partial: Self::Partial
                ) -> ::core::result::Result<Self, E> {
                    #complete_body
                }

                fn write_fields<M: #rt::__private::serde::ser::SerializeMap>(
                    &self,
                    map: &mut M
                ) -> ::core::result::Result<(), M::Error> {
                    #write_body
                }
            }
        }
    }

    /// `accept_field`: reads the value of a known key (its wire name or an alias) into its slot
    /// of the partial struct; false for a key of no field.
    fn accept_field_body(&self, fields: &[Field]) -> TokenStream {
        let rt = &self.rt;
        if fields.is_empty() {
            return quote! {
                let _ = (partial, key, map);
                ::core::result::Result::Ok(false)
            };
        }
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
        quote! {
            match key {
                #(#accept_arms)*
                _ => return ::core::result::Result::Ok(false),
            }
            ::core::result::Result::Ok(true)
        }
    }

    /// `from_partial`: the struct from its partial form, failing on a missing required field.
    fn completion_body(&self, fields: &[Field], unlisted: &Unlisted) -> TokenStream {
        let rt = &self.rt;
        let keep = unlisted.as_ref().map(|_| {
            let rust = ident(UNLISTED_FIELD);
            quote! { #rust: partial.#rust, }
        });
        if fields.is_empty() {
            let unused = keep.is_none().then(|| quote! { let _ = partial; });
            return quote! {
                #unused
                ::core::result::Result::Ok(Self { #keep })
            };
        }
        let complete = fields.iter().map(|field| {
            let wire = &field.wire_name;
            let rust = ident(&field.rust_name);
            if field.optional {
                quote! { #rust: partial.#rust, }
            } else {
                quote! { #rust: #rt::__private::required(partial.#rust, #wire)?, }
            }
        });
        quote! {
            ::core::result::Result::Ok(Self { #(#complete)* #keep })
        }
    }

    /// `impl FieldsSchema` (with the `json_schema` option): each field's schema, description,
    /// whether it is required, its API versions and its aliases.
    fn fields_schema_impl(
        &self,
        name: &Ident,
        fields: &[Field],
        unlisted: &Unlisted,
    ) -> Option<TokenStream> {
        let rt = &self.rt;
        if !self.options.json_schema {
            return None;
        }
        let keep = unlisted
            .as_ref()
            .map(|_| quote! { schemas.keep_unlisted(); });
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
        let schema_body = if fields.is_empty() && keep.is_none() {
            quote! { let _ = generator; #rt::__private::FieldSchemas::default() }
        } else {
            let unused = fields.is_empty().then(|| quote! { let _ = generator; });
            quote! {
                #unused
                let mut schemas = #rt::__private::FieldSchemas::default();
                #(#schema_adds)*
                #keep
                schemas
            }
        };
        Some(quote! {
            impl #rt::__private::FieldsSchema for #name {
                fn field_schemas(
                    generator: &mut #rt::__private::schemars::SchemaGenerator
                ) -> #rt::__private::FieldSchemas {
                    #schema_body
                }
            }
        })
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
        let unlisted = unlisted(&record.definition, &record.fields, &[]);
        self.fields_struct(name, &doc, &record.fields, &unlisted, extra)
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
        let definition = &command.info.definition;
        let request_unlisted = unlisted(definition, &command.request, REQUEST_ENVELOPE);
        let request = self.fields_struct(
            name,
            &request_doc,
            &command.request,
            &request_unlisted,
            extra,
        );
        let mut response_doc = format!(
            "The fields of a successful `{method}` response (`\"result\": true`), inside \
             [`Response<{name}>`]({rt_doc}::Response).\n\nA failed response carries \
             [`{response_name}Partial`](super::partial::{response_name}Partial) instead, in \
             [`Failure::fields`]({rt_doc}::Failure::fields)."
        );
        if definition.keeps_unlisted() {
            response_doc.push_str(&format!(
                "\n\n{}",
                super::docs::client_tier_doc(definition.evidence.as_deref())
            ));
        }
        let response_unlisted = unlisted(definition, &command.response, RESPONSE_ENVELOPE);
        let response = self.fields_struct(
            response_name,
            &response_doc,
            &command.response,
            &response_unlisted,
            quote! {},
        );
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
        let unlisted = unlisted(
            &notification.info.definition,
            &notification.fields,
            NOTIFICATION_ENVELOPE,
        );
        self.fields_struct(name, &doc, &notification.fields, &unlisted, extra)
    }

    /// The all-optional partial struct of every field list, with its `PartialFields` impl.
    pub(super) fn partials(&self) -> TokenStream {
        let mut lists: Vec<(String, &[Field], Unlisted)> = Vec::new();
        for command in &self.model.commands {
            let definition = &command.info.definition;
            lists.push((
                command.info.rust_name.clone(),
                &command.request,
                unlisted(definition, &command.request, REQUEST_ENVELOPE),
            ));
            lists.push((
                command.response_rust_name.clone(),
                &command.response,
                unlisted(definition, &command.response, RESPONSE_ENVELOPE),
            ));
        }
        for notification in &self.model.notifications {
            lists.push((
                notification.info.rust_name.clone(),
                &notification.fields,
                unlisted(
                    &notification.info.definition,
                    &notification.fields,
                    NOTIFICATION_ENVELOPE,
                ),
            ));
        }
        for definition in self.model.types.values() {
            if let TypeDef::Record(record) = definition {
                lists.push((
                    record.definition.rust_name.clone(),
                    &record.fields,
                    unlisted(&record.definition, &record.fields, &[]),
                ));
            }
        }
        let items = lists
            .iter()
            .map(|(owner, fields, unlisted)| self.partial_struct(owner, fields, unlisted));
        quote! { #(#items)* }
    }

    /// The partial struct of the struct `owner`: every field optional, each `None` while
    /// absent; with its `Arbitrary` and `PartialFields` impls.
    fn partial_struct(&self, owner: &str, fields: &[Field], unlisted: &Unlisted) -> TokenStream {
        let rt = &self.rt;
        let name = format_ident!("{}Partial", owner);
        let arbitrary = self.arbitrary_struct(&name, fields, true, unlisted);
        let owner_path = self.owner_path(owner);
        let doc = format!(" Every field of [`{owner}`]({owner_path}), each `None` while absent.");
        let mut traits = self.struct_derives(fields);
        traits.push("Default");
        let derive = derive(&traits);
        let slots = fields.iter().map(|field| {
            let rust = ident(&field.rust_name);
            let value = self.value_type(field);
            let doc = format!(" Wire key `{}`.", field.wire_name);
            quote! { #[doc = #doc] pub #rust: ::core::option::Option<#value>, }
        });
        let write_body = self.write_fields_body(fields, true, unlisted);
        let unlisted_slot = self.unlisted_slot(unlisted);
        // The partial form is what decoding collects into: where the unlisted keys go.
        let unlisted_mut = unlisted.as_ref().map(|_| {
            let rust = ident(UNLISTED_FIELD);
            quote! {
                fn unlisted_mut(&mut self) -> ::core::option::Option<&mut #rt::UnlistedKeys> {
                    ::core::option::Option::Some(&mut self.#rust)
                }
            }
        });
        quote! {
            #[doc = #doc]
            #derive
            #[non_exhaustive]
            pub struct #name {
                #(#slots)*
                #unlisted_slot
            }

            #arbitrary

            impl #rt::__private::PartialFields for #name {
                fn write_fields<M: #rt::__private::serde::ser::SerializeMap>(
                    &self,
                    map: &mut M
                ) -> ::core::result::Result<(), M::Error> {
                    #write_body
                }

                #unlisted_mut
            }
        }
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

impl Emitter<'_> {
    /// `write_fields`: each field under its wire name, an optional one (every one of a partial
    /// struct, `all_optional`) only when present; then, in the client tier, the unlisted keys.
    fn write_fields_body(
        &self,
        fields: &[Field],
        all_optional: bool,
        unlisted: &Unlisted,
    ) -> TokenStream {
        let rt = &self.rt;
        let tail = match unlisted {
            Some(reserved) => {
                let rust = ident(UNLISTED_FIELD);
                quote! { #rt::__private::write_unlisted(map, &self.#rust, &[#(#reserved),*]) }
            }
            None if fields.is_empty() => quote! { let _ = map; ::core::result::Result::Ok(()) },
            None => quote! { ::core::result::Result::Ok(()) },
        };
        let writes = fields.iter().map(|field| {
            let wire = &field.wire_name;
            let rust = ident(&field.rust_name);
            if all_optional || field.optional {
                quote! {
                    if let ::core::option::Option::Some(value) = &self.#rust {
                        map.serialize_entry(#wire, value)?;
                    }
                }
            } else {
                quote! { map.serialize_entry(#wire, &self.#rust)?; }
            }
        });
        quote! { #(#writes)* #tail }
    }
}

//! Dispatch: `ServerMessage`, `ClientMessage`, `AnyResponse` and `AnyNotification`, which
//! decode any message by its name, the lists of names, and `visit_messages`.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::docs::prose;
use super::{ident, Emitter};
use crate::model::{MessageInfo, TypeDef};

impl Emitter<'_> {
    /// `ClientMessage`, `AnyResponse`, `AnyNotification`, the name lists and `visit_messages`.
    pub(super) fn dispatch(&self) -> TokenStream {
        let name_lists = self.name_lists();
        let client = self.client_message();
        let responses = self.any_response();
        let notifications = self.any_notification();
        let visitors = self.message_visitors();
        let server_message = self.server_message();
        quote! {
            #name_lists

            #client
            #responses
            #notifications

            #visitors

            #server_message
        }
    }

    /// `API_VERSION` and the lists of names: typed and untyped messages, field aliases.
    fn name_lists(&self) -> TokenStream {
        let api_version = match self.model.api_version {
            Some(version) => quote! { ::core::option::Option::Some(#version) },
            None => quote! { ::core::option::Option::None },
        };
        let methods = self
            .model
            .commands
            .iter()
            .map(|c| c.info.wire_name.as_str());
        let events = self
            .model
            .notifications
            .iter()
            .map(|n| n.info.wire_name.as_str());
        let untyped_commands = self
            .model
            .known_commands
            .iter()
            .map(|known| known.name.as_str());
        let untyped_notifications = self
            .model
            .known_notifications
            .iter()
            .map(|known| known.name.as_str());
        let (alias_names, alias_targets): (Vec<&str>, Vec<&str>) =
            self.field_aliases().into_iter().unzip();
        quote! {
            /// The API version these bindings were generated for (`TRUECONF_API_VERSION` at build
            /// time); `None` for all versions.
            pub const API_VERSION: ::core::option::Option<u8> = #api_version;

            /// Wire names of every command the definitions type, sorted.
            pub const COMMAND_NAMES: &[&str] = &[#(#methods),*];

            /// Wire names of every notification the definitions type, sorted.
            pub const NOTIFICATION_NAMES: &[&str] = &[#(#events),*];

            /// Command names known to exist but not typed yet (`schema/known.json`), sorted:
            /// their requests and responses decode to the `Untyped` variants.
            pub const UNTYPED_COMMAND_NAMES: &[&str] = &[#(#untyped_commands),*];

            /// Notification names known to exist but not typed yet, sorted.
            pub const UNTYPED_NOTIFICATION_NAMES: &[&str] = &[#(#untyped_notifications),*];

            /// Every other wire name decoding accepts for a field, as `(alias, wire name)`,
            /// sorted: names TrueConf's clients send where the docs use another (`chatClear`'s
            /// `id` for `chatId`). Encoding always writes the wire name.
            pub const FIELD_ALIASES: &[(&str, &str)] = &[#((#alias_names, #alias_targets)),*];
        }
    }

    /// Every `(alias, wire name)` of every field list, sorted, each once.
    fn field_aliases(&self) -> Vec<(&str, &str)> {
        let model = self.model;
        let records = model
            .types
            .values()
            .flat_map(|definition| match definition {
                TypeDef::Record(record) => record.fields.as_slice(),
                _ => &[],
            });
        let mut aliases: Vec<(&str, &str)> = model
            .commands
            .iter()
            .flat_map(|command| command.request.iter().chain(&command.response))
            .chain(model.notifications.iter().flat_map(|n| &n.fields))
            .chain(records)
            .flat_map(|field| {
                field
                    .aliases
                    .iter()
                    .map(move |alias| (alias.name.as_str(), field.wire_name.as_str()))
            })
            .collect();
        aliases.sort_unstable();
        aliases.dedup();
        aliases
    }

    /// One dispatch variant per message of `infos`: its payload type is `payload(name)`, its
    /// message type `super::module::Name`, which implements the runtime's `trait_name`.
    fn dispatch_variants(
        &self,
        payload: &dyn Fn(&Ident) -> TokenStream,
        infos: &[&MessageInfo],
        trait_name: TokenStream,
        module: TokenStream,
    ) -> Vec<DispatchVariant> {
        let rt = &self.rt;
        infos
            .iter()
            .map(|info| {
                let name = ident(&info.rust_name);
                DispatchVariant {
                    message: quote! { super::#module::#name },
                    payload: payload(&name),
                    info: quote! { <super::#module::#name as #rt::#trait_name>::INFO },
                    doc: format!(" `{}`: {}", info.wire_name, prose(&info.definition.summary)),
                    wire: info.wire_name.clone(),
                    name,
                }
            })
            .collect()
    }

    fn command_infos(&self) -> Vec<&MessageInfo> {
        self.model.commands.iter().map(|c| &c.info).collect()
    }

    /// `ClientMessage`: any request.
    fn client_message(&self) -> TokenStream {
        let rt = &self.rt;
        self.dispatch_enum(DispatchEnum {
            name: ident("ClientMessage"),
            doc: "Any client→server message: a typed request, or an unknown one kept raw.",
            unknown_doc: "A request whose `method` the definitions do not know.",
            direction: quote! { #rt::Direction::Request },
            name_fn: ident("method"),
            name_fn_doc: "The `method` of the request.",
            info_doc: "Facts about the command from its definition (`None` for an unknown one).",
            variants: self.dispatch_variants(
                &|name| quote! { #rt::Request<super::commands::#name> },
                &self.command_infos(),
                quote! { Command },
                quote! { commands },
            ),
            finish: quote! { #rt::__private::finish_request },
            untyped_names: quote! { UNTYPED_COMMAND_NAMES },
            request_id_doc: Some(
                "The `requestId`, when the request carries one (typed requests only).",
            ),
            extra: quote! {},
        })
    }

    /// `AnyResponse`: any response, with `is_success`.
    fn any_response(&self) -> TokenStream {
        let rt = &self.rt;
        let command_idents = self.model.commands.iter().map(|c| ident(&c.info.rust_name));
        self.dispatch_enum(DispatchEnum {
            name: ident("AnyResponse"),
            doc: "Any response to a command: typed, or an unknown one kept raw.",
            unknown_doc: "A response whose `method` the definitions do not know.",
            direction: quote! { #rt::Direction::Response },
            name_fn: ident("method"),
            name_fn_doc: "The `method` the response answers.",
            info_doc: "Facts about the command from its definition (`None` for an unknown one).",
            variants: self.dispatch_variants(
                &|name| quote! { #rt::Response<super::commands::#name> },
                &self.command_infos(),
                quote! { Command },
                quote! { commands },
            ),
            finish: quote! { #rt::__private::finish_response },
            untyped_names: quote! { UNTYPED_COMMAND_NAMES },
            request_id_doc: Some("The echoed `requestId`, when present (typed responses only)."),
            extra: quote! {
                /// `Some(true)` for `"result": true`, `Some(false)` for a failure, `None` for an
                /// unknown response.
                pub fn is_success(&self) -> ::core::option::Option<bool> {
                    match self {
                        #(Self::#command_idents(response) => ::core::option::Option::Some(response.result.is_ok()),)*
                        Self::Untyped(_) | Self::Unknown(_) => ::core::option::Option::None,
                    }
                }
            },
        })
    }

    /// `AnyNotification`: any notification.
    fn any_notification(&self) -> TokenStream {
        let rt = &self.rt;
        let notification_infos: Vec<&MessageInfo> =
            self.model.notifications.iter().map(|n| &n.info).collect();
        self.dispatch_enum(DispatchEnum {
            name: ident("AnyNotification"),
            doc: "Any notification: typed, or an unknown one kept raw.",
            unknown_doc: "A notification whose `event` the definitions do not know.",
            direction: quote! { #rt::Direction::Notification },
            name_fn: ident("event"),
            name_fn_doc: "The `event` name.",
            info_doc:
                "Facts about the notification from its definition (`None` for an unknown one).",
            variants: self.dispatch_variants(
                &|name| quote! { super::notifications::#name },
                &notification_infos,
                quote! { Notification },
                quote! { notifications },
            ),
            finish: quote! { #rt::__private::finish_notification },
            untyped_names: quote! { UNTYPED_NOTIFICATION_NAMES },
            request_id_doc: None,
            extra: quote! {},
        })
    }

    /// `visit_messages`, and the schema and proptest visits the options ask for.
    fn message_visitors(&self) -> TokenStream {
        let rt = &self.rt;
        let command_idents: Vec<Ident> = self
            .model
            .commands
            .iter()
            .map(|c| ident(&c.info.rust_name))
            .collect();
        let notification_idents: Vec<Ident> = self
            .model
            .notifications
            .iter()
            .map(|n| ident(&n.info.rust_name))
            .collect();
        let visit_schema = self.options.json_schema.then(|| {
            quote! {
                /// Calls the visitor once per typed message, like `visit_messages`, for work
                /// that needs each message's JSON Schema.
                pub fn visit_schema_messages<V: #rt::schema_support::SchemaVisitor>(visitor: &mut V) {
                    #(visitor.command::<super::commands::#command_idents>();)*
                    #(visitor.notification::<super::notifications::#notification_idents>();)*
                }
            }
        });
        let visit_arbitrary = self.options.proptest.then(|| {
            quote! {
                /// Calls the visitor once per typed message, like `visit_messages`, for property
                /// tests that need each message's proptest strategy.
                pub fn visit_arbitrary_messages<V: #rt::proptest_support::ArbitraryVisitor>(visitor: &mut V) {
                    #(visitor.command::<super::commands::#command_idents>();)*
                    #(visitor.notification::<super::notifications::#notification_idents>();)*
                }
            }
        });
        quote! {
            /// Calls the visitor once per typed message, commands first, in name order: the way
            /// to do something generic for every message (export schemas, run checks).
            pub fn visit_messages<V: #rt::MessageVisitor>(visitor: &mut V) {
                #(visitor.command::<super::commands::#command_idents>();)*
                #(visitor.notification::<super::notifications::#notification_idents>();)*
            }

            #visit_schema

            #visit_arbitrary
        }
    }
}

/// One typed variant of a dispatch enum.
pub(super) struct DispatchVariant {
    name: Ident,
    /// The command or notification type (the type parameter of `finish`).
    message: TokenStream,
    wire: String,
    payload: TokenStream,
    info: TokenStream,
    doc: String,
}

/// What differs between `ClientMessage`, `AnyResponse` and `AnyNotification`.
pub(super) struct DispatchEnum {
    name: Ident,
    doc: &'static str,
    unknown_doc: &'static str,
    direction: TokenStream,
    name_fn: Ident,
    name_fn_doc: &'static str,
    info_doc: &'static str,
    variants: Vec<DispatchVariant>,
    /// Reads the rest of a message whose names were already read (`#rt::__private::finish_…`).
    finish: TokenStream,
    /// The constant listing the known but untyped names of this direction.
    untyped_names: TokenStream,
    /// Docs of a `request_id()` accessor, for enums whose typed variants carry one.
    request_id_doc: Option<&'static str>,
    extra: TokenStream,
}

impl DispatchEnum {
    fn idents(&self) -> impl Iterator<Item = &Ident> + Clone {
        self.variants.iter().map(|v| &v.name)
    }

    fn wires(&self) -> impl Iterator<Item = &str> + Clone {
        self.variants.iter().map(|v| v.wire.as_str())
    }

    fn payloads(&self) -> impl Iterator<Item = &TokenStream> + Clone {
        self.variants.iter().map(|v| &v.payload)
    }
}

/// Doc attributes take the text after `///`, leading space included.
fn doc_text(text: &str) -> String {
    format!(" {text}")
}

impl Emitter<'_> {
    /// A dispatch enum: one variant per typed message plus `Untyped` and `Unknown`, then, in
    /// this order, decoding by name, the name and the metadata, serde, and `From` for each
    /// typed message.
    pub(super) fn dispatch_enum(&self, spec: DispatchEnum) -> TokenStream {
        let definition = self.dispatch_enum_definition(&spec);
        let named_messages = self.named_messages_impl(&spec);
        let methods = self.dispatch_enum_methods(&spec);
        let serialize = self.dispatch_enum_serialize(&spec);
        let name = &spec.name;
        let (idents, payloads) = (spec.idents(), spec.payloads());
        let from_payloads = payloads.clone();
        quote! {
            #definition

            #named_messages

            #methods

            #serialize

            #(
                impl ::core::convert::From<#from_payloads> for #name {
                    fn from(message: #payloads) -> Self {
                        Self::#idents(message)
                    }
                }
            )*
        }
    }

    /// The enum: a variant per typed message, `Untyped` and `Unknown`.
    fn dispatch_enum_definition(&self, spec: &DispatchEnum) -> TokenStream {
        let rt = &self.rt;
        let name = &spec.name;
        let doc = doc_text(spec.doc);
        let unknown_doc = doc_text(spec.unknown_doc);
        let (idents, payloads) = (spec.idents(), spec.payloads());
        let docs = spec.variants.iter().map(|v| v.doc.as_str());
        quote! {
            #[doc = #doc]
            #[derive(Debug, Clone, PartialEq)]
            #[non_exhaustive]
            pub enum #name {
                #(#[doc = #docs] #idents(#payloads),)*
                /// A name the definitions know to exist but do not type yet (`schema/known.json`);
                /// the payload is kept as raw JSON.
                Untyped(#rt::RawMessage),
                #[doc = #unknown_doc]
                Unknown(#rt::RawMessage),
            }
        }
    }

    /// `NamedMessages`: decoding a message whose name was read first, from its bytes or from
    /// the rest of a map.
    fn named_messages_impl(&self, spec: &DispatchEnum) -> TokenStream {
        let rt = &self.rt;
        let DispatchEnum {
            name,
            direction,
            finish,
            untyped_names,
            ..
        } = spec;
        let (idents, payloads, wires) = (spec.idents(), spec.payloads(), spec.wires());
        let continue_idents = idents.clone();
        let wire_bytes: Vec<proc_macro2::Literal> = spec
            .variants
            .iter()
            .map(|v| proc_macro2::Literal::byte_string(v.wire.as_bytes()))
            .collect();
        let messages = spec.variants.iter().map(|v| &v.message);
        quote! {
            // `#[inline]` here and on the `from_slice`/`from_str` entry points (which are the
            // only non-generic callers) keeps the decoding of every message type out of the
            // build of the crate that holds the bindings: it is compiled where it is called.
            // Without it, each debug build of trueconf-api spent ~2 s of its ~6 s compiling
            // decoders for serde_json, whether its user decodes anything or not.
            impl #rt::__private::NamedMessages for #name {
                #[inline]
                fn decode_named(name: &[u8], json: &[u8]) -> ::core::result::Result<Self, #rt::DecodeError> {
                    match name {
                        #(#wire_bytes => #rt::__private::decode::<#payloads>(json, #direction, #wires).map(Self::#idents),)*
                        _ => {
                            let raw = #rt::__private::keep_raw(name, json, #direction)?;
                            ::core::result::Result::Ok(if #untyped_names.binary_search(&raw.name()).is_ok() {
                                Self::Untyped(raw)
                            } else {
                                Self::Unknown(raw)
                            })
                        }
                    }
                }

                fn continue_named<'de, A: #rt::__private::serde::de::MapAccess<'de>, T>(
                    name: &[u8],
                    map: A,
                    slot: &mut ::core::option::Option<T>,
                    wrap: impl ::core::ops::FnOnce(Self) -> T
                ) -> ::core::result::Result<bool, A::Error> {
                    match name {
                        #(#wire_bytes => {
                            let message = #finish::<#messages, A>(map, true)?;
                            *slot = ::core::option::Option::Some(wrap(Self::#continue_idents(message)));
                            ::core::result::Result::Ok(true)
                        })*
                        _ => ::core::result::Result::Ok(false),
                    }
                }
            }
        }
    }

    /// The name, the metadata, what kind of name it was, the request id where there is one,
    /// and the enum's own extra methods.
    fn dispatch_enum_methods(&self, spec: &DispatchEnum) -> TokenStream {
        let rt = &self.rt;
        let DispatchEnum {
            name,
            name_fn,
            extra,
            ..
        } = spec;
        let name_fn_doc = doc_text(spec.name_fn_doc);
        let info_doc = doc_text(spec.info_doc);
        let (idents, wires) = (spec.idents(), spec.wires());
        let info_idents = idents.clone();
        let infos = spec.variants.iter().map(|v| &v.info);
        let request_id = spec.request_id_doc.map(|text| {
            let text = doc_text(text);
            let idents = spec.idents();
            quote! {
                #[doc = #text]
                pub fn request_id(&self) -> ::core::option::Option<&str> {
                    match self {
                        #(Self::#idents(message) => message.request_id.as_deref(),)*
                        Self::Untyped(_) | Self::Unknown(_) => ::core::option::Option::None,
                    }
                }
            }
        });
        quote! {
            impl #name {
                #[doc = #name_fn_doc]
                pub fn #name_fn(&self) -> &str {
                    match self {
                        #(Self::#idents(_) => #wires,)*
                        Self::Untyped(message) | Self::Unknown(message) => message.name(),
                    }
                }

                #[doc = #info_doc]
                pub fn info(&self) -> ::core::option::Option<&'static #rt::MessageInfo> {
                    match self {
                        #(Self::#info_idents(_) => ::core::option::Option::Some(#infos),)*
                        Self::Untyped(_) | Self::Unknown(_) => ::core::option::Option::None,
                    }
                }

                /// True when the name was not known to the definitions at all (kept raw).
                pub fn is_unknown(&self) -> bool {
                    matches!(self, Self::Unknown(_))
                }

                /// True for a name the definitions know but do not type yet (kept raw).
                pub fn is_untyped(&self) -> bool {
                    matches!(self, Self::Untyped(_))
                }

                #request_id

                #extra
            }
        }
    }

    /// `Serialize`: each message as itself.
    fn dispatch_enum_serialize(&self, spec: &DispatchEnum) -> TokenStream {
        let rt = &self.rt;
        let name = &spec.name;
        let idents = spec.idents();
        quote! {
            impl #rt::__private::serde::Serialize for #name {
                fn serialize<S: #rt::__private::serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                    match self {
                        #(Self::#idents(message) => #rt::__private::serde::Serialize::serialize(message, serializer),)*
                        Self::Untyped(message) | Self::Unknown(message) => #rt::__private::serde::Serialize::serialize(message, serializer),
                    }
                }
            }
        }
    }
}

impl Emitter<'_> {
    /// `ServerMessage` (a response or a notification) and the `from_slice` / `from_str` of
    /// `ServerMessage` and `ClientMessage`, on the runtime's generic dispatch.
    pub(super) fn server_message(&self) -> TokenStream {
        let rt = &self.rt;
        quote! {
            /// Any server→client message: a response to a command, or a notification.
            #[derive(Debug, Clone, PartialEq)]
            pub enum ServerMessage {
                /// A response: `method` names the command it answers.
                Response(AnyResponse),
                /// A notification: `"method": "event"`, `event` names it.
                Notification(AnyNotification),
            }

            impl ServerMessage {
                /// Decodes any server→client message from JSON bytes, whatever the order of its
                /// keys. `"method": "event"` makes it a notification named by `event`; any
                /// other `method` a response. An unknown name gives the `Unknown` variant with
                /// the raw JSON; a known name with a bad payload is an error naming the field,
                /// which still holds the whole message (`DecodeError::raw_message`).
                #[inline]
                pub fn from_slice(json: &[u8]) -> ::core::result::Result<Self, #rt::DecodeError> {
                    #rt::__private::server_from_slice(json, Self::Response, Self::Notification)
                }

                /// Decodes any server→client message from a JSON string (see `from_slice`).
                #[allow(clippy::should_implement_trait)]
                #[inline]
                pub fn from_str(json: &str) -> ::core::result::Result<Self, #rt::DecodeError> {
                    Self::from_slice(json.as_bytes())
                }

                /// Response or notification.
                pub fn direction(&self) -> #rt::Direction {
                    match self {
                        Self::Response(_) => #rt::Direction::Response,
                        Self::Notification(_) => #rt::Direction::Notification,
                    }
                }

                /// The `method` of a response or the `event` of a notification.
                pub fn name(&self) -> &str {
                    match self {
                        Self::Response(response) => response.method(),
                        Self::Notification(notification) => notification.event(),
                    }
                }

                /// True when the name was not known to the definitions at all (the message is
                /// kept raw).
                pub fn is_unknown(&self) -> bool {
                    match self {
                        Self::Response(response) => response.is_unknown(),
                        Self::Notification(notification) => notification.is_unknown(),
                    }
                }

                /// True for a name the definitions know of but do not type yet (the message is
                /// kept raw).
                pub fn is_untyped(&self) -> bool {
                    match self {
                        Self::Response(response) => response.is_untyped(),
                        Self::Notification(notification) => notification.is_untyped(),
                    }
                }
            }

            impl ::core::str::FromStr for ServerMessage {
                type Err = #rt::DecodeError;
                #[inline]
                fn from_str(json: &str) -> ::core::result::Result<Self, #rt::DecodeError> {
                    Self::from_slice(json.as_bytes())
                }
            }

            impl #rt::__private::serde::Serialize for ServerMessage {
                fn serialize<S: #rt::__private::serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                    match self {
                        Self::Response(response) => #rt::__private::serde::Serialize::serialize(response, serializer),
                        Self::Notification(notification) => #rt::__private::serde::Serialize::serialize(notification, serializer),
                    }
                }
            }

            impl ClientMessage {
                /// Decodes any client→server request from JSON bytes, whatever the order of its
                /// keys.
                #[inline]
                pub fn from_slice(json: &[u8]) -> ::core::result::Result<Self, #rt::DecodeError> {
                    #rt::__private::client_from_slice(json)
                }

                /// Decodes any client→server request from a JSON string.
                #[allow(clippy::should_implement_trait)]
                #[inline]
                pub fn from_str(json: &str) -> ::core::result::Result<Self, #rt::DecodeError> {
                    Self::from_slice(json.as_bytes())
                }
            }

            impl ::core::str::FromStr for ClientMessage {
                type Err = #rt::DecodeError;
                #[inline]
                fn from_str(json: &str) -> ::core::result::Result<Self, #rt::DecodeError> {
                    Self::from_slice(json.as_bytes())
                }
            }
        }
    }
}

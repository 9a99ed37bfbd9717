//! Emits the Rust bindings: one struct per request, response payload, notification and record,
//! an open enum per enum, a newtype per newtype, a union per union, their serde (and, when
//! asked, schemars and proptest) impls, and the dispatch enums. Tokens are built with quote and
//! formatted with prettyplease (feature `pretty`) or laid out by [`layout`], so users need no
//! rustfmt.
//!
//! Both layouts write derive lists and argument lists without stray commas and paths without
//! stray spaces (`Option<::std::vec::Vec<u8>>`). prettyplease lays out the bodies of the
//! standard macros (`vec!`, `concat!`, `matches!`, through its `verbatim` feature); the body
//! of any other macro it prints token by token, spaced its own way: that is proptest's
//! `prop_oneof!` in the `Arbitrary` impls of enums and unions (the `proptest` option), kept
//! as a macro call because its expansion is proptest's to change.
//!
//! One module per thing it emits: [`records`] (structs of fields: records, requests, payloads,
//! notifications and their partial forms), [`enums`], [`unions`], [`newtypes`], [`dispatch`]
//! (`ServerMessage`, `ClientMessage`, `AnyResponse`, `AnyNotification`), [`docs`] (rustdoc
//! text and metadata constants) and [`strategies`] (proptest).
//!
//! The generated code can live in any crate. It reaches the runtime only through the path
//! [`RustOptions::runtime`] names (`::trueconf_api` by default; the crate itself uses `crate`):
//! its public traits and types, and `__private` for the plumbing (as serde_derive's output uses
//! `serde::__private`), including the serde, serde_json, schemars and proptest it builds on, so
//! the user's crate needs no other dependency. It refers to its own items by relative paths
//! (`super::types::…`), so it can be `include!`d at the crate root or in any module.

use std::collections::BTreeSet;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::model::{Field, Model, Scalar, TypeDef, TypeRef};

pub mod dispatch;
pub mod docs;
pub mod enums;
pub mod layout;
pub mod newtypes;
pub mod records;
pub mod strategies;
pub mod unions;

/// Options of the Rust emitter.
#[derive(Debug, Clone)]
pub struct RustOptions {
    /// Folder name shown in generated docs for definition files (`schema`).
    pub definitions_label: String,
    /// Path of the `trueconf-api` runtime in the generated code: `::trueconf_api` for a user's
    /// crate (the default), `crate` inside trueconf-api itself.
    pub runtime: String,
    /// Emit `schemars::JsonSchema` impls (needs trueconf-api's `schemars` feature).
    pub json_schema: bool,
    /// Emit `proptest::arbitrary::Arbitrary` impls (needs trueconf-api's `proptest` feature).
    pub proptest: bool,
}

impl Default for RustOptions {
    fn default() -> Self {
        Self {
            definitions_label: "schema".to_string(),
            runtime: "::trueconf_api".to_string(),
            json_schema: false,
            proptest: false,
        }
    }
}

/// Generates the formatted Rust source for the whole model.
pub fn generate(model: &Model, options: &RustOptions) -> Result<String, String> {
    let emitter = Emitter::new(model, options)?;
    format_file(emitter.file(), model, options)
}

/// One part of the output, for looking at (and testing) the emitter piece by piece.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part<'n> {
    /// A shared type (record, enum, newtype or union) by name.
    Type(&'n str),
    /// A command's request and response structs, by wire name.
    Command(&'n str),
    /// A notification, by wire name.
    Notification(&'n str),
    /// The all-optional partial structs of every field list.
    Partials,
    /// The dispatch enums, the name lists and the visitors.
    Dispatch,
}

/// Generates one part of the output, formatted (not a whole compilable file: the other parts
/// it refers to are left out).
pub fn generate_part(
    model: &Model,
    options: &RustOptions,
    part: Part<'_>,
) -> Result<String, String> {
    let emitter = Emitter::new(model, options)?;
    let tokens = match part {
        Part::Type(name) => match model.types.get(name) {
            Some(TypeDef::Record(record)) => emitter.record(record),
            Some(TypeDef::Enum(enumeration)) => emitter.enumeration(enumeration),
            Some(TypeDef::Newtype(newtype)) => emitter.newtype(newtype),
            Some(TypeDef::Union(union)) => emitter.union(union),
            None => return Err(format!("no type `{name}`")),
        },
        Part::Command(name) => match model.command(name) {
            Some(command) => emitter.command(command),
            None => return Err(format!("no command `{name}`")),
        },
        Part::Notification(name) => match model.notification(name) {
            Some(notification) => emitter.notification(notification),
            None => return Err(format!("no notification `{name}`")),
        },
        Part::Partials => emitter.partials(),
        Part::Dispatch => emitter.dispatch(),
    };
    format_file(tokens, model, options)
}

/// Lays the tokens out under the generated-code header: pretty-printed by prettyplease with
/// the `pretty` feature, else by the light [`layout`] (which the crate's own build uses, to
/// spare every user the cost of compiling syn's full parser and prettyplease).
fn format_file(
    tokens: TokenStream,
    model: &Model,
    options: &RustOptions,
) -> Result<String, String> {
    let header = format!(
        "// @generated by trueconf-api-codegen from {} definitions in `{}/`.\n\
         // Do not edit: change the definitions and rebuild.\n\n",
        model.definition_count(),
        options.definitions_label
    );
    Ok(header + &lay_out(tokens)?)
}

#[cfg(feature = "pretty")]
fn lay_out(tokens: TokenStream) -> Result<String, String> {
    let file: syn::File = syn::parse2(tokens).map_err(|error| {
        format!("the generator produced invalid Rust (a generator bug): {error}")
    })?;
    Ok(prettyplease::unparse(&file))
}

#[cfg(not(feature = "pretty"))]
fn lay_out(tokens: TokenStream) -> Result<String, String> {
    Ok(layout::layout(tokens))
}

/// The runtime path (`::trueconf_api`, `crate`, `my::runtime`) as tokens, or `None` when it is
/// not a plain Rust path.
fn runtime_path(path: &str) -> Option<TokenStream> {
    let path = path.trim();
    let (leading, rest) = match path.strip_prefix("::") {
        Some(rest) => (true, rest),
        None => (false, path),
    };
    let mut tokens = TokenStream::new();
    for (index, segment) in rest.split("::").map(str::trim).enumerate() {
        let mut chars = segment.chars();
        let start = chars.next()?;
        let is_word = (start == '_' || unicode_ident::is_xid_start(start))
            && chars.all(unicode_ident::is_xid_continue);
        // `crate` and `self` only open a relative path; `super` never follows a name.
        let allowed = match segment {
            "crate" | "self" => index == 0 && !leading,
            "super" => {
                !leading
                    && rest
                        .split("::")
                        .take(index)
                        .all(|s| matches!(s.trim(), "self" | "super"))
            }
            _ => segment != "_" && !crate::naming::is_keyword(segment),
        };
        if !is_word || !allowed {
            return None;
        }
        if leading || index > 0 {
            tokens.extend(quote! { :: });
        }
        let name = ident(segment);
        tokens.extend(quote! { #name });
    }
    Some(tokens)
}

/// What every part of the emitter shares: the model, the options, and the runtime path.
pub struct Emitter<'a> {
    model: &'a Model,
    options: &'a RustOptions,
    /// The runtime path as tokens (`::trueconf_api`).
    rt: TokenStream,
    /// The runtime path as rustdoc links write it (`trueconf_api`, `crate`).
    rt_doc: String,
}

pub(super) fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// `#[derive(…)]` of the traits named in `traits`, in that order. Built from a list, so the
/// attribute never holds an empty slot or a stray comma, whichever traits a type gets.
pub(super) fn derive(traits: &[&str]) -> TokenStream {
    let traits = traits.iter().map(|name| ident(name));
    quote! { #[derive(#(#traits),*)] }
}

impl<'a> Emitter<'a> {
    /// An emitter for `model`; fails when `options.runtime` is not a path.
    pub fn new(model: &'a Model, options: &'a RustOptions) -> Result<Self, String> {
        let path = runtime_path(&options.runtime).ok_or_else(|| {
            format!(
                "the runtime path `{}` is not a Rust path (like ::trueconf_api or crate)",
                options.runtime
            )
        })?;
        Ok(Self {
            model,
            options,
            rt: quote! { #path },
            rt_doc: options.runtime.trim_start_matches("::").to_string(),
        })
    }

    pub(super) fn file(&self) -> TokenStream {
        let rt = &self.rt;
        let commands = self
            .model
            .commands
            .iter()
            .map(|command| self.command(command));
        let notifications = self
            .model
            .notifications
            .iter()
            .map(|notification| self.notification(notification));
        let types = self
            .model
            .types
            .values()
            .map(|definition| match definition {
                TypeDef::Record(record) => self.record(record),
                TypeDef::Enum(enumeration) => self.enumeration(enumeration),
                TypeDef::Newtype(newtype) => self.newtype(newtype),
                TypeDef::Union(union) => self.union(union),
            });
        let unlisted = self.unlisted_module();
        let partials = self.partials();
        let dispatch = self.dispatch();
        // Impls the options ask for need the runtime's matching feature: say so at compile
        // time rather than fail deep inside the generated code.
        let requires = [
            (
                self.options.json_schema,
                quote! { #rt::__require_schemars!(); },
            ),
            (
                self.options.proptest,
                quote! { #rt::__require_proptest!(); },
            ),
        ]
        .into_iter()
        .filter_map(|(wanted, tokens)| wanted.then_some(tokens));
        let doc_commands = docs::doc_attrs(&format!(
            "Commands: one struct per request (its parameters) and one per successful response\n\
             payload. On the wire they travel inside [`Request<C>`]({0}::Request) and\n\
             [`Response<C>`]({0}::Response).",
            self.rt_doc
        ));
        let doc_partial = docs::doc_attrs(&format!(
            "All-optional forms of every record and payload: what decoding collects before it\n\
             checks required fields, and what a failed response carries\n\
             ([`Failure<C>::fields`]({}::Failure::fields)).",
            self.rt_doc
        ));
        // Bindings included in a binary or a private module use only part of the API; that is
        // no reason to warn about the rest.
        quote! {
            #(#requires)*
            #doc_commands
            #[allow(dead_code)]
            pub mod commands {
                #(#commands)*
            }
            /// Notifications: one struct per server→client event, each the whole message.
            #[allow(dead_code)]
            pub mod notifications {
                #(#notifications)*
            }
            /// Records, enums, newtypes and unions shared by several messages.
            #[allow(dead_code)]
            pub mod types {
                #(#types)*
                #unlisted
            }
            #doc_partial
            #[allow(dead_code)]
            pub mod partial {
                #partials
            }
            /// Decoding any message by its name, and the lists of names.
            #[allow(dead_code)]
            mod messages {
                #dispatch
            }
            pub use self::messages::*;
        }
    }

    /// The Rust type of a type expression (without optionality).
    pub(super) fn base_type(&self, ty: &TypeRef) -> TokenStream {
        let rt = &self.rt;
        match ty {
            TypeRef::Scalar(scalar) => self.scalar_type(*scalar),
            TypeRef::Named(name) => {
                let name = ident(&self.type_rust_name(name));
                quote! { super::types::#name }
            }
            TypeRef::Array(element) => {
                let element = self.base_type(element);
                quote! { ::std::vec::Vec<#element> }
            }
            TypeRef::Map(value) => {
                let value = self.base_type(value);
                quote! { #rt::ObjectMap<#value> }
            }
        }
    }

    pub(super) fn type_rust_name(&self, name: &str) -> String {
        self.model
            .types
            .get(name)
            .map(|definition| definition.definition().rust_name.clone())
            .unwrap_or_else(|| name.to_string())
    }

    /// The type of one value of a field: `T`, or `Option<T>` when JSON null is allowed.
    pub(super) fn value_type(&self, field: &Field) -> TokenStream {
        let base = self.base_type(&field.ty);
        if field.nullable {
            quote! { ::core::option::Option<#base> }
        } else {
            base
        }
    }

    /// The type of the struct field: the value type, wrapped in `Option` when the key may be absent.
    pub(super) fn field_type(&self, field: &Field) -> TokenStream {
        let value = self.value_type(field);
        if field.optional {
            quote! { ::core::option::Option<#value> }
        } else {
            value
        }
    }

    pub(super) fn is_eq(&self, ty: &TypeRef, seen: &mut BTreeSet<String>) -> bool {
        match ty {
            TypeRef::Scalar(Scalar::F64) => false,
            TypeRef::Scalar(_) => true,
            TypeRef::Array(element) | TypeRef::Map(element) => self.is_eq(element, seen),
            TypeRef::Named(name) => {
                if !seen.insert(name.clone()) {
                    return true;
                }
                match self.model.types.get(name) {
                    Some(TypeDef::Record(record)) => record
                        .fields
                        .iter()
                        .all(|field| self.is_eq(&field.ty, seen)),
                    Some(TypeDef::Newtype(newtype)) => newtype.inner != Scalar::F64,
                    Some(TypeDef::Enum(_)) => true,
                    Some(TypeDef::Union(union)) => union
                        .variants
                        .iter()
                        .all(|v| self.is_eq(&v.ty.type_ref(), seen)),
                    None => false,
                }
            }
        }
    }

    pub(super) fn fields_are_eq(&self, fields: &[Field]) -> bool {
        fields
            .iter()
            .all(|field| self.is_eq(&field.ty, &mut BTreeSet::new()))
    }

    /// The traits every struct of `fields` derives: `Debug`, `Clone`, `PartialEq`, and `Eq`
    /// when every field's type has it.
    pub(super) fn struct_derives(&self, fields: &[Field]) -> Vec<&'static str> {
        let mut traits = vec!["Debug", "Clone", "PartialEq"];
        if self.fields_are_eq(fields) {
            traits.push("Eq");
        }
        traits
    }
    /// `Serialize`, `Deserialize` and (when the options ask for it) `JsonSchema` for the type
    /// `ty`, named `name`; the bodies use `serializer`, `deserializer` and `generator`.
    pub(super) fn serde_and_schema_impls(
        &self,
        ty: &Ident,
        name: &str,
        serialize: TokenStream,
        deserialize: TokenStream,
        schema: TokenStream,
    ) -> TokenStream {
        let rt = &self.rt;
        let json_schema = self.options.json_schema.then(|| {
            quote! {
                impl #rt::__private::schemars::JsonSchema for #ty {
                    fn schema_name() -> ::std::borrow::Cow<'static, str> {
                        ::std::borrow::Cow::Borrowed(#name)
                    }
                    fn schema_id() -> ::std::borrow::Cow<'static, str> {
                        ::std::borrow::Cow::Borrowed(::core::concat!(::core::module_path!(), "::", #name))
                    }
                    fn json_schema(generator: &mut #rt::__private::schemars::SchemaGenerator) -> #rt::__private::schemars::Schema {
                        #schema
                    }
                }
            }
        });
        quote! {
            impl #rt::__private::serde::Serialize for #ty {
                fn serialize<S: #rt::__private::serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                    #serialize
                }
            }

            impl<'de> #rt::__private::serde::Deserialize<'de> for #ty {
                fn deserialize<D: #rt::__private::serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                    #deserialize
                }
            }

            #json_schema
        }
    }

    /// The Rust type of a scalar.
    pub(super) fn scalar_type(&self, scalar: Scalar) -> TokenStream {
        let rt = &self.rt;
        match scalar {
            Scalar::String => quote! { ::std::string::String },
            Scalar::Bool => quote! { bool },
            Scalar::U8 => quote! { u8 },
            Scalar::U16 => quote! { u16 },
            Scalar::U32 => quote! { u32 },
            Scalar::U64 => quote! { u64 },
            Scalar::I8 => quote! { i8 },
            Scalar::I16 => quote! { i16 },
            Scalar::I32 => quote! { i32 },
            Scalar::I64 => quote! { i64 },
            Scalar::F64 => quote! { f64 },
            Scalar::Json => quote! { #rt::__private::serde_json::Value },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use proc_macro2::{Delimiter, TokenStream, TokenTree};

    use super::{layout, Emitter, RustOptions};

    /// Where a comma ends a parenthesised or bracketed list that needs none: any list of two
    /// or more, or a parameter list (a `:` at its top). Only a tuple of one keeps its comma.
    fn stray_commas(tokens: TokenStream, found: &mut Vec<String>) {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        for (index, tree) in trees.iter().enumerate() {
            let TokenTree::Group(group) = tree else {
                continue;
            };
            let inner: Vec<TokenTree> = group.stream().into_iter().collect();
            let is =
                |tree: &TokenTree, c: char| matches!(tree, TokenTree::Punct(p) if p.as_char() == c);
            let listed = matches!(
                group.delimiter(),
                Delimiter::Parenthesis | Delimiter::Bracket
            );
            if let Some((last, rest)) = inner.split_last().filter(|_| listed) {
                // A lone `:` (not half of a `::`) types a parameter.
                let typed = (0..rest.len()).any(|at| {
                    is(&rest[at], ':')
                        && (at == 0 || !is(&rest[at - 1], ':'))
                        && !rest.get(at + 1).is_some_and(|next| is(next, ':'))
                });
                let more = typed || rest.iter().any(|tree| is(tree, ','));
                if is(last, ',') && more {
                    let before = index.checked_sub(1).map(|at| trees[at].to_string());
                    found.push(format!("{} {}", before.unwrap_or_default(), group));
                }
            }
            stray_commas(group.stream(), found);
        }
    }

    /// The project's own bindings, as trueconf-api's build lays them out (the light layout,
    /// every optional impl on): no stray comma, no odd spacing.
    #[test]
    fn the_light_layout_of_the_projects_bindings_is_clean() {
        let model = crate::load_model(Path::new("../schema")).expect("the definitions load");
        let options = RustOptions {
            runtime: "crate".to_string(),
            json_schema: true,
            proptest: true,
            ..RustOptions::default()
        };
        let tokens = Emitter::new(&model, &options).expect("emitter").file();
        let mut found = Vec::new();
        stray_commas(tokens.clone(), &mut found);
        assert!(
            found.is_empty(),
            "{} stray commas, first: {:?}",
            found.len(),
            found.first()
        );
        let text = layout::layout(tokens);
        for blemish in [",)]", "< ::", ":: <", "crate ::", "| value |", "| (("] {
            assert!(
                !text.contains(blemish),
                "`{blemish}` in the laid-out bindings"
            );
        }
        assert!(text.contains("#[derive(Debug, Clone, PartialEq, Eq, Default)]"));
        assert!(text.contains("|value| Self::from_value(&value)"));
    }
}

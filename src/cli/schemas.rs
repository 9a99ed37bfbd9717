//! Where `schema` and `asyncapi` get each message's JSON Schema: from the types this tool was
//! compiled with, or from a definitions folder read at run time (`--definitions DIR`).
//!
//! Both produce the same documents through the same generator: the compiled path asks
//! schemars for `Request<C>`, `Response<C>` and each notification type; the folder path asks it
//! for stand-in types whose schemas are built from the model by the very assembly functions
//! the generated impls call ([`trueconf_api::schema_support::assemble`]), with each field's
//! subschema taken from schemars' own impl for the Rust type the generator would emit for it.
//! Names, `$ref`s, definition order and transforms therefore come out of schemars identically,
//! and on the crate's own definitions the files are byte-identical (tests/folder_tools.rs).

use std::borrow::Cow;
use std::cell::RefCell;
use std::marker::PhantomData;
use std::path::Path;
use std::rc::Rc;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use trueconf_api::schema_support::{
    assemble, request_schema_name, response_schema_name, FieldSchemas, FieldsSchema, MessageFacts,
    SchemaVisitor, TypeFacts,
};
use trueconf_api::{Command, Notification, ObjectMap, Request, Response};
use trueconf_api_codegen::model::{
    DefinitionInfo, Field, MessageInfo, Model, Scalar, TypeDef, TypeRef,
};

/// One message's JSON Schema, however it is produced.
pub trait MessageSchema {
    /// The schema's name: its title and its key under `$defs` (`SendFileRequest`).
    fn name(&self) -> String;
    /// Adds the schema (and every type it uses) to `generator`'s definitions; returns the
    /// `$ref` to it.
    fn subschema(&self, generator: &mut SchemaGenerator) -> Schema;
    /// The schema as a document of its own, the types it uses under its definitions.
    fn root(&self, generator: SchemaGenerator) -> Schema;
}

/// A message as the exporters walk them: commands first, then notifications, each in wire
/// name order.
pub enum Message<'a> {
    /// A command: its request and its response.
    Command {
        /// Facts about the command.
        facts: MessageFacts<'a>,
        /// `<Name>Request`.
        request: &'a dyn MessageSchema,
        /// `<Name>Response`.
        response: &'a dyn MessageSchema,
    },
    /// A notification.
    Notification {
        /// Facts about the notification.
        facts: MessageFacts<'a>,
        /// The whole message.
        schema: &'a dyn MessageSchema,
    },
}

/// The messages to export: compiled in, or from a definitions folder.
pub enum Source {
    /// The definitions this tool was built from, through the generated types.
    Compiled,
    /// A definitions folder, loaded and validated at run time.
    Folder(Rc<FolderModel>),
}

impl Source {
    /// The compiled definitions, or the folder `--definitions` names; a folder that does not
    /// load is a usage error (its diagnostics are printed, and the exit code returned).
    pub fn from_args(definitions: Option<&Path>) -> Result<Self, u8> {
        match definitions {
            None => Ok(Source::Compiled),
            Some(folder) => Ok(Source::Folder(Rc::new(FolderModel::new(
                super::load_definitions(folder)?,
                folder,
            )))),
        }
    }

    /// Calls `visit` once per message.
    pub fn visit(&self, visit: &mut dyn FnMut(Message<'_>)) {
        match self {
            Source::Compiled => trueconf_api::visit_schema_messages(&mut CompiledVisitor(visit)),
            Source::Folder(folder) => folder.visit(visit),
        }
    }
}

/// The schemas of a compiled type.
struct Typed<T>(PhantomData<T>);

impl<T: JsonSchema> MessageSchema for Typed<T> {
    fn name(&self) -> String {
        T::schema_name().into_owned()
    }

    fn subschema(&self, generator: &mut SchemaGenerator) -> Schema {
        generator.subschema_for::<T>()
    }

    fn root(&self, generator: SchemaGenerator) -> Schema {
        generator.into_root_schema_for::<T>()
    }
}

struct CompiledVisitor<'v>(&'v mut dyn FnMut(Message<'_>));

impl SchemaVisitor for CompiledVisitor<'_> {
    fn command<C: Command + FieldsSchema>(&mut self)
    where
        C::Response: FieldsSchema,
    {
        (self.0)(Message::Command {
            facts: MessageFacts::from(C::INFO),
            request: &Typed::<Request<C>>(PhantomData),
            response: &Typed::<Response<C>>(PhantomData),
        });
    }

    fn notification<N: Notification + FieldsSchema + JsonSchema>(&mut self) {
        (self.0)(Message::Notification {
            facts: MessageFacts::from(N::INFO),
            schema: &Typed::<N>(PhantomData),
        });
    }
}

/// A definitions folder's model, and how its generated code would name its files.
pub struct FolderModel {
    model: Model,
    /// The folder name the generated code would show in `x-definition` (`schema`): as
    /// `trueconf_api_codegen::Builder` names it by default, the folder's last component.
    label: String,
}

/// What a stand-in schema type stands for.
#[derive(Debug, Clone)]
enum Item {
    Request(usize),
    Response(usize),
    Notification(usize),
    Type(String),
}

thread_local! {
    /// The item the next `subschema_for::<Folder>()` is about. schemars asks a type for its
    /// id, name and schema through static functions, so the stand-in reads them from here.
    static NEXT: RefCell<Option<FolderItem>> = const { RefCell::new(None) };
    /// The schema the next `subschema_for::<Inline>()` returns.
    static INLINE: RefCell<Option<Schema>> = const { RefCell::new(None) };
}

/// Stand-in for a named type of the folder (a message or a shared type): schemars gives it a
/// `$ref` and a definition, as it does the generated types.
struct Folder;

impl JsonSchema for Folder {
    fn inline_schema() -> bool {
        false
    }

    fn schema_name() -> Cow<'static, str> {
        NEXT.with(|next| match &*next.borrow() {
            Some(pending) => Cow::Owned(pending.folder.item_name(&pending.item)),
            None => Cow::Borrowed("Unnamed"),
        })
    }

    fn schema_id() -> Cow<'static, str> {
        NEXT.with(|next| match &*next.borrow() {
            Some(pending) => Cow::Owned(format!("trueconf-api folder item {:?}", pending.item)),
            None => Cow::Borrowed("trueconf-api folder item"),
        })
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let Some(pending) = NEXT.with(|next| next.borrow().clone()) else {
            return Schema::default();
        };
        let schema = pending.folder.item_schema(generator, &pending.item);
        // The types this one uses took their turns; schemars may still ask for the name.
        NEXT.with(|next| *next.borrow_mut() = Some(pending));
        schema
    }
}

/// Stand-in for a schema already built (a field's element, value or inner type), so that
/// `Vec<Inline>`, `ObjectMap<Inline>` and `Option<Inline>` wrap it exactly as schemars wraps
/// `Vec<T>`, `ObjectMap<T>` and `Option<T>`.
struct Inline;

impl JsonSchema for Inline {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("Inline")
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        INLINE
            .with(|inline| inline.borrow_mut().take())
            .unwrap_or_default()
    }
}

/// `T`'s schema with `inner` standing in for its type parameter.
fn wrap<T: JsonSchema>(generator: &mut SchemaGenerator, inner: Schema) -> Schema {
    INLINE.with(|inline| *inline.borrow_mut() = Some(inner));
    generator.subschema_for::<T>()
}

/// A message or shared type of a folder, as a [`MessageSchema`]; also the schema that
/// [`Folder`] builds next (which item of which folder).
#[derive(Clone)]
struct FolderItem {
    folder: Rc<FolderModel>,
    item: Item,
}

impl FolderItem {
    fn pending(&self) {
        NEXT.with(|next| *next.borrow_mut() = Some(self.clone()));
    }
}

impl MessageSchema for FolderItem {
    fn name(&self) -> String {
        self.folder.item_name(&self.item)
    }

    fn subschema(&self, generator: &mut SchemaGenerator) -> Schema {
        self.pending();
        generator.subschema_for::<Folder>()
    }

    fn root(&self, generator: SchemaGenerator) -> Schema {
        self.pending();
        generator.into_root_schema_for::<Folder>()
    }
}

impl FolderModel {
    /// The model of the folder at `path`.
    pub fn new(model: Model, path: &Path) -> Self {
        let label = trueconf_api_codegen::default_definitions_label(path);
        FolderModel { model, label }
    }

    fn visit(self: &Rc<Self>, visit: &mut dyn FnMut(Message<'_>)) {
        let item = |item| FolderItem {
            folder: Rc::clone(self),
            item,
        };
        for (index, command) in self.model.commands.iter().enumerate() {
            let file = self.file(&command.info.definition);
            visit(Message::Command {
                facts: message_facts(&command.info, &file),
                request: &item(Item::Request(index)),
                response: &item(Item::Response(index)),
            });
        }
        for (index, notification) in self.model.notifications.iter().enumerate() {
            let file = self.file(&notification.info.definition);
            visit(Message::Notification {
                facts: message_facts(&notification.info, &file),
                schema: &item(Item::Notification(index)),
            });
        }
    }

    /// `x-definition`: the definition file as the generated code names it.
    fn file(&self, definition: &DefinitionInfo) -> String {
        format!("{}/{}", self.label, definition.file.display())
    }

    fn item_name(&self, item: &Item) -> String {
        match item {
            Item::Request(index) => {
                request_schema_name(&self.model.commands[*index].info.rust_name)
            }
            Item::Response(index) => {
                response_schema_name(&self.model.commands[*index].info.rust_name)
            }
            Item::Notification(index) => self.model.notifications[*index].info.rust_name.clone(),
            Item::Type(name) => self
                .model
                .types
                .get(name)
                .map_or_else(|| name.clone(), |ty| ty.definition().rust_name.clone()),
        }
    }

    /// The schema of one item, built as its generated `JsonSchema` impl builds it.
    fn item_schema(self: &Rc<Self>, generator: &mut SchemaGenerator, item: &Item) -> Schema {
        match item {
            Item::Request(index) => {
                let command = &self.model.commands[*index];
                let keeps = command.info.definition.keeps_unlisted();
                let fields = self.field_schemas(generator, &command.request, keeps);
                let file = self.file(&command.info.definition);
                assemble::request(&message_facts(&command.info, &file), &fields)
            }
            Item::Response(index) => {
                let command = &self.model.commands[*index];
                let keeps = command.info.definition.keeps_unlisted();
                let fields = self.field_schemas(generator, &command.response, keeps);
                let file = self.file(&command.info.definition);
                assemble::response(&message_facts(&command.info, &file), &fields)
            }
            Item::Notification(index) => {
                let notification = &self.model.notifications[*index];
                let keeps = notification.info.definition.keeps_unlisted();
                let fields = self.field_schemas(generator, &notification.fields, keeps);
                let file = self.file(&notification.info.definition);
                assemble::notification(&message_facts(&notification.info, &file), &fields)
            }
            Item::Type(name) => match self.model.types.get(name) {
                Some(definition) => self.type_schema(generator, definition),
                None => Schema::default(),
            },
        }
    }

    fn type_schema(
        self: &Rc<Self>,
        generator: &mut SchemaGenerator,
        definition: &TypeDef,
    ) -> Schema {
        let file = self.file(definition.definition());
        let facts = type_facts(definition.definition(), &file);
        match definition {
            TypeDef::Record(record) => {
                let keeps = record.definition.keeps_unlisted();
                let fields = self.field_schemas(generator, &record.fields, keeps);
                assemble::record(&facts, &fields)
            }
            TypeDef::Enum(enumeration) => {
                let listed = enumeration.values.iter();
                if enumeration.is_integer() {
                    let values: Vec<(i64, &str, &str)> = listed
                        .map(|value| {
                            let number = value.value.as_i64();
                            (number, value.rust_name.as_str(), value.doc.trim())
                        })
                        .collect();
                    assemble::integer_enum(&facts, &values)
                } else {
                    let values: Vec<(&str, &str, &str)> = listed
                        .map(|value| {
                            let text = value.value.as_str();
                            (text, value.rust_name.as_str(), value.doc.trim())
                        })
                        .collect();
                    assemble::string_enum(&facts, &values)
                }
            }
            TypeDef::Newtype(newtype) => {
                let inner = scalar_schema(generator, newtype.inner);
                assemble::newtype(&facts, inner)
            }
            TypeDef::Union(union) => {
                let docs: Vec<String> = union
                    .variants
                    .iter()
                    .map(|variant| variant.schema_doc())
                    .collect();
                let alternatives = union
                    .variants
                    .iter()
                    .zip(&docs)
                    .map(|(variant, doc)| {
                        let schema = self.value_schema(generator, &variant.ty.type_ref());
                        (schema, doc.as_str())
                    })
                    .collect();
                assemble::union(&facts, alternatives)
            }
        }
    }

    /// The fields' schemas, as the generated `FieldsSchema::field_schemas` adds them (`keeps`:
    /// the object keeps the keys it does not list, as the client tier's do).
    fn field_schemas(
        self: &Rc<Self>,
        generator: &mut SchemaGenerator,
        fields: &[Field],
        keeps: bool,
    ) -> FieldSchemas {
        let mut schemas = FieldSchemas::default();
        for field in fields {
            let mut schema = self.value_schema(generator, &field.ty);
            if field.nullable {
                schema = wrap::<Option<Inline>>(generator, schema);
            }
            let api = field.api.as_deref().unwrap_or_default();
            schemas.add(
                &field.wire_name,
                schema,
                &field.schema_description(),
                !field.optional,
                api,
            );
            for alias in &field.aliases {
                schemas.alias(&field.wire_name, &alias.name);
            }
        }
        if keeps {
            schemas.keep_unlisted();
        }
        schemas
    }

    /// The subschema of the Rust type the generator emits for `ty`.
    fn value_schema(self: &Rc<Self>, generator: &mut SchemaGenerator, ty: &TypeRef) -> Schema {
        match ty {
            TypeRef::Scalar(scalar) => scalar_schema(generator, *scalar),
            TypeRef::Named(name) => FolderItem {
                folder: Rc::clone(self),
                item: Item::Type(name.clone()),
            }
            .subschema(generator),
            TypeRef::Array(element) => {
                let element = self.value_schema(generator, element);
                wrap::<Vec<Inline>>(generator, element)
            }
            TypeRef::Map(value) => {
                let value = self.value_schema(generator, value);
                wrap::<ObjectMap<Inline>>(generator, value)
            }
        }
    }
}

/// schemars' schema of the Rust type a scalar becomes.
fn scalar_schema(generator: &mut SchemaGenerator, scalar: Scalar) -> Schema {
    match scalar {
        Scalar::String => generator.subschema_for::<String>(),
        Scalar::Bool => generator.subschema_for::<bool>(),
        Scalar::U8 => generator.subschema_for::<u8>(),
        Scalar::U16 => generator.subschema_for::<u16>(),
        Scalar::U32 => generator.subschema_for::<u32>(),
        Scalar::U64 => generator.subschema_for::<u64>(),
        Scalar::I8 => generator.subschema_for::<i8>(),
        Scalar::I16 => generator.subschema_for::<i16>(),
        Scalar::I32 => generator.subschema_for::<i32>(),
        Scalar::I64 => generator.subschema_for::<i64>(),
        Scalar::F64 => generator.subschema_for::<f64>(),
        Scalar::Json => generator.subschema_for::<serde_json::Value>(),
    }
}

fn source(source: trueconf_api_codegen::model::Source) -> trueconf_api::Source {
    match source {
        trueconf_api_codegen::model::Source::Documented => trueconf_api::Source::Documented,
        trueconf_api_codegen::model::Source::Inferred => trueconf_api::Source::Inferred,
        trueconf_api_codegen::model::Source::Client => trueconf_api::Source::Client,
    }
}

fn message_facts<'a>(info: &'a MessageInfo, file: &'a str) -> MessageFacts<'a> {
    MessageFacts {
        wire_name: &info.wire_name,
        rust_name: &info.rust_name,
        summary: &info.definition.summary,
        description: info.definition.description.as_deref(),
        since: info.since.as_deref(),
        api: &info.api,
        source: source(info.definition.source),
        doc_urls: info
            .definition
            .doc_urls
            .iter()
            .map(String::as_str)
            .collect(),
        definition_file: file,
    }
}

fn type_facts<'a>(definition: &'a DefinitionInfo, file: &'a str) -> TypeFacts<'a> {
    TypeFacts {
        name: &definition.rust_name,
        summary: &definition.summary,
        description: definition.description.as_deref(),
        source: source(definition.source),
        doc_urls: definition.doc_urls.iter().map(String::as_str).collect(),
        definition_file: file,
    }
}

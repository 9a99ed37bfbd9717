//! Checking messages against a definitions folder read at run time, without generating or
//! compiling Rust (feature `folder`).
//!
//! [`FolderDecoder`] interprets the model that `trueconf_api_codegen::load_model` builds from a
//! folder — the same loader and validator the build script uses — with serde's streaming API,
//! the way the generated decoders do: each object is read key by key in document order, a key
//! given twice is an error, required keys are checked at the end of the object, an unknown
//! key's value is skipped as raw JSON text (so invalid UTF-8 in it is still an error), an alias
//! fills its field's slot, enums are open, unions are told apart by JSON type, integers are
//! range-checked, and the envelopes (`method`, `requestId`, `result`, `error`, `event`) are
//! handled as [`Request`](crate::Request), [`Response`](crate::Response) and notifications
//! handle them. Errors name the field path as [`ServerMessage`](crate::ServerMessage) does
//! (a second, path-tracking pass), and keep the whole message.
//!
//! On the crate's own definitions it gives the same verdicts as the compiled decoders —
//! accepted or rejected, with the same error, path and position, and the same unknown keys
//! (tests/folder_tools.rs compares them on every example, the edge and hostile vectors and
//! generated messages). It builds no values: it answers whether a message is valid, which is
//! what `trueconf-api check --definitions DIR` needs.
//!
//! ```
//! use trueconf_api::folder::{Checked, FolderDecoder};
//!
//! let decoder = FolderDecoder::load("schema".as_ref()).map_err(|problems| problems.to_string())?;
//! let checked = decoder.decode_server(
//!     br#"{"method":"event","event":"fileTransferAvailabilityChanged","availability":3,"new":1}"#,
//! );
//! assert_eq!(checked, Ok(Checked::Typed { unknown_fields: ["new".to_string()].into() }));
//! let error = decoder
//!     .decode_server(br#"{"method":"getFileList","result":true,"fileList":[{"fileId":1}]}"#)
//!     .expect_err("fileId is a string there");
//! assert_eq!(error.path(), "fileList[0].fileId");
//! # Ok::<(), String>(())
//! ```

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::path::Path;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Unexpected, Visitor};
use serde::Deserialize;
use trueconf_api_codegen::model::{Field, Model, Scalar, TypeDef, TypeRef, UnionAlternative};

use crate::dispatch;
use crate::error::DecodeError;
use crate::meta::Direction;
use crate::route;
use crate::unlisted::first_duplicate;
use crate::wire::{self, expect_name, in_key, next_once, Key};

/// A decoder for the messages a definitions folder describes, built from its model.
#[derive(Debug, Clone)]
pub struct FolderDecoder {
    /// Field lists: message bodies and records.
    shapes: Vec<Shape>,
    unions: Vec<UnionShape>,
    /// Request and response body by command name.
    commands: HashMap<Box<[u8]>, (usize, usize)>,
    /// Body by notification name.
    notifications: HashMap<Box<[u8]>, usize>,
    /// Names `known.json` lists: kept raw.
    untyped_commands: HashSet<String>,
    untyped_notifications: HashSet<String>,
}

/// What decoding one message found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// A typed message that decoded, with the keys the definitions do not know as paths
    /// (`a`, `b.c`, `list[].d`; elements of an array share one path).
    Typed {
        /// The keys the definitions do not know.
        unknown_fields: BTreeSet<String>,
    },
    /// A name the definitions know to exist but do not type (`known.json`): valid JSON, kept
    /// raw.
    Untyped,
    /// A name the definitions do not know.
    Unknown,
}

/// The fields of one object: a message body or a record.
#[derive(Debug, Clone)]
struct Shape {
    /// The Rust name of its struct (`a FileListEntry object`).
    type_name: String,
    fields: Vec<FieldShape>,
    /// Every key a field arrives under — its wire name, then its aliases — with the field's
    /// index, in definition order.
    keys: Vec<(Box<str>, usize)>,
    /// The object keeps the keys it does not list (client tier): read as the compiled types
    /// read them, a key given twice among them is an error.
    keeps_unlisted: bool,
}

#[derive(Debug, Clone)]
struct FieldShape {
    wire_name: String,
    ty: Ty,
    optional: bool,
    nullable: bool,
}

/// A resolved type: newtypes are their scalar, named types an index.
#[derive(Debug, Clone)]
enum Ty {
    Scalar(Scalar),
    IntegerEnum,
    StringEnum,
    Record(usize),
    Union(usize),
    Array(Box<Ty>),
    Map(Box<Ty>),
}

/// A union's alternatives by JSON type.
#[derive(Debug, Clone)]
struct UnionShape {
    /// What the decoder expected (`a SettingValue value (bool, i64, f64, string)`).
    expecting: String,
    boolean: bool,
    /// The integer alternative: `i64` or `u64`.
    integer: Option<Scalar>,
    float: bool,
    string: bool,
    record: Option<usize>,
}

impl FolderDecoder {
    /// Loads and validates the definitions folder, then builds the decoder.
    pub fn load(folder: &Path) -> Result<Self, trueconf_api_codegen::Diagnostics> {
        trueconf_api_codegen::load_model(folder).map(|model| Self::new(&model))
    }

    /// The decoder for a loaded model.
    pub fn new(model: &Model) -> Self {
        let mut builder = Build {
            model,
            shapes: Vec::new(),
            unions: Vec::new(),
            named: HashMap::new(),
        };
        let mut commands = HashMap::new();
        for command in &model.commands {
            let keeps = command.info.definition.keeps_unlisted();
            let request = builder.shape(&command.info.rust_name, &command.request, keeps);
            let response = builder.shape(&command.response_rust_name, &command.response, keeps);
            commands.insert(name_key(&command.info.wire_name), (request, response));
        }
        let mut notifications = HashMap::new();
        for notification in &model.notifications {
            let keeps = notification.info.definition.keeps_unlisted();
            let body = builder.shape(&notification.info.rust_name, &notification.fields, keeps);
            notifications.insert(name_key(&notification.info.wire_name), body);
        }
        let known = |names: &[trueconf_api_codegen::model::KnownName]| {
            names.iter().map(|known| known.name.clone()).collect()
        };
        FolderDecoder {
            shapes: builder.shapes,
            unions: builder.unions,
            commands,
            notifications,
            untyped_commands: known(&model.known_commands),
            untyped_notifications: known(&model.known_notifications),
        }
    }

    /// Decodes any server→client message, as
    /// [`ServerMessage::from_slice`](crate::ServerMessage::from_slice) routes it:
    /// `"method": "event"` makes it a notification named by `event`, any other `method` a
    /// response.
    pub fn decode_server(&self, json: &[u8]) -> Result<Checked, DecodeError> {
        let (direction, name) = route::server_message(json)?;
        self.decode_named(direction, &name, json)
    }

    /// Decodes any client→server request, as
    /// [`ClientMessage::from_slice`](crate::ClientMessage::from_slice) routes it.
    pub fn decode_client(&self, json: &[u8]) -> Result<Checked, DecodeError> {
        let method = route::request_method(json)?;
        self.decode_named(Direction::Request, &method, json)
    }

    /// Decodes the message `json` of `direction` named `name` (routed by the caller): a typed
    /// name is checked against its definition, any other is kept raw (it must be JSON).
    pub fn decode_named(
        &self,
        direction: Direction,
        name: &[u8],
        json: &[u8],
    ) -> Result<Checked, DecodeError> {
        let typed = match direction {
            Direction::Request => self.commands.get(name).map(|&(request, _)| request),
            Direction::Response => self.commands.get(name).map(|&(_, response)| response),
            Direction::Notification => self.notifications.get(name).copied(),
        };
        let (Some(body), Ok(name)) = (typed, std::str::from_utf8(name)) else {
            let raw = dispatch::keep_raw(name, json, direction)?;
            let untyped = match direction {
                Direction::Notification => &self.untyped_notifications,
                Direction::Request | Direction::Response => &self.untyped_commands,
            };
            return Ok(if untyped.contains(raw.name()) {
                Checked::Untyped
            } else {
                Checked::Unknown
            });
        };
        let envelope = match direction {
            Direction::Request => Envelope::Request(name),
            Direction::Response => Envelope::Response(name),
            Direction::Notification => Envelope::Notification(name),
        };
        let mut unknowns = Unknowns::default();
        let message = self.message(envelope, body, &mut unknowns);
        dispatch::decode_seed(json, message, direction, name)?;
        Ok(Checked::Typed {
            unknown_fields: unknowns.finish(json),
        })
    }

    fn message<'s>(
        &'s self,
        envelope: Envelope<'s>,
        body: usize,
        unknowns: &'s mut Unknowns,
    ) -> ObjectVisitor<'s> {
        ObjectVisitor {
            decoder: self,
            shape: &self.shapes[body],
            envelope,
            at: At::ROOT,
            unknowns,
        }
    }
}

fn name_key(name: &str) -> Box<[u8]> {
    name.as_bytes().into()
}

/// Resolves the model's types into shapes, each record and union once.
struct Build<'m> {
    model: &'m Model,
    shapes: Vec<Shape>,
    unions: Vec<UnionShape>,
    /// Records and unions already resolved (or, for a record, being resolved), by name.
    named: HashMap<String, Ty>,
}

impl Build<'_> {
    /// A new shape at the next index: pushed empty first, then filled (its fields may add
    /// shapes of their own after it).
    fn shape(&mut self, type_name: &str, fields: &[Field], keeps_unlisted: bool) -> usize {
        let index = self.shapes.len();
        self.shapes.push(Shape {
            type_name: type_name.to_string(),
            fields: Vec::new(),
            keys: Vec::new(),
            keeps_unlisted,
        });
        self.fill(index, fields);
        index
    }

    fn fill(&mut self, index: usize, fields: &[Field]) {
        let shapes: Vec<FieldShape> = fields
            .iter()
            .map(|field| FieldShape {
                wire_name: field.wire_name.clone(),
                ty: self.ty(&field.ty),
                optional: field.optional,
                nullable: field.nullable,
            })
            .collect();
        let keys = fields
            .iter()
            .enumerate()
            .flat_map(|(position, field)| field.wire_names().map(move |name| (name, position)))
            .map(|(name, position)| (Box::from(name), position))
            .collect();
        let shape = &mut self.shapes[index];
        shape.fields = shapes;
        shape.keys = keys;
    }

    fn ty(&mut self, ty: &TypeRef) -> Ty {
        match ty {
            TypeRef::Scalar(scalar) => Ty::Scalar(*scalar),
            TypeRef::Array(element) => Ty::Array(Box::new(self.ty(element))),
            TypeRef::Map(value) => Ty::Map(Box::new(self.ty(value))),
            TypeRef::Named(name) => self.named(name),
        }
    }

    fn named(&mut self, name: &str) -> Ty {
        if let Some(ty) = self.named.get(name) {
            return ty.clone();
        }
        let model = self.model;
        match model.types.get(name) {
            Some(TypeDef::Record(record)) => {
                // Reserved before its fields are resolved (`shape` takes the next index), so
                // a record that reaches itself (which validation rejects anyway) cannot
                // recurse forever.
                self.named
                    .insert(name.to_string(), Ty::Record(self.shapes.len()));
                Ty::Record(self.shape(
                    &record.definition.rust_name,
                    &record.fields,
                    record.definition.keeps_unlisted(),
                ))
            }
            Some(TypeDef::Enum(enumeration)) if enumeration.is_integer() => Ty::IntegerEnum,
            Some(TypeDef::Enum(_)) => Ty::StringEnum,
            Some(TypeDef::Newtype(newtype)) => Ty::Scalar(newtype.inner),
            Some(TypeDef::Union(union)) => {
                // A JSON object goes to the record alternative (at most one).
                let record = match union
                    .record_alternative()
                    .map(|(_, record)| self.named(record))
                {
                    Some(Ty::Record(index)) => Some(index),
                    _ => None,
                };
                let mut shape = UnionShape {
                    expecting: union.expecting(),
                    boolean: false,
                    integer: None,
                    float: false,
                    string: false,
                    record,
                };
                for variant in &union.variants {
                    match &variant.ty {
                        UnionAlternative::Scalar(Scalar::Bool) => shape.boolean = true,
                        UnionAlternative::Scalar(scalar @ (Scalar::I64 | Scalar::U64)) => {
                            shape.integer = shape.integer.or(Some(*scalar));
                        }
                        UnionAlternative::Scalar(Scalar::F64) => shape.float = true,
                        UnionAlternative::Scalar(Scalar::String) => shape.string = true,
                        UnionAlternative::Scalar(_) | UnionAlternative::Record(_) => {}
                    }
                }
                let ty = Ty::Union(self.unions.len());
                self.unions.push(shape);
                self.named.insert(name.to_string(), ty.clone());
                ty
            }
            // A validated model names only defined types; anything else is accepted as is.
            None => Ty::Scalar(Scalar::Json),
        }
    }
}

impl Shape {
    /// The position in `keys` and the field index of `key`, looking first where the previous
    /// key was found (keys usually arrive in definition order).
    fn find(&self, key: &str, from: usize) -> Option<(usize, usize)> {
        let (after, before) = self.keys.split_at(from.min(self.keys.len()));
        after
            .iter()
            .enumerate()
            .map(|(offset, entry)| (from + offset, entry))
            .chain(before.iter().enumerate())
            .find(|(_, (name, _))| name.as_ref() == key)
            .map(|(position, (_, field))| (position, *field))
    }
}

/// Which envelope surrounds an object's fields, with the message's name.
#[derive(Debug, Clone, Copy)]
enum Envelope<'n> {
    /// A record: fields only.
    Record,
    /// `method`, `requestId`.
    Request(&'n str),
    /// `method`, `requestId`, `result`, `error`; required fields only when `result` is true.
    Response(&'n str),
    /// `"method": "event"`, `event`.
    Notification(&'n str),
}

/// Where a value sits, as a chain of steps up to the message (built on the stack, turned into
/// a path string only for an unknown key).
#[derive(Debug, Clone, Copy)]
struct At<'a> {
    parent: Option<&'a At<'a>>,
    step: Step<'a>,
}

#[derive(Debug, Clone, Copy)]
enum Step<'a> {
    Root,
    Key(&'a str),
    Item,
}

impl<'a> At<'a> {
    const ROOT: At<'static> = At {
        parent: None,
        step: Step::Root,
    };

    fn is_root(&self) -> bool {
        self.parent.is_none()
    }

    fn child(&'a self, step: Step<'a>) -> At<'a> {
        At {
            parent: Some(self),
            step,
        }
    }

    /// The path of `key` inside this value, as `check` reports unknown keys (`a.b`, `list[].c`).
    fn path_of(&self, key: &str) -> String {
        let mut steps = vec![Step::Key(key)];
        let mut cursor = Some(self);
        while let Some(at) = cursor {
            steps.push(at.step);
            cursor = at.parent;
        }
        let mut path = String::new();
        for step in steps.iter().rev() {
            match step {
                Step::Root => {}
                Step::Key(key) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                }
                Step::Item => path.push_str("[]"),
            }
        }
        path
    }
}

/// The keys a message carries that its definitions do not know.
///
/// `check` on the compiled types finds them by comparing the message, parsed as a
/// `serde_json::Value`, with its typed re-encoding; where the message cannot be parsed as a
/// `Value` (nested deeper than 128 levels, or holding `1e400` or a lone surrogate, inside a
/// value it skipped) it lists only the top-level keys the re-encoding lacks. This keeps both
/// answers and gives the one the compiled path gives.
#[derive(Debug, Default)]
struct Unknowns {
    /// Every unknown key, by path.
    paths: BTreeSet<String>,
    /// The top-level keys a re-encoding would lack: unknown keys, aliases (re-encoded under
    /// the wire name), and `error` in a successful response.
    top: BTreeSet<String>,
    /// Whether an unknown value was skipped unread (only such a value can make the message
    /// unreadable as a `Value` once it decoded).
    skipped: bool,
}

impl Unknowns {
    fn unknown(&mut self, at: &At<'_>, key: &str) {
        self.paths.insert(at.path_of(key));
        if at.is_root() {
            self.top.insert(key.to_string());
        }
    }

    fn finish(self, json: &[u8]) -> BTreeSet<String> {
        if self.skipped && serde_json::from_slice::<serde_json::Value>(json).is_err() {
            self.top
        } else {
            self.paths
        }
    }
}

/// Which fields of an object arrived.
struct Present {
    bits: u64,
    more: Vec<bool>,
}

impl Present {
    fn new(fields: usize) -> Self {
        Present {
            bits: 0,
            more: if fields > 64 {
                vec![false; fields]
            } else {
                Vec::new()
            },
        }
    }

    fn contains(&self, index: usize) -> bool {
        match self.more.get(index) {
            Some(present) => *present,
            None => index < 64 && self.bits & (1 << index) != 0,
        }
    }

    fn insert(&mut self, index: usize) {
        match self.more.get_mut(index) {
            Some(present) => *present = true,
            None if index < 64 => self.bits |= 1 << index,
            None => {}
        }
    }
}

/// A string, checked and dropped (expecting what `String` and the open string enums expect).
struct AnyString;

impl<'de> Deserialize<'de> for AnyString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        wire::deserialize_str_with(deserializer, |_| AnyString)
    }
}

/// An object of fields: a record, or a whole message inside its envelope.
struct ObjectVisitor<'a> {
    decoder: &'a FolderDecoder,
    shape: &'a Shape,
    envelope: Envelope<'a>,
    at: At<'a>,
    unknowns: &'a mut Unknowns,
}

impl<'de> DeserializeSeed<'de> for ObjectVisitor<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ObjectVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.envelope {
            Envelope::Record => write!(f, "a {} object", self.shape.type_name),
            Envelope::Request(name) => write!(f, "a `{name}` request object"),
            Envelope::Response(name) => write!(f, "a `{name}` response object"),
            Envelope::Notification(name) => write!(f, "a `{name}` notification object"),
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ObjectVisitor {
            decoder,
            shape,
            envelope,
            at,
            unknowns,
        } = self;
        let mut present = Present::new(shape.fields.len());
        let mut hint = 0;
        let (mut method, mut event) = (false, false);
        let mut request_id: Option<AnyString> = None;
        let mut result: Option<bool> = None;
        let mut error: Option<AnyString> = None;
        // The keys a client-tier object keeps unlisted, for the duplicate check at its end.
        let mut unlisted: Vec<Cow<'de, str>> = Vec::new();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let key = key.into_cow();
            let key_cow = &key;
            let key = key.as_ref();
            // As in the generated decoders (`wire::collect_fields`), an error in a key's value
            // notes the key on its way out (see `wire::note_key`), once for the whole step.
            let mut take_value = || {
                // The envelope's keys come first, as in the generated decoders.
                let envelope_key = match envelope {
                    Envelope::Record => Ok(false),
                    Envelope::Request(name) => match key {
                        "method" => {
                            expect_name(&mut method, "method", name, &mut map).map(|()| true)
                        }
                        "requestId" => {
                            next_once(&mut request_id, "requestId", &mut map).map(|()| true)
                        }
                        _ => Ok(false),
                    },
                    Envelope::Response(name) => match key {
                        "method" => {
                            expect_name(&mut method, "method", name, &mut map).map(|()| true)
                        }
                        "requestId" => {
                            next_once(&mut request_id, "requestId", &mut map).map(|()| true)
                        }
                        "result" => next_once(&mut result, "result", &mut map).map(|()| true),
                        "error" => next_once(&mut error, "error", &mut map).map(|()| true),
                        _ => Ok(false),
                    },
                    Envelope::Notification(name) => match key {
                        "method" => {
                            expect_name(&mut method, "method", "event", &mut map).map(|()| true)
                        }
                        "event" => expect_name(&mut event, "event", name, &mut map).map(|()| true),
                        _ => Ok(false),
                    },
                }?;
                if envelope_key {
                    return Ok(());
                }
                let Some((position, index)) = shape.find(key, hint) else {
                    unknowns.unknown(&at, key);
                    // Kept or skipped, the value is read as raw JSON text, so both accept the
                    // same input.
                    wire::skip_value(&mut map)?;
                    unknowns.skipped = true;
                    if shape.keeps_unlisted {
                        unlisted.push(key_cow.clone());
                    }
                    return Ok(());
                };
                hint = position + 1;
                let field = &shape.fields[index];
                // An alias fills its field's slot, so the two together are a duplicate.
                if present.contains(index) {
                    return Err(de::Error::custom(format_args!(
                        "duplicate field `{}`",
                        field.wire_name
                    )));
                }
                present.insert(index);
                if at.is_root() && key != field.wire_name {
                    unknowns.top.insert(key.to_string());
                }
                map.next_value_seed(FieldSeed {
                    decoder,
                    field,
                    at: at.child(Step::Key(key)),
                    unknowns,
                })
            };
            take_value().map_err(|error| in_key(key.as_bytes(), error))?;
        }
        if let Some(key) = first_duplicate(unlisted.iter().map(AsRef::as_ref)) {
            return Err(in_key(
                key.as_bytes(),
                de::Error::custom(format_args!("duplicate field `{key}`")),
            ));
        }
        let enforce_required = match envelope {
            Envelope::Record => true,
            Envelope::Request(_) => missing_if(!method, "method")?,
            Envelope::Response(_) => {
                missing_if(!method, "method")?;
                match result {
                    Some(true) => {
                        if error.is_some() {
                            // A successful response has no `error`: its re-encoding lacks it.
                            unknowns.paths.insert("error".to_string());
                            unknowns.top.insert("error".to_string());
                        }
                        true
                    }
                    Some(false) => false,
                    None => return Err(missing("result")),
                }
            }
            Envelope::Notification(_) => {
                missing_if(!method, "method")?;
                missing_if(!event, "event")?
            }
        };
        if enforce_required {
            let absent = shape
                .fields
                .iter()
                .enumerate()
                .find(|(index, field)| !field.optional && !present.contains(*index));
            if let Some((_, field)) = absent {
                return Err(missing(&field.wire_name));
            }
        }
        Ok(())
    }
}

fn missing<E: de::Error>(key: &str) -> E {
    E::custom(format_args!("missing field `{key}`"))
}

/// The `missing field` error when `absent`; `Ok(true)` (required fields are checked) else.
fn missing_if<E: de::Error>(absent: bool, key: &str) -> Result<bool, E> {
    if absent {
        Err(missing(key))
    } else {
        Ok(true)
    }
}

/// One field's value: its type, or JSON `null` when the field is nullable.
struct FieldSeed<'a> {
    decoder: &'a FolderDecoder,
    field: &'a FieldShape,
    at: At<'a>,
    unknowns: &'a mut Unknowns,
}

impl<'de> DeserializeSeed<'de> for FieldSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        let value = ValueSeed {
            decoder: self.decoder,
            ty: &self.field.ty,
            at: self.at,
            unknowns: self.unknowns,
        };
        if self.field.nullable {
            deserializer.deserialize_option(Nullable(value))
        } else {
            value.deserialize(deserializer)
        }
    }
}

/// `Option<T>`: `null`, or the value.
struct Nullable<'a>(ValueSeed<'a>);

impl<'de> Visitor<'de> for Nullable<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("option")
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        self.0.deserialize(deserializer)
    }
}

/// A value of a type, read as the generated code reads the Rust type it emits for it.
struct ValueSeed<'a> {
    decoder: &'a FolderDecoder,
    ty: &'a Ty,
    at: At<'a>,
    unknowns: &'a mut Unknowns,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        let ValueSeed {
            decoder,
            ty,
            at,
            unknowns,
        } = self;
        match ty {
            // An open string enum reads as a string.
            Ty::Scalar(Scalar::String) | Ty::StringEnum => {
                AnyString::deserialize(deserializer).map(drop)
            }
            Ty::Scalar(Scalar::Bool) => bool::deserialize(deserializer).map(drop),
            Ty::Scalar(Scalar::U8) => u8::deserialize(deserializer).map(drop),
            Ty::Scalar(Scalar::U16) => u16::deserialize(deserializer).map(drop),
            Ty::Scalar(Scalar::U32) => u32::deserialize(deserializer).map(drop),
            Ty::Scalar(Scalar::U64) => u64::deserialize(deserializer).map(drop),
            Ty::Scalar(Scalar::I8) => i8::deserialize(deserializer).map(drop),
            Ty::Scalar(Scalar::I16) => i16::deserialize(deserializer).map(drop),
            Ty::Scalar(Scalar::I32) => i32::deserialize(deserializer).map(drop),
            Ty::Scalar(Scalar::I64) => i64::deserialize(deserializer).map(drop),
            Ty::Scalar(Scalar::F64) => f64::deserialize(deserializer).map(drop),
            Ty::Scalar(Scalar::Json) => serde_json::Value::deserialize(deserializer).map(drop),
            Ty::IntegerEnum => i64::deserialize(deserializer).map(drop),
            Ty::Record(index) => deserializer.deserialize_map(ObjectVisitor {
                decoder,
                shape: &decoder.shapes[*index],
                envelope: Envelope::Record,
                at,
                unknowns,
            }),
            Ty::Union(index) => deserializer.deserialize_any(UnionVisitor {
                decoder,
                shape: &decoder.unions[*index],
                at,
                unknowns,
            }),
            Ty::Array(element) => deserializer.deserialize_seq(ArrayVisitor {
                decoder,
                element,
                at,
                unknowns,
            }),
            Ty::Map(value) => deserializer.deserialize_map(MapVisitor {
                decoder,
                value,
                at,
                unknowns,
            }),
        }
    }
}

/// `Vec<T>`.
struct ArrayVisitor<'a> {
    decoder: &'a FolderDecoder,
    element: &'a Ty,
    at: At<'a>,
    unknowns: &'a mut Unknowns,
}

impl<'de> Visitor<'de> for ArrayVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let item = self.at.child(Step::Item);
        let mut index = 0;
        loop {
            let seed = ValueSeed {
                decoder: self.decoder,
                ty: self.element,
                at: item,
                unknowns: &mut *self.unknowns,
            };
            match seq
                .next_element_seed(seed)
                .inspect_err(|_| wire::note_index(index))?
            {
                Some(()) => index += 1,
                None => return Ok(()),
            }
        }
    }
}

/// `ObjectMap<T>`: any keys, each once, every value a `T`.
struct MapVisitor<'a> {
    decoder: &'a FolderDecoder,
    value: &'a Ty,
    at: At<'a>,
    unknowns: &'a mut Unknowns,
}

impl<'de> Visitor<'de> for MapVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen: HashSet<Cow<'de, str>> = HashSet::new();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let key = key.into_cow();
            if seen.contains(&key) {
                return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
            }
            map.next_value_seed(ValueSeed {
                decoder: self.decoder,
                ty: self.value,
                at: self.at.child(Step::Key(&key)),
                unknowns: &mut *self.unknowns,
            })
            .map_err(|error| in_key(key.as_bytes(), error))?;
            seen.insert(key);
        }
        Ok(())
    }
}

/// A union, told apart by the JSON type of the value; what the generated union visitor does
/// not accept fails as serde's default visitor methods fail.
struct UnionVisitor<'a> {
    decoder: &'a FolderDecoder,
    shape: &'a UnionShape,
    at: At<'a>,
    unknowns: &'a mut Unknowns,
}

impl UnionVisitor<'_> {
    fn out_of_range<E: de::Error>(&self) -> E {
        E::invalid_value(Unexpected::Other("an integer out of range"), self)
    }
}

impl<'de> Visitor<'de> for UnionVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shape.expecting)
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<(), E> {
        if self.shape.boolean {
            Ok(())
        } else {
            Err(E::invalid_type(Unexpected::Bool(value), &self))
        }
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<(), E> {
        match self.shape.integer {
            Some(Scalar::U64) if value < 0 => Err(self.out_of_range()),
            Some(_) => Ok(()),
            None if self.shape.float => Ok(()),
            None => Err(E::invalid_type(Unexpected::Signed(value), &self)),
        }
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<(), E> {
        match self.shape.integer {
            Some(Scalar::I64) if i64::try_from(value).is_err() => Err(self.out_of_range()),
            Some(_) => Ok(()),
            None if self.shape.float => Ok(()),
            None => Err(E::invalid_type(Unexpected::Unsigned(value), &self)),
        }
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<(), E> {
        if self.shape.float {
            Ok(())
        } else {
            Err(E::invalid_type(Unexpected::Float(value), &self))
        }
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<(), E> {
        if self.shape.string {
            Ok(())
        } else {
            Err(E::invalid_type(Unexpected::Str(value), &self))
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        match self.shape.record {
            // The record alternative reads the map it already is.
            Some(index) => ObjectVisitor {
                decoder: self.decoder,
                shape: &self.decoder.shapes[index],
                envelope: Envelope::Record,
                at: self.at,
                unknowns: self.unknowns,
            }
            .visit_map(map),
            None => Err(de::Error::invalid_type(Unexpected::Map, &self)),
        }
    }
}

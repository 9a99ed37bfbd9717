//! `trueconf-api-codegen`: the generator behind the [`trueconf-api`] crate.
//!
//! It reads the JSON definitions of the TrueConf Room / VideoSDK WebSocket API, checks them, and
//! writes Rust bindings that use `trueconf-api` as their runtime. `trueconf-api` runs it from its
//! own build script on its bundled definitions; you run it from yours when your Room is newer
//! than the crate.
//!
//! [`trueconf-api`]: https://docs.rs/trueconf-api
//!
//! # Your Room is newer than trueconf-api
//!
//! The bindings are generated from the definitions at build time, so a Room release with
//! messages or fields the crate does not know yet needs no fork: keep your own copy of the
//! definitions and generate the bindings in your own build script. `tests/downstream/` in the
//! repository is such a crate, built and tested with the workspace.
//!
//! 1. **Export the definitions** `trueconf-api` was built from, as a starting point:
//!
//!    ```sh
//!    cargo run --release --features cli -- definitions --out ../my-app/definitions
//!    ```
//!
//! 2. **Edit them** for the new Room: a file per new command or notification, new fields (each
//!    with its `presence` evidence), new enum values. The format and the presence rules are in
//!    the repository's `schema/README.md`; [`Builder::generate`] reports every problem with file
//!    and JSON path. The export holds the evidence index too (`evidence/`, module [`evidence`]):
//!    while it is there, every field needs an entry in it, so either record where a new field
//!    comes from in a file of your own there, or delete `evidence/` to go without its checks.
//!
//! 3. **Regenerate in your build script.** In `my-app/Cargo.toml` (until the crates are on
//!    crates.io, point both at a checkout of the repository):
//!
//!    ```toml
//!    [dependencies]
//!    trueconf-api = { path = "../trueconf-api" }
//!
//!    [build-dependencies]
//!    trueconf-api-codegen = { path = "../trueconf-api/codegen" }
//!    ```
//!
//!    `my-app/build.rs`:
//!
//!    ```no_run
//!    fn main() {
//!        println!("cargo:rerun-if-changed=definitions");
//!        let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").unwrap()).join("room.rs");
//!        if let Err(problems) = trueconf_api_codegen::Builder::new()
//!            .definitions("definitions")
//!            .output(out)
//!            .generate()
//!        {
//!            panic!("{problems}");
//!        }
//!    }
//!    ```
//!
//!    Then include the result anywhere in your crate:
//!
//!    ```ignore
//!    mod room {
//!        include!(concat!(env!("OUT_DIR"), "/room.rs"));
//!    }
//!    let message = room::ServerMessage::from_str(json)?; // your types, trueconf-api's runtime
//!    ```
//!
//!    You get the API the crate has for its own definitions — `room::commands`,
//!    `room::notifications`, `room::types`, `ServerMessage`, `ClientMessage`, `AnyResponse`,
//!    `AnyNotification` — implementing `trueconf_api::Command` and `trueconf_api::Notification`,
//!    so `trueconf_api::from_slice`, `trueconf_api::Request` / `Response` and the client's typed
//!    `request` work with them.
//!
//! 4. **See what changed**, classified by what it does to clients (module [`diff`]):
//!
//!    ```sh
//!    cargo run --release --features cli -- diff schema ../my-app/definitions
//!    ```
//!
//! 5. **Check traffic from the new Room** against your definitions, with no Rust to compile:
//!
//!    ```sh
//!    cargo run --release --features cli -- check --definitions ../my-app/definitions capture.jsonl
//!    ```
//!
//! # The Builder
//!
//! One settings object with one method per knob, and [`Builder::generate`] at the end:
//!
//! | method | default | what it sets |
//! |---|---|---|
//! | [`definitions`](Builder::definitions) | `schema` | the folder holding `commands/`, `notifications/`, `types/` |
//! | [`output`](Builder::output) | none (required by `generate`) | the Rust file to write, usually in `OUT_DIR`; written only when its content changed |
//! | [`runtime`](Builder::runtime) | `::trueconf_api` | the path by which generated code names the runtime (your Cargo.toml's name for it if you renamed the dependency) |
//! | [`api_version`](Builder::api_version) | every version | `1` or `2`: generate only what that API version has |
//! | [`client_tier`](Builder::client_tier) | `true` | `false`: leave out the messages typed only from TrueConf's clients (a faster build; they decode as `Untyped`) |
//! | [`json_schema`](Builder::json_schema) | `false` | emit `schemars::JsonSchema` impls (needs trueconf-api's `schemars` feature; without it the generated code fails to compile with a message that says so) |
//! | [`proptest`](Builder::proptest) | `false` | emit `proptest` strategies (needs trueconf-api's `proptest` feature) |
//! | [`definitions_label`](Builder::definitions_label) | the folder's last path component | how generated docs name the definitions folder |
//!
//! [`Builder::generate_string`] returns the code instead of writing it, and
//! [`Builder::load_model`] stops after validation (the CLI's `--definitions` tools use
//! [`load_model`] the same way). Problems never panic: they come back as [`Diagnostics`], each
//! naming the file and the JSON path, for the build script to print before it stops the build.
//!
//! **Build cost.** With the default features the output is formatted with prettyplease, which
//! compiles syn's full parser. With `default-features = false, features = ["rust"]` the
//! generator lays the code out itself (the same items, not rustfmt-shaped, as trueconf-api's own
//! build does it): a clean debug build of a one-line project that regenerates its bindings took
//! 11.5 s instead of 13.1 s.
//!
//! **Stability.** Generated code reaches the runtime only through its public traits and types
//! and `trueconf_api::__private`; bindings generated by `trueconf-api-codegen` x.y work with
//! `trueconf-api` x.y.
//!
//! # Features
//!
//! - `rust` (default): the Rust emitter ([`emit`], [`Builder::generate`]), built on quote.
//! - `pretty` (default): prettyplease formatting of the emitted code.
//! - `format-schema`: the JSON Schema of the definition format.
//!
//! With none, the crate still loads, validates and compares definitions (the CLI needs no more).
//!
//! # The pipeline
//!
//! One direction, one module per stage:
//!
//! 1. [`load`]: definition files → raw structs (syntax and shape errors, with JSON paths);
//! 2. [`validate`]: raw structs → [`model::Model`] (references, names, [`presence`] rules,
//!    [`examples`]), then, when the folder has an evidence index, [`evidence`] holds every
//!    field to it;
//! 3. [`model`]: the resolved description every emitter works from;
//! 4. [`emit`]: the model → Rust (quote, then prettyplease or the emitter's own layout).
//!
//! Beside the pipeline, [`diff`] compares two models (two definition folders, or two API
//! versions of one) and classifies every change by what it does to clients.

#![warn(missing_docs)]
// The guide's build script example is a whole `build.rs`, `fn main` included.
#![allow(clippy::needless_doctest_main)]

pub mod client_tier;
pub mod diff;
#[cfg(feature = "rust")]
pub mod emit;
mod error;
pub mod evidence;
pub mod examples;
pub mod load;
pub mod model;
pub mod naming;
pub mod presence;
mod read;
pub mod validate;

use std::fs;
use std::path::{Path, PathBuf};

pub use error::{Diagnostic, Diagnostics};

/// Settings for one generation run, with one method per knob and [`Builder::generate`] at the end.
#[derive(Debug, Clone)]
pub struct Builder {
    definitions: PathBuf,
    output: Option<PathBuf>,
    definitions_label: Option<String>,
    api_version: Option<u8>,
    client_tier: bool,
    runtime: String,
    json_schema: bool,
    proptest: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

/// What a successful run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Number of definitions read.
    pub definitions: usize,
    /// False when the output file already held exactly this code and was left untouched.
    pub written: bool,
}

impl Builder {
    /// A builder reading `schema/` with no output file yet.
    pub fn new() -> Self {
        Self {
            definitions: PathBuf::from("schema"),
            output: None,
            definitions_label: None,
            api_version: None,
            client_tier: true,
            runtime: "::trueconf_api".to_string(),
            json_schema: false,
            proptest: false,
        }
    }

    /// The path by which the generated code names the `trueconf-api` runtime. Default
    /// `::trueconf_api`, right for any crate that depends on `trueconf-api` (renamed, it is the
    /// name in your Cargo.toml); `trueconf-api` itself uses `crate`.
    pub fn runtime(mut self, path: impl Into<String>) -> Self {
        self.runtime = path.into();
        self
    }

    /// Whether to emit `schemars::JsonSchema` impls, JSON Schema of every type (default: no).
    /// They need trueconf-api's `schemars` feature; without it the generated code fails to
    /// compile with a message that says so.
    pub fn json_schema(mut self, emit: bool) -> Self {
        self.json_schema = emit;
        self
    }

    /// Whether to emit `proptest::arbitrary::Arbitrary` impls, property-test strategies from the
    /// definitions (default: no). They need trueconf-api's `proptest` feature.
    pub fn proptest(mut self, emit: bool) -> Self {
        self.proptest = emit;
        self
    }

    /// Generates only what API version `version` (1 or 2) has: messages and fields that only
    /// later versions have are left out. Default: every version (one set of types serves all).
    pub fn api_version(mut self, version: u8) -> Self {
        self.api_version = Some(version);
        self
    }

    /// Whether to generate the client tier (default: yes): the commands and notifications
    /// typed only from what TrueConf's clients send and read, with no doc page
    /// (`"source": "client"`). They are about half of the generated code; without them their
    /// messages decode as `Untyped` (nothing lost), and their names stay known to `check`.
    pub fn client_tier(mut self, include: bool) -> Self {
        self.client_tier = include;
        self
    }

    /// The folder holding `commands/`, `notifications/` and `types/`.
    pub fn definitions(mut self, folder: impl Into<PathBuf>) -> Self {
        self.definitions = folder.into();
        self
    }

    /// The Rust file to write (usually in `OUT_DIR`).
    pub fn output(mut self, file: impl Into<PathBuf>) -> Self {
        self.output = Some(file.into());
        self
    }

    /// How generated docs name the definitions folder (default: its last path component).
    pub fn definitions_label(mut self, label: impl Into<String>) -> Self {
        self.definitions_label = Some(label.into());
        self
    }

    /// Loads and validates the definitions into the model (restricted to the chosen API
    /// version, if any, and without the client tier if it was left out), without emitting
    /// anything.
    pub fn load_model(&self) -> Result<model::Model, Diagnostics> {
        let mut model = load_model(&self.definitions)?;
        if let Some(version) = self.api_version {
            if !validate::KNOWN_API_VERSIONS.contains(&version) {
                return Err(Diagnostics(vec![Diagnostic::new(
                    &self.definitions,
                    "$",
                    format!("unknown API version {version} (known: 1, 2)"),
                )]));
            }
            model.restrict_to_api(version);
        }
        if !self.client_tier {
            model.without_client_tier();
        }
        Ok(model)
    }

    /// Generates the Rust source as a string.
    #[cfg(feature = "rust")]
    pub fn generate_string(&self) -> Result<String, Diagnostics> {
        let model = self.load_model()?;
        self.emit(&model)
    }

    #[cfg(feature = "rust")]
    fn emit(&self, model: &model::Model) -> Result<String, Diagnostics> {
        let label = self
            .definitions_label
            .clone()
            .unwrap_or_else(|| default_definitions_label(&self.definitions));
        emit::rust::generate(
            model,
            &emit::rust::RustOptions {
                definitions_label: label,
                runtime: self.runtime.clone(),
                json_schema: self.json_schema,
                proptest: self.proptest,
            },
        )
        .map_err(|message| Diagnostics(vec![Diagnostic::new(&self.definitions, "$", message)]))
    }

    #[cfg(feature = "rust")]
    /// Loads, validates, emits and writes the output file — only when its content changed, so
    /// that an unchanged schema rebuilds nothing downstream.
    pub fn generate(&self) -> Result<Report, Diagnostics> {
        let Some(output) = &self.output else {
            return Err(Diagnostics(vec![Diagnostic::new(
                &self.definitions,
                "$",
                "no output file was set (Builder::output)",
            )]));
        };
        let model = self.load_model()?;
        let code = self.emit(&model)?;
        let written = write_if_changed(output, &code)
            .map_err(|message| Diagnostics(vec![Diagnostic::new(output, "$", message)]))?;
        Ok(Report {
            definitions: model.definition_count(),
            written,
        })
    }
}

/// How generated code names the definitions folder at `definitions` unless
/// [`Builder::definitions_label`] says otherwise: its last path component (`schema`), or
/// `schema` when it has none. `schema --definitions` labels a folder the same way.
pub fn default_definitions_label(definitions: &Path) -> String {
    definitions
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "schema".to_string())
}

/// Loads and validates the definitions folder into the model, and checks it against its
/// evidence index (`evidence/`) when it has one.
pub fn load_model(definitions: &Path) -> Result<model::Model, Diagnostics> {
    let mut diagnostics = Diagnostics::default();
    let files = load::load_dir(definitions, &mut diagnostics);
    let known = load::load_known(definitions, &mut diagnostics);
    let compatibility = load::load_compatibility(definitions, &mut diagnostics);
    // The evidence index is optional: without `evidence/` its checks are skipped.
    let index = evidence::Index::load(definitions, &mut diagnostics);
    let Some(compatibility) = compatibility.filter(|_| diagnostics.is_empty()) else {
        return Err(diagnostics);
    };
    let mut model = validate::validate(definitions, &files, &compatibility)?;
    validate::add_known_names(definitions, &known, &mut model)?;
    if let Some(index) = &index {
        evidence::check(definitions, &model, index, &known.untyped_keys)?;
    }
    Ok(model)
}

/// Writes `content` to `path` unless the file already holds exactly it. Returns whether it wrote.
pub fn write_if_changed(path: &Path, content: &str) -> Result<bool, String> {
    if fs::read_to_string(path).is_ok_and(|existing| existing == content) {
        return Ok(false);
    }
    if let Some(parent) = path.parent() {
        if !parent.as_os_str().is_empty() {
            fs::create_dir_all(parent)
                .map_err(|error| format!("cannot create {}: {error}", parent.display()))?;
        }
    }
    fs::write(path, content)
        .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    Ok(true)
}

/// The JSON Schema of the definition format (pretty-printed, with a trailing newline), as kept
/// in `schema/definition.schema.json` (feature `format-schema`).
#[cfg(feature = "format-schema")]
pub fn definition_format_schema_text() -> String {
    let value = load::definition_format_schema();
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}

//! Problems found in the definitions, each tied to a file and a JSON path inside it.

use std::fmt;
use std::path::{Path, PathBuf};

/// One problem in one definition file.
///
/// Printed as `FILE: $.json.path: message`, the form the build script shows when it stops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The definition file (or folder) the problem is in.
    pub file: PathBuf,
    /// JSON path inside the file (`$` for the whole document, `$.request.fields[0].type` …).
    pub path: String,
    /// What is wrong, and where useful, what would be right.
    pub message: String,
}

impl Diagnostic {
    /// A problem at `path` in `file`.
    pub fn new(file: &Path, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            file: file.to_path_buf(),
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {}",
            self.file.display(),
            self.path,
            self.message
        )
    }
}

impl std::error::Error for Diagnostic {}

/// Every problem found in one run; the generator reports them all at once instead of stopping
/// at the first, so a maintainer fixes a batch of definitions in one go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Records one problem.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    /// Records a problem at `path` in `file`.
    pub fn error(&mut self, file: &Path, path: impl Into<String>, message: impl Into<String>) {
        self.push(Diagnostic::new(file, path, message));
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The recorded problems.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }

    /// `Ok(value)` when nothing was recorded, otherwise every problem.
    pub fn into_result<T>(self, value: T) -> Result<T, Diagnostics> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, diagnostic) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// Where in the definitions a problem is: a file and a JSON path inside it. Checks build the
/// path as they walk down (`site.key("fields").index(2)` is `$.fields[2]`) and report in one
/// call, so every message is written once, beside its condition.
#[derive(Debug, Clone)]
pub(crate) struct Site<'f> {
    file: &'f Path,
    path: String,
}

impl<'f> Site<'f> {
    /// The whole document of `file` (`$`).
    pub(crate) fn root(file: &'f Path) -> Self {
        Self::at(file, "$")
    }

    /// The JSON path `path` of `file`.
    pub(crate) fn at(file: &'f Path, path: impl Into<String>) -> Self {
        Self {
            file,
            path: path.into(),
        }
    }

    /// The member `key` of the object here (`$.fields` from `$`).
    pub(crate) fn key(&self, key: &str) -> Self {
        Self::at(self.file, format!("{}.{key}", self.path))
    }

    /// Element `index` of the array here (`$.fields[2]` from `$.fields`).
    pub(crate) fn index(&self, index: usize) -> Self {
        Self::at(self.file, format!("{}[{index}]", self.path))
    }

    /// A path below this one, written out (`.items[0]`, as example checks report it).
    pub(crate) fn join(&self, below: &str) -> Self {
        Self::at(self.file, format!("{}{below}", self.path))
    }

    /// Records `message` as a problem here.
    pub(crate) fn error(&self, diagnostics: &mut Diagnostics, message: impl Into<String>) {
        diagnostics.error(self.file, self.path.clone(), message);
    }
}

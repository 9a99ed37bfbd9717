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

//! Hand-written helpers for the file-transfer types, where the wire forms are awkward.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::types::{FileId, FileIdString, FileTransferTimestamp};

/// The unit a file-transfer timestamp was sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimestampUnit {
    /// Seconds since the Unix epoch (outgoing requests in the docs' examples).
    Seconds,
    /// Milliseconds since the Unix epoch (incoming requests in the docs' examples).
    Milliseconds,
}

/// Values at or above this are milliseconds: 10^11 seconds is the year 5138, while 10^11
/// milliseconds is March 1973, before TrueConf existed. The two ranges never overlap for real
/// file-transfer times.
const MILLISECONDS_FROM: u64 = 100_000_000_000;

impl FileTransferTimestamp {
    /// Which unit the value is in. The docs never say; their examples send milliseconds for
    /// incoming requests and seconds for outgoing ones, even inside one response, so the
    /// magnitude decides (see the constant's note: the ranges cannot be confused).
    pub fn unit(self) -> TimestampUnit {
        if self.0 >= MILLISECONDS_FROM {
            TimestampUnit::Milliseconds
        } else {
            TimestampUnit::Seconds
        }
    }

    /// The time since the Unix epoch, whichever unit the value was sent in.
    pub fn since_epoch(self) -> Duration {
        match self.unit() {
            TimestampUnit::Milliseconds => Duration::from_millis(self.0),
            TimestampUnit::Seconds => Duration::from_secs(self.0),
        }
    }

    /// The point in time, whichever unit the value was sent in. `None` only if the value is past
    /// what the platform's clock can represent.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use trueconf_api::types::FileTransferTimestamp;
    /// // Both forms from one getFileTransferHistory response in the docs:
    /// let incoming = FileTransferTimestamp(1659103698469); // milliseconds
    /// let outgoing = FileTransferTimestamp(1659251271); // seconds
    /// assert_eq!(incoming.to_system_time(), UNIX_EPOCH.checked_add(Duration::from_millis(1659103698469)));
    /// assert_eq!(outgoing.to_system_time(), UNIX_EPOCH.checked_add(Duration::from_secs(1659251271)));
    /// ```
    pub fn to_system_time(self) -> Option<SystemTime> {
        UNIX_EPOCH.checked_add(self.since_epoch())
    }
}

impl FileIdString {
    /// The numeric id every other file-transfer message uses (`sendFile`, history, …).
    ///
    /// `getFileList` sends file ids as JSON strings ("1"); this is the way to pass one on:
    ///
    /// ```
    /// use trueconf_api::commands::SendFile;
    /// use trueconf_api::types::{FileId, FileIdString};
    /// let listed = FileIdString::from("4");
    /// let request = SendFile::new(listed.to_file_id()?, "820_1@some.server");
    /// assert_eq!(request.file_id, FileId(4));
    /// # Ok::<(), std::num::ParseIntError>(())
    /// ```
    pub fn to_file_id(&self) -> Result<FileId, std::num::ParseIntError> {
        self.0.trim().parse::<u64>().map(FileId)
    }
}

impl TryFrom<&FileIdString> for FileId {
    type Error = std::num::ParseIntError;
    fn try_from(value: &FileIdString) -> Result<Self, Self::Error> {
        value.to_file_id()
    }
}

impl From<FileId> for FileIdString {
    fn from(value: FileId) -> Self {
        FileIdString(value.0.to_string())
    }
}

/// The longest name, in bytes, that common file systems accept for one path component.
const MAX_FILE_NAME_BYTES: usize = 255;

/// Names Windows reserves for devices, with or without an extension.
const RESERVED_DEVICE_NAMES: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// Turns a `fileName` from the wire into a name that is safe to create in a local folder.
///
/// A `fileName` is whatever the sending peer chose: it is decoded as data, unchanged, and may
/// hold `../../etc/passwd`, an absolute path, NUL or other control characters, or a device
/// name. Before writing a received file, pass it through here:
///
/// - only the last path component is kept (both `/` and `\` separate components);
/// - control characters and the characters Windows forbids (`< > : " | ? *`) become `_`;
/// - leading and trailing dots and spaces are removed, so `..` and `.` cannot survive;
/// - a Windows device name (`CON`, `nul.txt`, `COM1` …) gets a leading `_`;
/// - the result is cut to 255 bytes at a character boundary, keeping the extension;
/// - nothing left gives `"file"`.
///
/// ```
/// use trueconf_api::safe_file_name;
/// assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
/// assert_eq!(safe_file_name("C:\\Windows\\system.ini"), "system.ini");
/// assert_eq!(safe_file_name("report\0.pdf"), "report_.pdf");
/// assert_eq!(safe_file_name(".."), "file");
/// assert_eq!(safe_file_name("nul.txt"), "_nul.txt");
/// assert_eq!(safe_file_name("Screenshot (1).png"), "Screenshot (1).png");
/// ```
pub fn safe_file_name(wire: &str) -> String {
    let last = wire.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned.trim_matches(|c: char| c == '.' || c.is_whitespace());
    if trimmed.is_empty() {
        return "file".to_string();
    }
    let stem = trimmed.split('.').next().unwrap_or_default();
    let mut name = if RESERVED_DEVICE_NAMES
        .iter()
        .any(|reserved| stem.eq_ignore_ascii_case(reserved))
    {
        format!("_{trimmed}")
    } else {
        trimmed.to_string()
    };
    if name.len() > MAX_FILE_NAME_BYTES {
        name = shorten(&name, MAX_FILE_NAME_BYTES);
    }
    name
}

/// Cuts `name` to at most `limit` bytes at character boundaries, keeping a short extension.
fn shorten(name: &str, limit: usize) -> String {
    let extension = name
        .rfind('.')
        .map(|dot| &name[dot..])
        .filter(|extension| extension.len() <= 16)
        .unwrap_or("");
    let budget = limit - extension.len();
    let mut end = budget.min(name.len() - extension.len());
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{extension}", &name[..end])
}

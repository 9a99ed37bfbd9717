//! Facts about each message and type, copied from its definition into constants.

/// Where a definition's facts come from: the tier of its evidence.
///
/// Non-exhaustive: a later release may add a tier, so match it with a `_` arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Source {
    /// A TrueConf doc page states them; its examples are the crate's test fixtures.
    Documented,
    /// No doc page was found; inferred from sibling messages and TrueConf's client code.
    Inferred,
    /// No doc page; typed from what TrueConf's own clients send and read, citing file and line
    /// ([`MessageInfo::evidence`]). Parameters are required only when every client that sends
    /// the command sends them, received fields are optional, and keys the definition does not
    /// list are kept ([`UnlistedKeys`](crate::UnlistedKeys)).
    Client,
}

impl Source {
    /// `documented`, `inferred` or `client`: the word of the definitions and of `x-source`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Source::Documented => "documented",
            Source::Inferred => "inferred",
            Source::Client => "client",
        }
    }
}

/// Command or notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// A client→server request answered by a response with the same `method`.
    Command,
    /// A server→client `"method": "event"` message.
    Notification,
}

/// Which way a message travels and what it is; the `KIND` the `check` tool prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Client→server command request.
    Request,
    /// Server→client answer to a request.
    Response,
    /// Server→client notification.
    Notification,
}

impl Direction {
    /// `request`, `response` or `notification`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Direction::Request => "request",
            Direction::Response => "response",
            Direction::Notification => "notification",
        }
    }
}

impl Direction {
    /// The envelope key that names a message of this direction (`method` or `event`).
    pub const fn name_key(self) -> &'static str {
        match self {
            Direction::Notification => "event",
            Direction::Request | Direction::Response => "method",
        }
    }
}

impl std::fmt::Display for Direction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Facts about one message from its definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageInfo {
    /// Wire name: the `method` of a command or the `event` of a notification.
    pub wire_name: &'static str,
    /// Name of the Rust type (the request struct or the notification struct).
    pub rust_name: &'static str,
    /// Command or notification.
    pub kind: MessageKind,
    /// One line on what it does.
    pub summary: &'static str,
    /// Longer description, if the definition has one.
    pub description: Option<&'static str>,
    /// TrueConf Room version that introduced it, as the doc page gives it.
    pub since: Option<&'static str>,
    /// API versions (1, 2) the message exists in.
    pub api: &'static [u8],
    /// Documented, client-evidenced or inferred.
    pub source: Source,
    /// Doc pages, primary first.
    pub doc_urls: &'static [&'static str],
    /// For messages without a doc page: where the facts come from (for the client tier, the
    /// clients' files and lines).
    pub evidence: Option<&'static str>,
    /// The definition file, relative to the crate root.
    pub definition_file: &'static str,
}

/// Facts about one shared type from its definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeInfo {
    /// Rust (and JSON Schema) name.
    pub name: &'static str,
    /// One line on what it holds.
    pub summary: &'static str,
    /// Longer description, if the definition has one.
    pub description: Option<&'static str>,
    /// Documented, client-evidenced or inferred.
    pub source: Source,
    /// Doc pages that show it.
    pub doc_urls: &'static [&'static str],
    /// The definition file, relative to the crate root.
    pub definition_file: &'static str,
}

//! What the mock Room remembers between requests and how it changes: the bodies that
//! notifications share with commands (`sameBodyAs`: the application state above all), the
//! incoming file requests and the transfer history, and the call (an invitation, a conference).
//!
//! Every change comes from something that happened: a notification pushed by a test (which
//! the Room is then taken to have sent), or a request the mock answers. The evidence for each
//! step of the call flow is in the module docs of [`crate::mock`].

use std::collections::{HashMap, VecDeque};

use serde_json::{json, Map, Value};

use super::{now_millis, Examples, OrderedObject};

/// How many incoming file requests the Room lists (the oldest go first beyond it), so a test
/// that pushes made-up offers without end does not grow the Room without end.
const OFFERS: usize = 1024;

/// How many finished transfers `getFileTransferHistory` lists (the oldest go first beyond it).
const HISTORY: usize = 1024;

/// `appState` values (getAppState / appStateChanged pages): logged in and idle, waiting
/// (calling or being called), in a conference, ending a conference.
pub(super) const IDLE: i64 = 3;
pub(super) const WAITING: i64 = 4;
pub(super) const IN_CONFERENCE: i64 = 5;
pub(super) const ENDING: i64 = 6;

/// The call the Room is in, as far as it knows.
#[derive(Debug, Clone)]
enum Call {
    Idle,
    /// An invitation (`inviteReceived`'s fields) waits for `accept` or `reject`; `before` is
    /// the `appState` to return to.
    Invited {
        invitation: Value,
        before: Value,
    },
    /// In the conference `conf_id`.
    InConference {
        conf_id: Value,
        before: Value,
    },
}

/// The Room's state (one per mock Room, behind a mutex).
pub(super) struct Model {
    /// Response bodies (`result` included, no envelope) that follow notifications carrying
    /// the same body, by command; a command without an entry answers its example.
    bodies: HashMap<String, OrderedObject>,
    /// Incoming file requests, as `getIncomingFilesRequests` lists them.
    offers: VecDeque<Value>,
    /// Finished transfers, as `getFileTransferHistory` lists them.
    history: VecDeque<Value>,
    /// The `fileId` the next finished download gets.
    next_file_id: u64,
    call: Call,
}

impl Model {
    /// The state of a Room that has just started: the documented application state (with the
    /// mock's own HTTP port), offers and history.
    pub(super) fn new(examples: &Examples, http_port: u16) -> Self {
        let example_list = |method: &str, key: &str| -> Vec<Value> {
            examples
                .response(method)
                .and_then(|example| example.to_value().get(key).cloned())
                .and_then(|list| list.as_array().cloned())
                .unwrap_or_default()
        };
        let offers: VecDeque<Value> =
            example_list("getIncomingFilesRequests", "incomingFilesRequests").into();
        let history: VecDeque<Value> =
            example_list("getFileTransferHistory", "filesRequests").into();
        let next_file_id = history
            .iter()
            .filter_map(|entry| entry.get("fileId")?.as_u64())
            .max()
            .map_or(1, |highest| highest.saturating_add(1));
        let mut model = Self {
            bodies: HashMap::new(),
            offers,
            history,
            next_file_id,
            call: Call::Idle,
        };
        model
            .body(examples, "getAppState")
            .set("embeddedHttpPort", &Value::from(http_port));
        model
    }

    /// The body `method` answers with now, when notifications have changed it.
    pub(super) fn response_body(&self, method: &str) -> Option<&OrderedObject> {
        self.bodies.get(method)
    }

    /// The body of `method`, started from its example when nothing changed it yet.
    fn body(&mut self, examples: &Examples, method: &str) -> &mut OrderedObject {
        self.bodies.entry(method.to_string()).or_insert_with(|| {
            let mut body = examples
                .response(method)
                .cloned()
                .unwrap_or_else(|| OrderedObject::from_value(&json!({ "result": true })));
            body.remove("method");
            body.remove("requestId");
            body
        })
    }

    /// Takes in a notification the Room sent (a test pushed it): the state follows it.
    ///
    /// - a notification that carries a command's body (`sameBodyAs`, for commands without
    ///   parameters) sets the keys it carries in that command's answer: a pushed
    ///   `appStateChanged` shows in `getAppState`;
    /// - `receivedFileRequest` adds the offer (status 1), once per `fileRequestId`;
    /// - `fileRequestStatusChanged` of a known offer sets its status; status 3 puts it in the
    ///   history (with the notification's `fileId`, or a new one);
    /// - `inviteReceived` is an invitation waiting for an answer (`appState` 4);
    /// - `conferenceCreated` is a conference the Room is in; `conferenceDeleted` ends it.
    pub(super) fn observe(&mut self, examples: &Examples, message: &Value) {
        if message.get("method").and_then(Value::as_str) != Some("event") {
            return;
        }
        let Some(event) = message.get("event").and_then(Value::as_str) else {
            return;
        };
        let Some(fields) = message.as_object() else {
            return;
        };
        if let Some(command) = examples.same_body_as(event) {
            let body = self.body(examples, command);
            for (key, value) in fields {
                if !matches!(key.as_str(), "method" | "event" | "requestId" | "result") {
                    body.set(key, value);
                }
            }
        }
        match event {
            "receivedFileRequest" => self.add_offer(offer_from_announcement(fields)),
            "fileRequestStatusChanged" => {
                let id = text(fields, "fileRequestId");
                match fields.get("status").and_then(Value::as_u64) {
                    Some(3) => {
                        self.complete_offer(&id, fields.get("fileId").and_then(Value::as_u64));
                    }
                    Some(status) => {
                        let _ = self.set_offer_status(&id, status, false);
                    }
                    None => {}
                }
            }
            "inviteReceived" => {
                let before = self.app_state(examples);
                self.call = Call::Invited {
                    invitation: Value::Object(fields.clone()),
                    before: settled(before),
                };
                self.body(examples, "getAppState")
                    .set("appState", &Value::from(WAITING));
            }
            "conferenceCreated" => {
                let before = self.app_state(examples);
                self.call = Call::InConference {
                    conf_id: fields.get("confId").cloned().unwrap_or(Value::Null),
                    before: settled(before),
                };
            }
            "conferenceDeleted" => self.call = Call::Idle,
            _ => {}
        }
    }

    /// The current `appState`.
    fn app_state(&mut self, examples: &Examples) -> Value {
        self.body(examples, "getAppState")
            .get("appState")
            .and_then(|raw| serde_json::from_str(raw.get()).ok())
            .unwrap_or(Value::from(IDLE))
    }

    /// Sets `appState` and returns the `appStateChanged` that says so (the whole body, as the
    /// two messages carry the same one).
    pub(super) fn change_app_state(&mut self, examples: &Examples, state: &Value) -> String {
        let body = self.body(examples, "getAppState");
        body.set("appState", state);
        let mut message = body.clone();
        message.remove("result");
        notification_text(message, "appStateChanged", &[], &[], None)
    }

    /// Adds an incoming file request (an `IncomingFileRequest` object) unless its
    /// `fileRequestId` is listed already.
    pub(super) fn add_offer(&mut self, offer: Value) {
        let id = offer.get("fileRequestId").cloned();
        if self
            .offers
            .iter()
            .any(|known| known.get("fileRequestId") == id.as_ref())
        {
            return;
        }
        if self.offers.len() == OFFERS {
            self.offers.pop_front();
        }
        self.offers.push_back(offer);
    }

    /// The incoming file requests, as `getIncomingFilesRequests` lists them.
    pub(super) fn offers(&self) -> Vec<Value> {
        self.offers.iter().cloned().collect()
    }

    /// The finished transfers, as `getFileTransferHistory` lists them.
    pub(super) fn history(&self) -> Vec<Value> {
        self.history.iter().cloned().collect()
    }

    /// Sets the status of the offer `id` and returns the offer as it is then; `None` for an
    /// id never offered. With `only_awaiting`, only an offer that awaits a reply (status 1)
    /// changes: any other is left as it is, and is an error.
    pub(super) fn set_offer_status(
        &mut self,
        id: &str,
        status: u64,
        only_awaiting: bool,
    ) -> Result<Option<Value>, &'static str> {
        let Some(fields) = self
            .offers
            .iter_mut()
            .filter_map(Value::as_object_mut)
            .find(|offer| offer.get("fileRequestId").and_then(Value::as_str) == Some(id))
        else {
            return Ok(None);
        };
        if only_awaiting && fields.get("status") != Some(&Value::from(1)) {
            return Err("The file request does not await a reply");
        }
        fields.insert("status".into(), Value::from(status));
        Ok(Some(Value::Object(fields.clone())))
    }

    /// Marks the offer `id` downloaded (status 3) and puts it in the history with `file_id`
    /// (a new one without); returns its `fileId`, `None` for an id never offered.
    pub(super) fn complete_offer(&mut self, id: &str, file_id: Option<u64>) -> Option<u64> {
        let offer = self.set_offer_status(id, 3, false).ok().flatten()?;
        let file_id = file_id.unwrap_or_else(|| {
            let next = self.next_file_id;
            self.next_file_id = next.saturating_add(1);
            next
        });
        if let Some(fields) = self
            .offers
            .iter_mut()
            .filter_map(Value::as_object_mut)
            .find(|offer| offer.get("fileRequestId").and_then(Value::as_str) == Some(id))
        {
            fields.insert("fileId".into(), Value::from(file_id));
        }
        let mut entry = Map::new();
        entry.insert("directionType".into(), Value::from(0));
        copy_keys(
            offer.as_object(),
            &[
                ("fileName", "fileName"),
                ("fileSize", "size"),
                ("timestamp", "timestamp"),
                ("fileRequestId", "fileRequestId"),
                ("peerDn", "peerDn"),
                ("peerId", "peerId"),
                ("confId", "confId"),
            ],
            &mut entry,
        );
        entry.insert("fileId".into(), Value::from(file_id));
        if self.history.len() == HISTORY {
            self.history.pop_front();
        }
        self.history.push_back(Value::Object(entry));
        Some(file_id)
    }

    /// `getFileRequestInfo`'s answer for a known incoming request (`example` is the documented
    /// answer); `None` for an id the Room does not list.
    pub(super) fn file_request_info(
        &self,
        example: &OrderedObject,
        id: &str,
    ) -> Option<OrderedObject> {
        let offer = self
            .offers
            .iter()
            .find(|offer| offer.get("fileRequestId").and_then(Value::as_str) == Some(id))?;
        let mut answer = example.clone();
        answer.set("directionType", &Value::from(0));
        for (to, from) in [
            ("fileRequestId", "fileRequestId"),
            ("status", "status"),
            ("fileName", "fileName"),
            ("timestamp", "timestamp"),
            ("fileSize", "size"),
            ("peerId", "peerId"),
            ("peerDisplayName", "peerDn"),
            ("fileId", "fileId"),
            ("confId", "confId"),
        ] {
            match offer.get(from) {
                Some(value) => answer.set(to, value),
                None => answer.remove(to),
            }
        }
        Some(answer)
    }

    /// An invitation the Room receives (`inviteReceived`'s text, already built): the state
    /// follows it, and the `appStateChanged` to waiting (4) is returned.
    pub(super) fn invited(&mut self, examples: &Examples, invitation: &Value) -> String {
        self.observe(examples, invitation);
        self.change_app_state(examples, &Value::from(WAITING))
    }

    /// `accept`: joins the conference of the waiting invitation; the notifications that
    /// follow, in order (appStateChanged 5, conferenceCreated); an error without one.
    pub(super) fn accept(&mut self, examples: &Examples) -> Result<Vec<String>, &'static str> {
        let Call::Invited { invitation, before } = self.call.clone() else {
            return Err("There is no incoming call or invitation to accept");
        };
        let conf_id = invitation.get("confId").cloned().unwrap_or(Value::Null);
        self.call = Call::InConference {
            conf_id: conf_id.clone(),
            before,
        };
        let state = self.change_app_state(examples, &Value::from(IN_CONFERENCE));
        Ok(vec![
            state,
            conference_created(examples, &invitation, &conf_id),
        ])
    }

    /// `reject` (and `hangUp` while an invitation waits): turns the invitation down; the
    /// notifications that follow (rejectSent, appStateChanged back); an error without one.
    pub(super) fn reject(&mut self, examples: &Examples) -> Result<Vec<String>, &'static str> {
        let Call::Invited { invitation, before } = self.call.clone() else {
            return Err("There is no incoming call or invitation to reject");
        };
        self.call = Call::Idle;
        let example = examples
            .notification("rejectSent")
            .cloned()
            .unwrap_or_else(|| OrderedObject::from_value(&json!({})));
        let fields = [
            (
                "peerId",
                invitation.get("peerId").cloned().unwrap_or_default(),
            ),
            (
                "peerDn",
                invitation.get("peerDn").cloned().unwrap_or_default(),
            ),
            // 0: rejected by the participant (the rejectSent page's list).
            ("cause", Value::from(0)),
        ];
        let rejected = notification_text(
            example,
            "rejectSent",
            &fields,
            &[],
            invitation.get("confId"),
        );
        Ok(vec![rejected, self.change_app_state(examples, &before)])
    }

    /// `hangUp`: leaves the conference (appStateChanged 6, conferenceDeleted, appStateChanged
    /// back) or turns a waiting invitation down; nothing follows when the Room is in no call.
    pub(super) fn hang_up(&mut self, examples: &Examples) -> Vec<String> {
        match self.call.clone() {
            Call::Idle => Vec::new(),
            Call::Invited { .. } => self.reject(examples).unwrap_or_default(),
            Call::InConference { conf_id, before } => {
                self.call = Call::Idle;
                let ending = self.change_app_state(examples, &Value::from(ENDING));
                let deleted = super::wire_text(&json!({
                    "method": "event",
                    "event": "conferenceDeleted",
                    "confId": conf_id,
                }));
                vec![ending, deleted, self.change_app_state(examples, &before)]
            }
        }
    }
}

/// The state to return to after a call: the one before it, or idle (3) when the Room was
/// already in a call or ending one.
fn settled(before: Value) -> Value {
    match before.as_i64() {
        Some(WAITING | IN_CONFERENCE | ENDING) | None => Value::from(IDLE),
        Some(_) => before,
    }
}

/// Copies each `(to, from)` key of `keys` that `from_fields` has into `into` as `to`, in
/// the order of `keys` (the order the documented message of `into` shows).
fn copy_keys(
    from_fields: Option<&Map<String, Value>>,
    keys: &[(&str, &str)],
    into: &mut Map<String, Value>,
) {
    for (to, from) in keys {
        if let Some(value) = from_fields.and_then(|fields| fields.get(*from)) {
            into.insert((*to).into(), value.clone());
        }
    }
}

/// A string field of a message (`""` without it).
fn text(fields: &Map<String, Value>, key: &str) -> String {
    fields
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The `getIncomingFilesRequests` entry of an offer announced with `receivedFileRequest`
/// (`fileSize` there is `size` here), awaiting a reply.
fn offer_from_announcement(fields: &Map<String, Value>) -> Value {
    let mut offer = Map::new();
    copy_keys(
        Some(fields),
        &[
            ("fileRequestId", "fileRequestId"),
            ("peerId", "peerId"),
            ("peerDn", "peerDn"),
            ("fileName", "fileName"),
            ("size", "fileSize"),
            ("timestamp", "timestamp"),
            ("confId", "confId"),
        ],
        &mut offer,
    );
    offer.insert("status".into(), Value::from(1));
    offer
        .entry("timestamp")
        .or_insert_with(|| Value::from(now_millis()));
    Value::Object(offer)
}

/// `conferenceCreated` for an accepted invitation, built on the documented example: the
/// invitation's `confId` and type; `confTitle` and `conferenceOwner` only for a group
/// conference (an invitation with a title); no `peerId` (the page gives it for outgoing calls
/// only) and no waiting-room flags (given to owners and moderators only).
fn conference_created(examples: &Examples, invitation: &Value, conf_id: &Value) -> String {
    let mut message = examples
        .notification("conferenceCreated")
        .cloned()
        .unwrap_or_else(|| OrderedObject::from_value(&json!({})));
    for key in [
        "peerId",
        "isWaitingRoomSwitchingSupported",
        "isWaitingRoomEnabled",
        "isInWaitingRoom",
    ] {
        message.remove(key);
    }
    let conf_type = invitation.get("type").cloned().unwrap_or(Value::from(0));
    let mut fields = vec![("confType", conf_type)];
    match invitation.get("confTitle") {
        Some(title) => {
            fields.push(("confTitle", title.clone()));
            fields.push((
                "conferenceOwner",
                invitation.get("peerId").cloned().unwrap_or_default(),
            ));
        }
        None => {
            message.remove("confTitle");
            message.remove("conferenceOwner");
        }
    }
    notification_text(message, "conferenceCreated", &fields, &[], Some(conf_id))
}

/// The text of an `event` notification built on `message` (the event's example, or what the
/// caller uses without one): `method` and `event` set, then each of `fields`, then each of
/// `if_present` only where `message` already has that key, then `confId` set to `conf_id`, or
/// removed without one. Keys keep their place in `message`; new ones go at the end.
pub(super) fn notification_text<'a>(
    mut message: OrderedObject,
    event: &str,
    fields: impl IntoIterator<Item = &'a (&'a str, Value)>,
    if_present: &[(&str, &Value)],
    conf_id: Option<&Value>,
) -> String {
    message.set("method", &Value::from("event"));
    message.set("event", &Value::from(event));
    for (key, value) in fields {
        message.set(key, value);
    }
    for (key, value) in if_present {
        if message.get(key).is_some() {
            message.set(key, value);
        }
    }
    match conf_id {
        Some(conf) => message.set("confId", conf),
        None => message.remove("confId"),
    }
    message.to_text(&[])
}

//! A user's build that leaves the client tier out (`Builder::client_tier(false)`, what
//! trueconf-api's own `client-tier` feature switches): the documented messages stay typed, and
//! every client-tier message still decodes, as `Untyped`, byte for byte, its name catalogued.

use serde_json::{json, Value};
use trueconf_api::Source;
use trueconf_api_downstream::documented_only;

fn bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).expect("encodes")
}

#[test]
fn every_client_tier_name_moves_to_the_catalogue_and_nothing_else_does() {
    let model = trueconf_api_codegen::Builder::new()
        .definitions("definitions")
        .load_model()
        .expect("the definitions load");
    let client = |source| source == trueconf_api_codegen::model::Source::Client;
    let client_commands: Vec<&str> = model
        .commands
        .iter()
        .filter(|command| client(command.info.definition.source))
        .map(|command| command.info.wire_name.as_str())
        .collect();
    let client_notifications: Vec<&str> = model
        .notifications
        .iter()
        .filter(|notification| client(notification.info.definition.source))
        .map(|notification| notification.info.wire_name.as_str())
        .collect();
    assert_eq!(
        (client_commands.len(), client_notifications.len()),
        (150, 112)
    );

    let all = trueconf_api_downstream::COMMAND_NAMES;
    for name in &client_commands {
        assert!(all.contains(name), "{name} is typed in the full bindings");
        assert!(!documented_only::COMMAND_NAMES.contains(name), "{name}");
        assert!(
            documented_only::UNTYPED_COMMAND_NAMES.contains(name),
            "{name}"
        );
    }
    for name in &client_notifications {
        assert!(
            !documented_only::NOTIFICATION_NAMES.contains(name),
            "{name}"
        );
        assert!(
            documented_only::UNTYPED_NOTIFICATION_NAMES.contains(name),
            "{name}"
        );
    }
    // Everything else is exactly as in the full bindings.
    let rest = |names: &[&str], left_out: &[&str]| -> Vec<String> {
        names
            .iter()
            .filter(|name| !left_out.contains(name))
            .map(|name| name.to_string())
            .collect()
    };
    assert_eq!(
        documented_only::COMMAND_NAMES,
        rest(all, &client_commands).as_slice()
    );
    assert_eq!(
        documented_only::NOTIFICATION_NAMES,
        rest(
            trueconf_api_downstream::NOTIFICATION_NAMES,
            &client_notifications
        )
        .as_slice()
    );
    // The downstream catalogue's own names are still there, beside the client tier's.
    assert!(documented_only::UNTYPED_COMMAND_NAMES.contains(&"getRecordingSchedule"));
    assert_eq!(
        documented_only::UNTYPED_COMMAND_NAMES.len(),
        trueconf_api_downstream::UNTYPED_COMMAND_NAMES.len() + client_commands.len()
    );
}

#[test]
fn a_kiosk_answer_decodes_untyped_and_unchanged_and_documented_ones_stay_typed() {
    // `accept` is client tier: typed in the full bindings, untyped but whole without them.
    let text = br#"{"method":"accept","requestId":"3","extra":[1,2]}"#;
    assert!(matches!(
        trueconf_api_downstream::ClientMessage::from_slice(text).expect("decodes"),
        trueconf_api_downstream::ClientMessage::Accept(_)
    ));
    let documented_only::ClientMessage::Untyped(raw) =
        documented_only::ClientMessage::from_slice(text).expect("decodes")
    else {
        panic!("accept is untyped without the client tier");
    };
    assert_eq!((raw.name(), raw.as_bytes()), ("accept", &text[..]));
    let encoded =
        serde_json::to_vec(&documented_only::ClientMessage::Untyped(raw)).expect("encodes");
    assert_eq!(encoded, text);

    // A client-tier notification and its answer the same way.
    let event = json!({"method": "event", "event": "hangUpPressed", "any": true});
    let decoded = documented_only::ServerMessage::from_slice(&bytes(&event)).expect("decodes");
    assert!(decoded.is_untyped(), "{decoded:?}");

    // A documented command is typed in both, with the same source.
    use trueconf_api::Command;
    assert_eq!(
        documented_only::commands::GetAppState::INFO.source,
        Source::Documented
    );
    let request = json!({"method": "getAppState", "requestId": "1"});
    assert!(matches!(
        documented_only::ClientMessage::from_slice(&bytes(&request)).expect("decodes"),
        documented_only::ClientMessage::GetAppState(_)
    ));
}

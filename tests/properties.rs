//! Property tests over every generated message type, with strategies the generator emits
//! from the definitions (feature `proptest`, on for the crate's own tests): arbitrary values
//! encode, decode back equal through the same entry points users call, and every encoding
//! validates against the exported JSON Schema of its message. Records, enums and newtypes are
//! exercised inside the messages that hold them.

use std::collections::HashMap;
use std::fmt::Debug;

use proptest::arbitrary::{any, Arbitrary};
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use schemars::generate::SchemaSettings;
use schemars::JsonSchema;
use serde::Serialize;
use trueconf_api::proptest_support::ArbitraryVisitor;
use trueconf_api::schema_support::{FieldsSchema, SchemaVisitor};
use trueconf_api::{
    AnyNotification, ClientMessage, Command, Fields, Notification, Request, Response, ServerMessage,
};

/// Cases per message type and direction (override with PROPTEST_CASES).
const CASES: u32 = 48;

fn config() -> Config {
    Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(CASES),
        failure_persistence: None,
        ..Config::default()
    }
}

fn validator<T: JsonSchema>() -> jsonschema::Validator {
    let schema = SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>();
    jsonschema::validator_for(&schema.to_value()).expect("schema compiles")
}

/// The schema validator of every message, by (role, name): the strategies come from one
/// visitor (`Arbitrary`) and the schemas from another (`JsonSchema`), so they meet by name.
#[derive(Default)]
struct Validators(HashMap<(&'static str, &'static str), jsonschema::Validator>);

impl SchemaVisitor for Validators {
    fn command<C: Command + FieldsSchema>(&mut self)
    where
        C::Response: FieldsSchema,
    {
        self.0
            .insert(("request", C::METHOD), validator::<Request<C>>());
        self.0
            .insert(("response", C::METHOD), validator::<Response<C>>());
    }

    fn notification<N: Notification + FieldsSchema + JsonSchema>(&mut self) {
        self.0.insert(("notification", N::EVENT), validator::<N>());
    }
}

/// Encodes `value`, checks the schema accepts it, decodes it back with `decode`, and compares.
fn round_trip<T, M>(
    name: &str,
    validator: &jsonschema::Validator,
    decode: impl Fn(&[u8]) -> Option<M>,
    wrap: impl Fn(T) -> M,
) where
    T: Arbitrary + Serialize + Clone + Debug,
    M: PartialEq + Debug,
{
    let mut runner = TestRunner::new(config());
    let outcome = runner.run(&any::<T>(), |value| {
        let bytes =
            serde_json::to_vec(&value).map_err(|e| TestCaseError::fail(format!("encode: {e}")))?;
        let json: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        if let Some(error) = validator.iter_errors(&json).next() {
            return Err(TestCaseError::fail(format!(
                "schema rejects {json}: {error}"
            )));
        }
        let decoded = decode(&bytes)
            .ok_or_else(|| TestCaseError::fail(format!("does not decode: {json}")))?;
        if decoded != wrap(value.clone()) {
            return Err(TestCaseError::fail(format!(
                "changed in a round trip: {json}"
            )));
        }
        Ok(())
    });
    if let Err(error) = outcome {
        panic!("{name}: {error}");
    }
}

struct Properties {
    validators: Validators,
    checked: usize,
}

impl Properties {
    fn validator(&self, role: &'static str, name: &'static str) -> &jsonschema::Validator {
        self.validators
            .0
            .get(&(role, name))
            .unwrap_or_else(|| panic!("no schema for {role} {name}"))
    }
}

impl ArbitraryVisitor for Properties {
    fn command<C: Command + Arbitrary + 'static>(&mut self)
    where
        C::Response: Arbitrary + 'static,
        <C::Response as Fields>::Partial: Arbitrary + 'static,
    {
        round_trip::<Request<C>, ClientMessage>(
            &format!("{} request", C::METHOD),
            self.validator("request", C::METHOD),
            |bytes| ClientMessage::from_slice(bytes).ok(),
            |request| {
                ClientMessage::from_slice(&serde_json::to_vec(&request).expect("encodes"))
                    .expect("decodes")
            },
        );
        round_trip::<Response<C>, ServerMessage>(
            &format!("{} response", C::METHOD),
            self.validator("response", C::METHOD),
            |bytes| ServerMessage::from_slice(bytes).ok(),
            |response| {
                let typed = trueconf_api::from_slice::<Response<C>>(
                    &serde_json::to_vec(&response).expect("encodes"),
                )
                .expect("decodes as its own type");
                assert_eq!(
                    typed,
                    response,
                    "{} response: the known-type path disagrees",
                    C::METHOD
                );
                ServerMessage::from_slice(&serde_json::to_vec(&typed).expect("encodes"))
                    .expect("decodes")
            },
        );
        self.checked += 2;
    }

    fn notification<N: Notification + Arbitrary + 'static>(&mut self) {
        round_trip::<N, ServerMessage>(
            N::EVENT,
            self.validator("notification", N::EVENT),
            |bytes| ServerMessage::from_slice(bytes).ok(),
            |notification| {
                let typed = trueconf_api::from_slice::<N>(
                    &serde_json::to_vec(&notification).expect("encodes"),
                )
                .expect("decodes as its own type");
                assert_eq!(
                    typed,
                    notification,
                    "{}: the known-type path disagrees",
                    N::EVENT
                );
                ServerMessage::from_slice(&serde_json::to_vec(&typed).expect("encodes"))
                    .expect("decodes")
            },
        );
        self.checked += 1;
    }
}

#[test]
fn every_message_round_trips_and_matches_its_schema() {
    let mut validators = Validators::default();
    trueconf_api::visit_schema_messages(&mut validators);
    let mut properties = Properties {
        validators,
        checked: 0,
    };
    trueconf_api::visit_arbitrary_messages(&mut properties);
    let expected = 2 * trueconf_api::COMMAND_NAMES.len() + trueconf_api::NOTIFICATION_NAMES.len();
    assert_eq!(properties.checked, expected);
}

/// The dispatching decoders see typed messages as the same values the typed path gives.
#[test]
fn dispatch_and_typed_paths_agree_on_arbitrary_notifications() {
    use trueconf_api::notifications::FileRequestStatusChanged;
    let mut runner = TestRunner::new(config());
    runner
        .run(&any::<FileRequestStatusChanged>(), |event| {
            let bytes = serde_json::to_vec(&event).expect("encodes");
            let Ok(ServerMessage::Notification(AnyNotification::FileRequestStatusChanged(
                dispatched,
            ))) = ServerMessage::from_slice(&bytes)
            else {
                return Err(TestCaseError::fail("not dispatched to its type"));
            };
            proptest::prop_assert_eq!(dispatched, event);
            Ok(())
        })
        .expect("agree");
}

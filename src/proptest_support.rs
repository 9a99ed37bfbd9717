//! Strategies the generated `Arbitrary` impls use where `any::<T>()` will not do, the generic
//! ones for the envelopes, and the visitor over every message that has them. Behind the
//! `proptest` feature; the bindings have `Arbitrary` impls when generated with
//! `Builder::proptest(true)`.

use proptest::arbitrary::{any, Arbitrary};
use proptest::prelude::{prop_oneof, Just};
use proptest::strategy::{BoxedStrategy, Strategy};
use serde_json::Value;

use std::fmt;

use crate::envelope::{Command, Failure, Notification, Request, Response};
use crate::wire::Fields;
use crate::{ObjectMap, UnlistedKeys};

/// Called once per typed message by the generated `visit_arbitrary_messages`: the way to run a
/// property test over every message type.
pub trait ArbitraryVisitor {
    /// Visits one command.
    fn command<C: Command + Arbitrary + 'static>(&mut self)
    where
        C::Response: Arbitrary + 'static,
        <C::Response as Fields>::Partial: Arbitrary + 'static;
    /// Visits one notification.
    fn notification<N: Notification + Arbitrary + 'static>(&mut self);
}

/// Finite numbers only: JSON has no NaN or infinity (serde_json writes them as `null`).
pub fn finite_f64() -> BoxedStrategy<f64> {
    any::<f64>()
        .prop_filter("finite", |value| value.is_finite())
        .boxed()
}

/// Small JSON values of every kind, nested a little.
pub fn json_value() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        finite_f64().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(any::<String>(), inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
    .boxed()
}

/// Small objects keyed by name, with values from `values` (`map<T>` fields, and
/// [`ObjectMap`]'s own `Arbitrary`).
pub fn object_map<S: Strategy + 'static>(values: S) -> BoxedStrategy<ObjectMap<S::Value>>
where
    S::Value: fmt::Debug,
{
    proptest::collection::btree_map("[a-zA-Z]{1,12}", values, 0..3)
        .prop_map(ObjectMap)
        .boxed()
}

/// A few keys a client-tier struct does not list (never one of `reserved`: its own wire names
/// and aliases, and its envelope's keys), with small JSON values of every kind.
pub fn unlisted_keys(reserved: &'static [&'static str]) -> BoxedStrategy<UnlistedKeys> {
    let key = "[a-zA-Z][a-zA-Z0-9_]{0,11}".prop_filter("not a listed key", move |key: &String| {
        !reserved.contains(&key.as_str())
    });
    let value = json_value().prop_map(|value| {
        serde_json::value::to_raw_value(&value).expect("a finite JSON value encodes")
    });
    proptest::collection::vec((key, value), 0..3)
        .prop_map(|entries| entries.into_iter().collect())
        .boxed()
}

impl<C: Command + Arbitrary + 'static> Arbitrary for Request<C> {
    type Parameters = ();
    type Strategy = BoxedStrategy<Self>;
    fn arbitrary_with(_: ()) -> Self::Strategy {
        (any::<Option<String>>(), any::<C>())
            .prop_map(|(request_id, command)| Request {
                request_id,
                command,
            })
            .boxed()
    }
}

impl<C> Arbitrary for Response<C>
where
    C: Command,
    C::Response: Arbitrary + 'static,
    <C::Response as Fields>::Partial: Arbitrary + 'static,
{
    type Parameters = ();
    type Strategy = BoxedStrategy<Self>;
    fn arbitrary_with(_: ()) -> Self::Strategy {
        let success =
            (any::<Option<String>>(), any::<C::Response>()).prop_map(|(request_id, payload)| {
                Response {
                    request_id,
                    result: Ok(payload),
                }
            });
        let failure = (
            any::<Option<String>>(),
            any::<Option<String>>(),
            any::<<C::Response as Fields>::Partial>(),
        )
            .prop_map(|(request_id, error, fields)| Response {
                request_id,
                result: Err(Failure::new(error, fields)),
            });
        prop_oneof![success, failure].boxed()
    }
}

impl<T: Arbitrary + fmt::Debug + 'static> Arbitrary for ObjectMap<T> {
    type Parameters = ();
    type Strategy = BoxedStrategy<Self>;
    fn arbitrary_with(_: ()) -> Self::Strategy {
        object_map(any::<T>())
    }
}

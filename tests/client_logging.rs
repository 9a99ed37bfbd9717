//! What the client logs: a graceful close logs nothing above debug level.
//!
//! Its own test binary: a `tracing` subscriber set for one thread only sees every event when
//! no other test registers the same callsites on another thread at the same time (tracing
//! caches each callsite's interest process-wide).

use std::time::Duration;

use trueconf_api::client::Client;
use trueconf_api::mock::MockRoom;

const GUARD: Duration = Duration::from_secs(30);

/// Records the level and text of every event the client logs.
#[derive(Clone, Default)]
struct ClientEvents(std::sync::Arc<std::sync::Mutex<Vec<(tracing::Level, String)>>>);

impl tracing::Subscriber for ClientEvents {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        struct Text(String);
        impl tracing::field::Visit for Text {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                self.0.push_str(&format!("{}={value:?} ", field.name()));
            }
        }
        let metadata = event.metadata();
        if metadata.target().starts_with("trueconf_api::client") {
            let mut text = Text(String::new());
            event.record(&mut text);
            self.0
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .push((*metadata.level(), text.0));
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test]
async fn a_graceful_close_logs_nothing_above_debug() {
    let events = ClientEvents::default();
    // This test's runtime runs every task on this thread.
    let _subscriber = tracing::subscriber::set_default(events.clone());
    let room = MockRoom::start().await.expect("the mock Room starts");
    let client = tokio::time::timeout(
        GUARD,
        Client::builder()
            .host("127.0.0.1", room.http_port())
            .connect(),
    )
    .await
    .expect("no hang")
    .expect("connects");
    tokio::time::timeout(GUARD, client.close())
        .await
        .expect("close returns");
    let logged = events.0.lock().expect("events").clone();
    assert!(
        logged
            .iter()
            .any(|(level, _)| *level == tracing::Level::DEBUG),
        "the subscriber sees the client: {logged:?}"
    );
    let loud: Vec<_> = logged
        .iter()
        .filter(|(level, _)| *level < tracing::Level::INFO)
        .collect();
    // tracing orders levels from ERROR (smallest) to TRACE: nothing at WARN or ERROR.
    assert!(loud.is_empty(), "{loud:?}");
}

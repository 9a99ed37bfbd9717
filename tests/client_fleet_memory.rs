//! An idle connected client costs at most 1.2× a bare tokio-tungstenite connection with a
//! reader task, measured side by side in this process (`benches/support/fleet.rs`: only the
//! client threads' allocations are counted). `cargo bench --bench fleet` prints the figures
//! for a larger fleet.
//!
//! Its own test binary, because it counts allocations with a global allocator; one test.

#[path = "common/counting.rs"]
mod counting;
#[path = "../benches/support/fleet.rs"]
mod fleet;

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

/// Connections of each kind.
const COUNT: usize = 100;
/// The target, from issue 20 ("Fleet-sized").
const TARGET: f64 = 1.2;

#[test]
fn an_idle_client_costs_at_most_1_2_times_a_bare_connection() {
    let rooms = fleet::Rooms::start(4);
    let runtime = fleet::client_runtime();
    // Bare first, then clients, then bare again: the smaller floor is the fair one (the first
    // round may pay for one-time allocations of the runtime).
    let bare_before = fleet::bare_per_connection(&runtime, &rooms, COUNT);
    let (client, clients) = fleet::client_per_connection(&runtime, &rooms, COUNT);
    assert!(clients.iter().all(|client| client.app_state().is_some()));
    fleet::close_all(&runtime, clients);
    let bare_after = fleet::bare_per_connection(&runtime, &rooms, COUNT);
    let bare = bare_before.min(bare_after);
    let ratio = client / bare;
    eprintln!(
        "per connection: client {:.0} B, bare {:.0} B (runs: {bare_before:.0}, {bare_after:.0}); ratio {ratio:.3}",
        client, bare
    );
    assert!(bare > 0.0 && client > 0.0, "nothing was counted");
    assert!(
        ratio <= TARGET,
        "an idle client holds {client:.0} bytes, {ratio:.2}× a bare connection's {bare:.0}"
    );
}

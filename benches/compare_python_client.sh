#!/usr/bin/env bash
# TrueConf's Python client and trueconf_api::client against the same `trueconf-api mock-room`
# process, on this machine, in one run: starts the mock, runs the Python client's loop
# (benches/python_client.py), then the Rust client's measured rounds (benches/client.rs),
# and prints both and the ratios.
#
#   bash benches/compare_python_client.sh
#
# Needs python3; installs the pinned Python client (tests/conformance/python/requirements.lock)
# into target/conformance/venv.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${CRITERION_HOME:-$root/target/criterion}/client"
mkdir -p "$out"
cd "$root"

venv="$root/target/conformance/venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes \
    -r "$root/tests/conformance/python/requirements.lock"

cargo build --release --quiet
cargo bench --bench client --features client,mock --no-run --quiet

fifo="$(mktemp -u)"
mkfifo "$fifo"
"$root/target/release/trueconf-api" mock-room --port 0 --pin 1234 >"$fifo" 2>/dev/null &
mock=$!
trap 'kill "$mock" 2>/dev/null || true; rm -f "$fifo"' EXIT
exec 3<"$fifo"
read -r first <&3
http_port="$(sed -E 's#.*http://127\.0\.0\.1:([0-9]+).*#\1#' <<<"$first")"
ws_port="$(sed -E 's#.*ws://127\.0\.0\.1:([0-9]+).*#\1#' <<<"$first")"
echo "mock-room: HTTP $http_port, WebSocket $ws_port"

echo "== TrueConf's Python client"
"$venv/bin/python" "$root/benches/python_client.py" "$http_port" 1234 | tee "$out/python.json"

echo "== trueconf_api::client"
TRUECONF_BENCH_ROOM="127.0.0.1:$http_port" TRUECONF_BENCH_WS_PORT="$ws_port" \
    TRUECONF_BENCH_PIN=1234 TRUECONF_BENCH_SUMMARY_ONLY=1 \
    cargo bench --bench client --features client,mock --quiet

python3 - "$out/python.json" "$out/summary.json" <<'PY'
import json, sys
python, rust = (json.load(open(path)) for path in sys.argv[1:3])
rows = [
    ("request round trips, one at a time", python["round_trips_sequential_per_s"],
     rust["round_trips_sequential_per_s"]),
    (f"request round trips, many at once (Python: {python['pipelined']} queued; Rust: "
     f"{rust['in_flight']} in flight)", python["round_trips_pipelined_per_s"],
     rust["round_trips_concurrent_per_s"]),
    ("notifications received and decoded", python["notifications_per_s"],
     rust["notifications_per_s"]),
]
print(f"\nsame mock-room process, same machine (Python queue interval "
      f"{python['queue_interval_s'] * 1000:.0f} ms)")
print("| measurement | Python client | Rust client | Rust ÷ Python |")
print("|---|---|---|---|")
for name, slow, fast in rows:
    print(f"| {name} | {slow:,.1f} /s | {fast:,.0f} /s | {fast / slow:,.1f}× |")
print(f"| notifications, bare WebSocket reader (floor of the mock) | | "
      f"{rust['notifications_floor_per_s']:,.0f} /s | |")
PY

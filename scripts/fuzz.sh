#!/usr/bin/env bash
# Fuzz the decoders, the re-encoding and the definition loader with cargo-fuzz (libFuzzer).
#
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET ...]     (default: 60 s, every target)
#
# Runs on the stable toolchain (RUSTC_BOOTSTRAP lets cargo-fuzz pass its -Z flags; no
# sanitizer, since stable has none). Seeds are the documented examples and the definitions
# themselves, regenerated on every run; a JSON dictionary of every wire key guides mutation.
# A crash stops the run and leaves the input in fuzz/artifacts/<target>/; turn it into a
# regression test in tests/hostile.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(server_message client_message reencode definitions)

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

python3 - <<'PY'
import json, glob, os
seeds = {t: f"fuzz/seeds/{t}" for t in ["server_message", "client_message", "reencode", "definitions"]}
for d in seeds.values():
    os.makedirs(d, exist_ok=True)
keys = set()
def walk(value):
    if isinstance(value, dict):
        for k, v in value.items():
            keys.add(k); walk(v)
    elif isinstance(value, list):
        for v in value: walk(v)
for path in sorted(glob.glob("schema/*/*.json")):
    text = open(path).read()
    name = os.path.basename(path)
    open(f"{seeds['definitions']}/{name}", "w").write(text)
    definition = json.loads(text)
    for i, example in enumerate(definition.get("examples", [])):
        if "json" not in example:
            continue
        walk(example["json"])
        line = json.dumps(example["json"], separators=(",", ":"))
        target = "client_message" if example["role"] == "request" else "server_message"
        for t in (target, "reencode"):
            open(f"{seeds[t]}/{name[:-5]}-{i}", "w").write(line)
with open("fuzz/json.dict", "w") as out:
    for token in sorted(keys | {"method", "event", "requestId", "result", "error"}):
        out.write(json.dumps(json.dumps(token)) + "\n")
    for token in ['"event"', "true", "false", "null", "{", "}", "[", "]", ":", ",", "\\\\u0000", "1e400", "18446744073709551616", "-1"]:
        out.write(json.dumps(token) + "\n")
PY

for target in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$target"
    echo "== $target: ${seconds}s"
    (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer none -O "$target" \
        "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=65536 \
        -dict=json.dict -print_final_stats=1)
done

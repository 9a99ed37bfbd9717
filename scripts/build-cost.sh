#!/usr/bin/env bash
# Build cost of the crate, and proof that an unchanged schema never reruns the generator.
#
#   bash scripts/build-cost.sh
#
# Uses its own target folder (target/build-cost) so the numbers are clean builds, and fails
# (exit 1) if a rebuild with an unchanged schema runs the build script, or if touching a
# definition does not.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="$PWD/target/build-cost"
rm -rf "$CARGO_TARGET_DIR"

seconds() { local start=$SECONDS; "$@" >/dev/null 2>&1; echo $((SECONDS - start)); }

echo "clean cargo build (default features):      $(seconds cargo build --lib) s"
echo "clean cargo build --release:                $(seconds cargo build --lib --release) s"
rm -rf "$CARGO_TARGET_DIR"
echo "clean cargo build --no-default-features:    $(seconds cargo build --lib --no-default-features) s"
cargo build --lib >/dev/null 2>&1

# Unchanged schema: cargo must consider the build script fresh.
log=$(cargo build --lib -v 2>&1)
if grep -q 'Running `.*trueconf-api-[0-9a-f]*/build-script-build`' <<<"$log"; then
    echo "FAIL: the generator reran although nothing changed" >&2
    exit 1
fi
grep -q 'Fresh trueconf-api ' <<<"$log" || { echo "FAIL: trueconf-api was not fresh" >&2; exit 1; }
echo "rebuild, unchanged schema:                  generator not rerun (trueconf-api Fresh)"

# A changed definition file must rerun it (and only then).
touch schema/types/FileId.json
log=$(cargo build --lib -v 2>&1)
if ! grep -q 'Running `.*trueconf-api-[0-9a-f]*/build-script-build`' <<<"$log"; then
    echo "FAIL: touching a definition did not rerun the generator" >&2
    exit 1
fi
echo "rebuild, touched schema/types/FileId.json:  generator reran"

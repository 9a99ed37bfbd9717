#!/usr/bin/env bash
# What depending on trueconf-api costs a user's build, beside a comparable protocol-types crate
# (lsp-types 0.97, ~500 hand-written types), and proof that an unchanged schema never reruns
# the generator.
#
#   bash scripts/build-cost.sh
#
# Three one-line projects, each in its own folder with its own clean target folder, are built
# one after the other in debug (what `cargo build` does): one depends on trueconf-api with
# default features, one with `default-features = false` (no client tier), one on lsp-types.
# Three more decode one message, through trueconf-api (both ways) and through lsp-types, since
# decoders are compiled where used. Sources are
# fetched before the clock starts. Incremental compilation is off, as for any crate that comes
# from a registry. Prints the seconds and the ratio to lsp-types; exits 1 if the rebuild checks
# fail. Needs the crates.io registry for lsp-types (once).
set -euo pipefail
cd "$(dirname "$0")/.."
crate_dir="$PWD"
work="$crate_dir/target/build-cost"
rm -rf "$work"
mkdir -p "$work"
export CARGO_INCREMENTAL=0
unset CARGO_TARGET_DIR RUSTFLAGS

# project NAME DEPENDENCY-LINE EXPRESSION: a binary that prints EXPRESSION.
project() {
    local dir="$work/$1"
    mkdir -p "$dir/src"
    cat >"$dir/Cargo.toml" <<EOF
[package]
name = "$1"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
$2

[workspace]
EOF
    printf 'fn main() {\n    println!("{}", %s);\n}\n' "$3" >"$dir/src/main.rs"
    (cd "$dir" && cargo fetch --quiet)
}

# seconds NAME: a clean debug build of the project, in seconds with one decimal.
seconds() {
    local dir="$work/$1" start end
    rm -rf "$dir/target"
    start=$(date +%s.%N)
    (cd "$dir" && cargo build --quiet) >/dev/null
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }'
}

project with-trueconf-api "trueconf-api = { path = \"$crate_dir\" }" \
    "trueconf_api::COMMAND_NAMES.len()"
project with-trueconf-api-no-default \
    "trueconf-api = { path = \"$crate_dir\", default-features = false }" \
    "trueconf_api::COMMAND_NAMES.len()"
project with-lsp-types 'lsp-types = "=0.97.0"' \
    "std::mem::size_of::<lsp_types::InitializeParams>()"
# The same, decoding one message: the decoders are compiled where they are called (ours: every
# message type behind ServerMessage; lsp-types: the types under InitializeParams).
project decoding-with-trueconf-api "trueconf-api = { path = \"$crate_dir\" }" \
    "trueconf_api::ServerMessage::from_str(\"{}\").is_err()"
project decoding-with-trueconf-api-no-default \
    "trueconf-api = { path = \"$crate_dir\", default-features = false }" \
    "trueconf_api::ServerMessage::from_str(\"{}\").is_err()"
project decoding-with-lsp-types 'lsp-types = "=0.97.0"
serde_json = "1"' \
    "serde_json::from_str::<lsp_types::InitializeParams>(\"{}\").is_err()"

ours=$(seconds with-trueconf-api)
lean=$(seconds with-trueconf-api-no-default)
lsp=$(seconds with-lsp-types)
ours_decoding=$(seconds decoding-with-trueconf-api)
lean_decoding=$(seconds decoding-with-trueconf-api-no-default)
lsp_decoding=$(seconds decoding-with-lsp-types)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "clean debug build of a one-line project ($(nproc) cores):"
echo "  trueconf-api (default features):          $ours s   ratio to lsp-types $(ratio "$ours" "$lsp")"
echo "  trueconf-api (default-features = false):  $lean s   ratio to lsp-types $(ratio "$lean" "$lsp")"
echo "  lsp-types 0.97:                           $lsp s"
echo "the same, decoding one message:"
echo "  trueconf-api, ServerMessage::from_str:    $ours_decoding s   ratio to lsp-types $(ratio "$ours_decoding" "$lsp_decoding")"
echo "  the same, default-features = false:       $lean_decoding s   ratio to lsp-types $(ratio "$lean_decoding" "$lsp_decoding")"
echo "  lsp-types, serde_json::from_str:          $lsp_decoding s"

# Unchanged schema: cargo must consider the build script fresh.
export CARGO_TARGET_DIR="$work/crate-target"
cd "$crate_dir"
cargo build --lib --quiet
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

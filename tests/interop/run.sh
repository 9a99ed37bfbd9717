#!/usr/bin/env bash
# Interop suites: other languages' own tools on the exported JSON Schema and AsyncAPI
# document (TypeScript: json-schema-to-typescript + tsc --strict, ajv; Python:
# datamodel-code-generator + pydantic v2, jsonschema; AsyncAPI: @asyncapi/parser, modelina);
# then checks that the conformance corpus generated from TrueConf's Python client
# (tests/conformance/python) is what the pinned client produces, that the pinned client
# opens a session against `trueconf-api mock-room` and accepts its answers, and that the same
# session holds through `trueconf-api proxy`, whose recording and summary must agree with what
# the client saw (trueconf_client/mock_room_session.py).
#
#   bash tests/interop/run.sh
#
# Installs pinned packages from the committed lock files (npm ci; pip from
# python/requirements.lock into target/interop/venv). Needs node/npm and python3.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/target/interop"
mkdir -p "$out"

cd "$root"
cargo run --release --quiet --features cli -- schema --out "$out/jsonschema"
cargo run --release --quiet --features cli -- asyncapi --out "$out/asyncapi.json"

echo "== TypeScript, ajv and AsyncAPI"
cd "$here"
npm ci --no-audit --no-fund --loglevel=error
node run.mjs

echo "== Python"
if [ ! -x "$out/venv/bin/python" ]; then
    python3 -m venv "$out/venv"
fi
"$out/venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/python/requirements.lock"
mkdir -p "$out/python"
"$out/venv/bin/datamodel-codegen" \
    --input "$out/jsonschema/trueconf-api.json" --input-file-type jsonschema \
    --output "$out/python/trueconf_api_models.py" \
    --output-model-type pydantic_v2.BaseModel --use-title-as-name \
    --target-python-version 3.11 --field-constraints --disable-timestamp 2>/dev/null
"$out/venv/bin/python" -m pytest -q -p no:cacheprovider "$here/python"

echo "== Conformance corpus from TrueConf's Python client is current"
bash "$root/tests/conformance/python/run.sh"

echo "== TrueConf's Python client against mock-room"
"$root/target/conformance/venv/bin/python" "$here/trueconf_client/mock_room_session.py" \
    "$root/target/release/trueconf-api"

echo "== TrueConf's Python client through trueconf-api proxy against mock-room"
"$root/target/conformance/venv/bin/python" "$here/trueconf_client/mock_room_session.py" \
    "$root/target/release/trueconf-api" --through-proxy

#!/usr/bin/env bash
# Conformance corpus from TrueConf's own Python client: installs the pinned client
# (requirements.lock, hash-checked) into target/conformance/venv and checks that the committed
# fixtures are exactly what generate.py produces from it.
#
#   bash tests/conformance/python/run.sh
#
# Then `trueconf-api check tests/conformance/python/requests.jsonl` checks the corpus itself
# (see ../ANALYSIS.md for the lines that are not plain `ok`, and why).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
venv="$root/target/conformance/venv"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes -r "$here/requirements.lock"
"$venv/bin/python" "$here/generate.py" --check "$here"

"""Python's own tools on the exported schema: datamodel-code-generator's pydantic v2 models
parse every documented example, the jsonschema package (draft 2020-12) validates them, and
both reject known-bad messages.

Run by tests/interop/run.sh, which generates the models into target/interop/python first.
"""

import importlib
import json
import os
import pathlib
import sys

import jsonschema
import pydantic
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
OUT = ROOT / "target" / "interop"
sys.path.insert(0, str(OUT / "python"))
models = importlib.import_module("trueconf_api_models")

BUNDLE = json.loads((OUT / "jsonschema" / "trueconf-api.json").read_text())
FOLDER = {"request": "requests", "response": "responses", "notification": "notifications"}


def title_of(role, name):
    for title, schema in BUNDLE["$defs"].items():
        if schema.get("x-wire-name") != name:
            continue
        direction = schema.get("x-direction")
        kind = "request" if direction == "client-to-server" else "response" if "oneOf" in schema else "notification"
        if kind == role:
            return title
    raise LookupError(f"no schema for {role} {name}")


def examples():
    found = []
    for folder in ("commands", "notifications"):
        for path in sorted((ROOT / "schema" / folder).glob("*.json")):
            definition = json.loads(path.read_text())
            for index, example in enumerate(definition.get("examples", [])):
                if "json" in example:
                    found.append(pytest.param(example["role"], definition["name"], example["json"], id=f"{definition['name']}-{index}-{example['role']}"))
    return found


def validator(role, name):
    schema = json.loads((OUT / "jsonschema" / FOLDER[role] / f"{name}.json").read_text())
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("role,name,message", examples())
def test_every_example_parses_into_its_model(role, name, message):
    model = getattr(models, title_of(role, name))
    parsed = model.model_validate(message)
    assert parsed is not None


@pytest.mark.parametrize("role,name,message", examples())
def test_every_example_is_valid_for_jsonschema(role, name, message):
    errors = list(validator(role, name).iter_errors(message))
    assert not errors, errors


BAD = [
    ("response", "getFileTransferHistory", {"method": "getFileTransferHistory", "requestId": "1", "result": True,
        "filesRequests": [{"directionType": 0, "fileName": "2.jpg", "fileSize": "big", "timestamp": 1, "fileRequestId": "x", "fileId": 1}]}),
    ("response", "getFileTransferHistory", {"method": "getFileTransferHistory", "requestId": "1", "result": True}),
    ("request", "sendFile", {"method": "sendFile", "requestId": "1", "fileId": 260618251}),
    ("notification", "receivedFileRequest", {"method": "event", "event": "receivedFileRequest", "fileRequestId": "x", "peerId": "p", "peerDn": "p", "fileSize": 1, "timestamp": 1}),
    ("notification", "fileTransferAvailabilityChanged", {"method": "event", "event": "fileTransferAvailabilityChanged", "availability": "three"}),
]


@pytest.mark.parametrize("role,name,message", BAD)
def test_bad_messages_are_rejected_by_the_models(role, name, message):
    model = getattr(models, title_of(role, name))
    with pytest.raises(pydantic.ValidationError):
        model.model_validate(message)


@pytest.mark.parametrize("role,name,message", BAD)
def test_bad_messages_are_rejected_by_jsonschema(role, name, message):
    assert list(validator(role, name).iter_errors(message))


def test_model_names_are_readable():
    names = [name for name in dir(models) if isinstance(getattr(models, name), type) and issubclass(getattr(models, name), pydantic.BaseModel)]
    assert "GetFileTransferHistoryRequest" in names
    assert "FileTransferHistoryEntry" in names
    numbered = [name for name in names if name[-1].isdigit() and name not in ("pydantic",)]
    assert not numbered, f"generated names with numeric suffixes: {numbered}"

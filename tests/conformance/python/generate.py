#!/usr/bin/env python3
"""Conformance corpus from TrueConf's own Python client (python-trueconf-room, pinned in
requirements.lock).

Nothing here is copied from the client: we import the installed package and *run* it. Every
public method of `trueconf_room.methods.Methods` is called against a stand-in that records the
dict it would send; the session's own messages are captured by calling the VideoSDK object's
private methods with its websocket replaced. The filters are read from `consts.METHOD_RESPONSE`
and `consts.EVENT`, and the session's internal filters by watching `check_schema` while the
session processes one message.

    python generate.py [OUT_DIR]          write requests.jsonl, requests.labels.json, filters.json
    python generate.py --check [OUT_DIR]  regenerate into a temp folder; exit 1 if OUT_DIR differs

OUT_DIR defaults to this script's folder (where the committed fixtures live).
"""
import argparse
import inspect
import json
import os
import re
import sys
import tempfile
from importlib import metadata
from pathlib import Path

PACKAGE = "python-trueconf-room"

# Importing trueconf_room opens a RotatingFileHandler on ./videosdk.log (a side effect of the
# package); import from a scratch folder so no log file lands in the repository.
_scratch = tempfile.TemporaryDirectory()
_cwd = os.getcwd()
os.chdir(_scratch.name)
try:
    import trueconf_room
    from trueconf_room import consts, methods
finally:
    os.chdir(_cwd)

PKG_DIR = Path(trueconf_room.__file__).parent

# Sample values. A parameter's first candidate is its "primary" value; the others are tried one
# at a time to reach every branch of the client (falsy values reach `if inviteList:` and
# `if enabled == True:`; the listed authType values reach setAuthParams' three branches).
BY_TYPE = {
    bool: [True, False],
    int: [1, 0],
    str: ["sample", ""],
    list: [["user1@some.server", "user2@some.server"], []],
    dict: [{"audioPlayLevel": 0.55}, {}],
}
# String parameters whose name says what they hold: realistic values make the corpus readable.
STR_BY_NAME = {
    "peerId": "user1@some.server", "callId": "user1@some.server", "id": "user1@some.server",
    "deviceId": "user1@some.server", "cameraOwnerCallId": "user1@some.server",
    "callId1": "user1@some.server", "callId2": "user2@some.server",
    "peerDn": "User One", "password": "secret", "secret": "secret", "title": "Planning",
    "message": "hello", "server": "some.server", "serverName": "some.server",
    "containerName": "testContainer", "data": "payload", "flags": "def", "symbol": "1",
    "version": "2", "newName": "New name", "command": "ping", "key": "XXXX-XXXX-XXXX",
}
INT_BY_NAME = {"rotateAngle": 90, "count": 10, "port": 4307, "fileId": 268535454}
# Parameters with a closed set of meaningful values: every value is its own variant, even when
# the wire shape does not change. confType takes the client's own CONFTYPE_* constants (in
# definition order), so the corpus shows what a caller using them really sends.
ENUMS = {
    "confType": [v for k, v in vars(consts).items() if k.startswith("CONFTYPE_")],
    "authType": ["password", "pin", "unsecured"],
    "userType": ["admin", "user"],
}


def candidates(param):
    """Values to try for one parameter, primary first."""
    if param.name in ENUMS:
        return list(ENUMS[param.name])
    ann = param.annotation if param.annotation is not inspect.Parameter.empty else str
    values = list(BY_TYPE[ann])
    if ann is str and param.name in STR_BY_NAME:
        values[0] = STR_BY_NAME[param.name]
    if ann is int and param.name in INT_BY_NAME:
        values[0] = INT_BY_NAME[param.name]
    if param.default is None:  # `x: T = None` lets a caller pass None explicitly
        values.append(None)
    return values


class Recorder:
    """Stands in for VideoSDK behind Methods: `command(dict)` only records."""

    def __init__(self):
        self.sent = []

    def command(self, command):
        # A JSON round trip freezes the dict as sent (keys in the client's order).
        self.sent.append(json.loads(json.dumps(command)))


def shape(msg):
    """Keys in order with the JSON type of each value: two variants with the same shape add nothing."""
    return tuple((k, type(v).__name__) for k, v in msg.items())


def source_of(func):
    path, line = inspect.getsourcefile(func), inspect.getsourcelines(func)[1]
    return f"{Path(path).name}:{line}"


def method_variants(func):
    """(label, kwargs) for every variant worth calling, primary call first."""
    params = [p for p in inspect.signature(func).parameters.values() if p.name != "self"]
    primary = {p.name: candidates(p)[0] for p in params}
    out = [("args" if params else "no-args", dict(primary))]
    if any(p.default is not inspect.Parameter.empty for p in params):
        out.append(("defaults-omitted",
                    {p.name: primary[p.name] for p in params if p.default is inspect.Parameter.empty}))
    for p in params:
        for value in candidates(p)[1:]:
            out.append((f"{p.name}={json.dumps(value)}", {**primary, p.name: value}))
    return out


def capture_methods():
    rows = []
    for name, func in inspect.getmembers(methods.Methods, inspect.isfunction):
        if name.startswith("_"):
            continue
        kept = {}  # shape -> row, so identical wire shapes collapse into one line
        for label, kwargs in method_variants(func):
            rec = Recorder()
            getattr(methods.Methods(rec), name)(**kwargs)
            for msg in rec.sent:
                # a variant of an ENUMS parameter is kept whatever its shape
                key = (shape(msg), label) if label.split("=")[0] in ENUMS else shape(msg)
                if key in kept:
                    kept[key]["sameShapeAs"].append(label)
                    continue
                kept[key] = {"message": msg, "function": f"Methods.{name}",
                             "source": source_of(func), "variant": label,
                             "args": kwargs, "sameShapeAs": []}
                rows.append(kept[key])
    return rows


class SocketStandIn:
    """Replaces VideoSDK.websocket: `send(text)` records the JSON text the session writes."""

    def __init__(self):
        self.sent = []

    def send(self, text):
        self.sent.append(json.loads(text))


def new_session():
    sdk = trueconf_room.VideoSDK(debug=False)
    sdk.websocket = SocketStandIn()
    return sdk


def capture_session():
    """The session's own requests, sent straight to the websocket by private methods."""
    calls = [("_VideoSDK__auth", {"pin": "1234"}, "pin"),
             ("_VideoSDK__auth", {"pin": ""}, "no-pin"),
             ("_VideoSDK__auth", {"pin": None}, "pin=null"),
             ("_VideoSDK__request_info", {}, "no-args"),
             ("_VideoSDK__get_conferences", {}, "no-args")]
    rows = []
    for attr, kwargs, label in calls:
        sdk = new_session()
        func = getattr(sdk, attr)
        func(**kwargs)
        fname = "VideoSDK." + attr.replace("_VideoSDK", "")
        for i, msg in enumerate(sdk.websocket.sent):
            variant = label if len(sdk.websocket.sent) == 1 else f"{label}#{i + 1}"
            rows.append({"message": msg, "function": fname, "source": source_of(func),
                         "variant": variant, "args": kwargs, "sameShapeAs": []})
    return rows


def consts_lines():
    """Line in consts.py of each `EV_x:` / `M_x:` entry of the EVENT and METHOD_RESPONSE tables."""
    text = (PKG_DIR / "consts.py").read_text(encoding="utf-8-sig").split("\n")  # as editors number lines
    lines, table = {}, None
    for n, line in enumerate(text, 1):
        m = re.match(r"^(EVENT|METHOD_RESPONSE)\s*=\s*\{", line)
        if m:
            table = m.group(1)
            continue
        m = re.match(r"^\s*((?:EV|M)_\w+)\s*:", line)
        if table and m:
            lines.setdefault((table, m.group(1)), n)
    return lines


def filter_row(table, entry, flt, source, kind):
    """One filter: `message` is the wire name it matches (the `event` or `method` value it
    constrains, which may differ from the table key), or "*" when it names no message."""
    constrained = {k: v for k, v in flt.items() if v is not None}
    name = constrained.get("event" if kind == "event" else "method")
    return {"table": table, "entry": entry, "kind": kind,
            "message": name if isinstance(name, str) else "*",
            "source": source, "requires": sorted(flt), "constrained": constrained}


def capture_filters():
    rows, lines = [], consts_lines()
    for table, kind, prefix in (("METHOD_RESPONSE", "response", "M_"), ("EVENT", "event", "EV_")):
        names = {v: k for k, v in vars(consts).items() if k.startswith(prefix) and isinstance(v, str)}
        for entry, flt in getattr(consts, table).items():
            line = lines.get((table, names.get(entry)))
            rows.append(filter_row(table, entry, flt, f"consts.py:{line}", kind))

    # The session's own filters are literals inside its private methods: watch check_schema while
    # it processes one harmless message, and note each filter with the line that used it.
    seen = []
    real = trueconf_room.check_schema

    def watch(schema, data, *rest):
        caller = sys._getframe(1)
        seen.append((dict(schema), caller.f_code.co_name.replace("_VideoSDK", ""), caller.f_lineno))
        return real(schema, data, *rest)

    trueconf_room.check_schema = watch
    try:
        new_session()._VideoSDK__process_message(json.dumps({"method": "noSuchMethod"}))
    finally:
        trueconf_room.check_schema = real
    for flt, func, line in seen:
        kind = "event" if flt.get("event") else "response" if flt.get("method") else "any"
        rows.append(filter_row("session", f"VideoSDK.{func}", flt, f"__init__.py:{line}", kind))
    return rows


def generate(out):
    out.mkdir(parents=True, exist_ok=True)
    rows = capture_methods() + capture_session()
    # Stable order: wire method, then client function, then variant label.
    rows.sort(key=lambda r: (r["message"].get("method", ""), r["function"], r["variant"]))
    version = metadata.version(PACKAGE)
    with open(out / "requests.jsonl", "w", encoding="utf-8", newline="\n") as f:
        for r in rows:
            f.write(json.dumps(r["message"], separators=(",", ":")) + "\n")
    labels = {"package": PACKAGE, "version": version,
              "note": "entry N describes line N of requests.jsonl",
              "requests": [{"line": i, **{k: v for k, v in r.items() if k != "message"}}
                           for i, r in enumerate(rows, 1)]}
    filters = {"package": PACKAGE, "version": version,
               "note": "a filter matches a message that has every key in `requires`; a key in "
                       "`constrained` must also equal that value (strings compared case-insensitively)",
               "filters": capture_filters()}
    for name, doc in (("requests.labels.json", labels), ("filters.json", filters)):
        (out / name).write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    return ["requests.jsonl", "requests.labels.json", "filters.json"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", nargs="?", type=Path, default=Path(__file__).resolve().parent)
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temp folder and fail if OUT differs")
    args = ap.parse_args()
    if not args.check:
        names = generate(args.out)
        print(f"wrote {', '.join(names)} to {args.out}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        stale = [n for n in generate(Path(tmp))
                 if not (args.out / n).is_file()
                 or (args.out / n).read_bytes() != (Path(tmp) / n).read_bytes()]
    if stale:
        print(f"out of date in {args.out}: {', '.join(stale)} (re-run generate.py)", file=sys.stderr)
        return 1
    print(f"{args.out}: fixtures match {PACKAGE} {metadata.version(PACKAGE)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

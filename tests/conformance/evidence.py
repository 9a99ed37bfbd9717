#!/usr/bin/env python3
"""The client part of the evidence index: schema/evidence/clients.json from the conformance
scans of TrueConf's clients (format: /work/shared EVIDENCE-FORMAT, copied in schema/evidence).

    python tests/conformance/evidence.py [--check]

Reads only files committed under tests/conformance (run the scanners first to refresh them):

| source                      | requests                  | filters / handlers / reads            |
|-----------------------------|---------------------------|---------------------------------------|
| python-trueconf-room 1.0.0  | python/requests.*         | python/filters.json, pystatic/python-session.handlers.json |
| pyVideoSDK @50dbd06         | the same, lines mapped by pyvideosdk/linemap.json |                |
| python-trueconf-room examples | -                       | pystatic/python-examples.handlers.json |
| Qt wrapper main, PR #7      | qt/requests[.pr7].*       | qt/requests[.pr7].handlers.json       |
| tcroom, tcroom-demo         | pystatic/tcroom[-demo].*  | pystatic/tcroom[-demo].handlers.json  |
| MAUI kiosk, C# wrappers, Qt sample | clike/<out>.*      | clike/<out>.handlers.json             |

Entries: `sends` with key null and the request as `literal` for every request row (one per
code site and variant), `sends` per key with the JSON type of the literal's value (no type where
the value is a placeholder with no type to go by), `omits` where a row of a source lacks a key
another row of the same source sends for that command (condition: the row's variant), `requires`
for every key of a filter (python, tcroom), `reads` for every key a handler or model reads, and
`handles` (key null) for every message a client registers a handler or filter for. Envelope keys
(method, event, requestId, and result/error of command responses) are left out of key entries.
A read of a nested key is given to the record the definitions use for its parent (looked up from
the parent field's type); when the parent is not typed, the entry keeps the message as subject
and the key is the dotted path ("DSCaptureList.id"), which the note says.
"""
import json
import re
import sys
from pathlib import Path

import regen

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = ROOT / "schema" / "evidence" / "clients.json"
ENVELOPE = {"method", "event", "requestId"}
JSON_TYPE = {str: "string", int: "integer", float: "number", bool: "boolean", list: "array",
             dict: "object", type(None): "null"}


def load(rel):
    return json.loads((HERE / rel).read_text(encoding="utf-8"))


def jsonl(rel):
    return [json.loads(line) for line in (HERE / rel).read_text(encoding="utf-8").splitlines()]


class Definitions:
    """Field types of schema/ definitions, to give nested keys to their records."""

    def __init__(self):
        self.subjects = {}
        # A union holds its record alternative's objects (HiddenVideoSlot -> HiddenVideoSlotEntry).
        self.unions = {}
        for kind in ("commands", "notifications", "types"):
            for f in sorted((ROOT / "schema" / kind).glob("*.json")):
                d = json.loads(f.read_text(encoding="utf-8"))
                if kind == "commands":
                    for part in ("request", "response"):
                        self.subjects[f"commands/{d['name']}#{part}"] = self.fields(d.get(part, {}).get("fields", []))
                elif kind == "notifications":
                    self.subjects[f"notifications/{d['name']}"] = self.fields(d.get("fields", []))
                elif d.get("kind") == "record":
                    self.subjects[f"types/{d['name']}"] = self.fields(d.get("fields", []))
                elif d.get("kind") == "union":
                    self.unions[d["name"]] = [v["type"] for v in d.get("variants", [])]

    def record(self, type_expr):
        """The subject of the record a field of this type holds (through [], map<> and a
        union's record alternative), or None."""
        t = re.sub(r"^map<(.*)>$", r"\1", (type_expr or "").strip())
        t = re.sub(r"(\[\])+$", "", t)
        if f"types/{t}" in self.subjects:
            return f"types/{t}"
        for alternative in self.unions.get(t, []):
            if f"types/{alternative}" in self.subjects:
                return f"types/{alternative}"
        return None

    @staticmethod
    def fields(fields):
        out = {}
        for fl in fields:
            for name in [fl["name"]] + [a["name"] for a in fl.get("aliases", [])]:
                out[name] = fl["type"]
        return out

    def resolve(self, subject, path):
        """(subject, key, dotted) for a key path read from a message."""
        for i, key in enumerate(path[:-1]):
            record = self.record(self.subjects.get(subject, {}).get(key))
            if record:
                subject = record
                continue
            return subject, ".".join(path[i:]), True
        return subject, path[-1], False


def subject_of(kind, name):
    if kind in ("request",):
        return f"commands/{name}#request"
    if kind in ("response", "responses"):
        return f"commands/{name}#response"
    return f"notifications/{name}"


def split_source(src):
    file, line = src.rsplit(":", 1)
    return file, int(line)


def json_type(value):
    return JSON_TYPE[type(value)]


def keep_key(subject, key):
    if key in ENVELOPE:
        return False
    return not (subject.endswith("#response") and key in ("result", "error"))


class Index:
    def __init__(self, defs):
        self.defs, self.sources, self.entries, self.seen = defs, {}, [], set()

    def add(self, **e):
        e = {k: v for k, v in e.items() if v is not None or k == "key"}
        mark = json.dumps(e, sort_keys=True)
        if mark not in self.seen:
            self.seen.add(mark)
            self.entries.append(e)

    # ---- requests ------------------------------------------------------------------------
    def requests(self, source, rows, file_prefix="", path_of=None):
        """rows: (message, label) pairs; label has source, function, variant/samples/notes."""
        by_method = {}
        for msg, label in rows:
            by_method.setdefault(msg["method"], []).append((msg, label))
        for method, group in sorted(by_method.items()):
            subject = f"commands/{method}#request"
            union = []
            for msg, _ in group:
                union += [k for k in msg if k != "method" and k not in union]
            for msg, label in group:
                file, line = split_source(label["source"])
                file = path_of(file) if path_of else file_prefix + file
                if line is None:
                    continue
                sampled = label.get("samples") or []
                untyped = label.get("untyped_keys") or []
                note = [f"{label['function']}"]
                if label.get("variant") and label["variant"] not in ("always",):
                    note.append(f"variant {label['variant']}")
                if label.get("args"):
                    note.append(f"sample arguments {json.dumps(label['args'])}")
                if sampled:
                    note.append(f"values of {', '.join(sampled)} are samples of the argument's type")
                if label.get("params_unknown"):
                    note.append(f"the wire keys are built by a library not in the repository from the "
                                f"argument(s) `{label['params_unknown']}`: only the method name is certain")
                elif label.get("params_unknown", "absent") is None:
                    note.append("built by a library not in the repository: only the method name is certain")
                self.add(subject=subject, key=None, source=source, file=file, line=line, says="sends",
                         literal=msg, note="; ".join(note))
                for key, value in msg.items():
                    if key == "method":
                        continue
                    typ = None if key in untyped else json_type(value)
                    self.add(subject=subject, key=key, source=source, file=file, line=line, says="sends",
                             type=typ, note=None if typ else "value is a variable the source gives no type for")
                for key in union:
                    if key not in msg:
                        cond = label.get("variant") or "this code site"
                        if cond == "always":
                            cond = "this code site never sends it"
                        self.add(subject=subject, key=key, source=source, file=file, line=line, says="omits",
                                 condition=f"{label['function']}: {cond}",
                                 note="another request of the same client for this command sends the key")

    # ---- filters, handlers, reads --------------------------------------------------------
    def filters(self, source, rows, path_of):
        for f in rows:
            if f["message"] == "*" or f["kind"] not in ("response", "event", "notification"):
                continue
            kind = "response" if f["kind"] == "response" else "notification"
            subject = subject_of(kind, f["message"])
            file, line = split_source(f["source"])
            file = path_of(file)
            if line is None:
                continue
            where = f.get("table") or "filter"
            self.add(subject=subject, key=None, source=source, file=file, line=line, says="handles",
                     note=f"{where} {f.get('entry', f['message'])}: a message filter the client matches")
            for key in f["requires"]:
                if keep_key(subject, key):
                    self.add(subject=subject, key=key, source=source, file=file, line=line, says="requires",
                             note="the filter matches only messages that have this key")

    def handles(self, source, rows, path_of):
        for h in rows:
            file, line = split_source(h["source"])
            file = path_of(file)
            if line is None:
                continue
            self.add(subject=subject_of(h["kind"], h["message"]), key=None, source=source, file=file,
                     line=line, says="handles", note=h.get("via"))

    def reads(self, source, rows, path_of, model=False):
        for r in rows:
            base = subject_of(r["kind"], r["message"])
            subject, key, dotted = self.defs.resolve(base, r["path"])
            if len(r["path"]) == 1 and not keep_key(subject, key):
                continue
            file, line = split_source(r["source"])
            file = path_of(file)
            if line is None:
                continue
            note = []
            if model:
                note.append(f"property of the model {r['model']}" + (f" (array of {r['items']})" if r.get("items") else "")
                            + (f", which the code fills from the message at {r['used']}" if r.get("used")
                               else " (the kiosk's code never converts a message to this model)"))
            elif r.get("via"):
                note.append(r["via"])
            if len(r["path"]) > 1:
                note.append(f"read as {'.'.join(r['path'])} of {base}"
                            + (" (parent not typed: key is the dotted path)" if dotted else ""))
            self.add(subject=subject, key=key, source=source, file=file, line=line, says="reads",
                     type=r.get("type"), note="; ".join(note) or None)


def python_path(file):
    return file if file.startswith("trueconf_room/") else f"trueconf_room/{file}"


def mapper(linemap):
    """python-trueconf-room file:line -> pyVideoSDK file:line (None where the lines differ)."""
    def path_line(file, line):
        name = file.removeprefix("trueconf_room/")
        m = linemap["files"].get(name)
        if not m:
            return None, None
        for a, b, n in m["runs"]:
            if a <= line < a + n:
                return name, b + line - a
        return name, None
    return path_line


def build():
    defs = Definitions()
    idx = Index(defs)
    pins = {"qt": load("qt/pin.json"), "pystatic": load("pystatic/pin.json"), "clike": load("clike/pin.json"),
            "pyvideosdk": load("pyvideosdk/pin.json")}
    lock = (HERE / "python/requirements.lock").read_text()
    sha = re.search(r"python-trueconf-room==1\.0\.0 \\\s*--hash=sha256:(\w+)", lock).group(1)

    idx.sources["python-trueconf-room-1.0.0"] = {
        "kind": "client", "url": "https://pypi.org/project/python-trueconf-room/1.0.0/", "version": "1.0.0",
        "commit": "5a4583f11c5a2331b84eb44d39d5ab49d6f9c562", "date": "2025-12-24", "family": "websocket-v1",
        "note": f"TrueConf's Python client from PyPI (wheel sha256 {sha}, pinned in "
                "tests/conformance/python/requirements.lock); its files equal the git tag v1.0.0 of "
                "TrueConf/python-trueconf-room (commit above). Requests come from running every public "
                "method with sample arguments (python/generate.py); filters from its EVENT and "
                "METHOD_RESPONSE tables and session code."}
    py_rows = list(zip(jsonl("python/requests.jsonl"), load("python/requests.labels.json")["requests"]))
    ident = lambda f: f
    idx.requests("python-trueconf-room-1.0.0", py_rows, path_of=python_path)
    idx.filters("python-trueconf-room-1.0.0", load("python/filters.json")["filters"], python_path)
    session = load("pystatic/python-session.handlers.json")
    idx.reads("python-trueconf-room-1.0.0", session["reads"], ident)
    idx.handles("python-trueconf-room-1.0.0", session["handles"], ident)

    # pyVideoSDK: the same code, cited at its own lines
    pv = pins["pyvideosdk"]
    to_pv = mapper(load("pyvideosdk/linemap.json"))

    idx.sources["pyvideosdk-50dbd06"] = {
        "kind": "client", "url": f"https://github.com/{pv['repo']}", "commit": pv["commit"], "date": pv["date"],
        "family": "websocket-v1",
        "note": "TrueConf/pyVideoSDK, the repository schema/known.json cites; the same code as "
                "python-trueconf-room 1.0.0 apart from its package name (tests/conformance/pyvideosdk/"
                "linemap.json), so its entries repeat that source's at pyVideoSDK's own lines and are not "
                "independent evidence."}
    start = len(idx.entries)
    for e in list(idx.entries[:start]):
        if e["source"] != "python-trueconf-room-1.0.0":
            continue
        file, line = to_pv(e["file"], e["line"])
        if line is None:
            continue
        idx.add(**{**e, "source": "pyvideosdk-50dbd06", "file": file, "line": line})

    ex = next(s for s in pins["pystatic"]["sources"] if s["id"] == "python-trueconf-room-examples")
    idx.sources["python-trueconf-room-examples"] = {
        "kind": "client", "url": f"https://github.com/{ex['repo']}", "version": "1.0.0", "commit": ex["commit"],
        "date": ex["date"], "family": "websocket-v1", "note": ex["note"]}
    h = load("pystatic/python-examples.handlers.json")
    idx.handles("python-trueconf-room-examples", h["handles"], ident)
    idx.reads("python-trueconf-room-examples", h["reads"], ident)

    qt = pins["qt"]
    for src in qt["sources"]:
        sid = "qt-wrapper-main-2f97576" if src["out"] == "requests" else "qt-wrapper-pr7-6bb7f52"
        idx.sources[sid] = {
            "kind": "client", "url": qt["repository"], "commit": src["commit"], "date": src["date"],
            "family": "websocket-v1",
            "note": ("TrueConf's Qt (C++) wrapper zoboff/videosdk, default branch main"
                     if src["out"] == "requests" else
                     "TrueConf's Qt (C++) wrapper zoboff/videosdk, head of the unmerged pull request #7 "
                     "(refs/pull/7/head), the code schema/known.json cites")
                    + "; requests are skeletons from qt/extract.py with placeholder values of the C++ type."}
        labels = load(f"qt/{src['out']}.labels.json")["requests"]
        idx.requests(sid, list(zip(jsonl(f"qt/{src['out']}.jsonl"), labels)), path_of=ident)
        h = load(f"qt/{src['out']}.handlers.json")
        idx.handles(sid, h["handles"], ident)
        idx.reads(sid, h["reads"], ident)

    for src in pins["pystatic"]["sources"]:
        if src["id"] not in ("tcroom", "tcroom-demo"):
            continue
        sid = f"{src['id']}-{src['commit'][:7]}"
        idx.sources[sid] = {"kind": "client", "url": f"https://github.com/{src['repo']}", "commit": src["commit"],
                            "date": src["date"], "family": "websocket-v1",
                            "note": src["note"] + " Read by tests/conformance/pystatic/scan.py (not run): "
                                                  "argument values are samples of the annotated type."}
        labels = load(f"pystatic/{src['out']}.labels.json")["requests"]
        idx.requests(sid, list(zip(jsonl(f"pystatic/{src['out']}.jsonl"), labels)), path_of=ident)
        h = load(f"pystatic/{src['out']}.handlers.json")
        idx.handles(sid, h["handles"], ident)
        idx.filters(sid, h["filters"], ident)
        idx.reads(sid, h["reads"], ident)

    for src in pins["clike"]["sources"]:
        sid = f"{src['id']}-{src['commit'][:7]}"
        idx.sources[sid] = {"kind": "client", "url": f"https://github.com/{src['repo']}", "commit": src["commit"],
                            "date": src["date"], "family": "maui" if src["id"] == "maui-kiosk" else "websocket-v1",
                            "note": src["note"] + " Read by tests/conformance/clike/scan.py (not compiled)."}
        labels = load(f"clike/{src['out']}.labels.json")["requests"]
        idx.requests(sid, list(zip(jsonl(f"clike/{src['out']}.jsonl"), labels)), path_of=ident)
        h = load(f"clike/{src['out']}.handlers.json")
        idx.handles(sid, h["handles"], ident)
        idx.reads(sid, h["reads"], ident)
        idx.reads(sid, h["model_reads"], ident, model=True)

    order = {s: i for i, s in enumerate(idx.sources)}
    verbs = {v: i for i, v in enumerate(["sends", "omits", "requires", "reads", "handles"])}
    idx.entries.sort(key=lambda e: (e["subject"], e["key"] or "", order[e["source"]], verbs[e["says"]],
                                    e["file"], e["line"], json.dumps(e.get("literal"), sort_keys=True)))
    doc = {
        "description": "Evidence from TrueConf's own clients (issue 18): what each pinned client sends, "
                       "omits, requires, reads and handles, with file and line in the pinned source. "
                       "Generated by tests/conformance/evidence.py from the scans committed under "
                       "tests/conformance (python/generate.py runs python-trueconf-room; qt/extract.py, "
                       "pystatic/scan.py and clike/scan.py read the other clients as text; "
                       "pyvideosdk/linemap.py maps lines). Rerun: the scanners (see each folder), then "
                       "`python3 tests/conformance/evidence.py`; `--check` fails when this file is stale. "
                       "Values in `literal` are the client's own where it writes constants and samples of "
                       "the argument's type where it takes arguments (the note says which). Envelope keys "
                       "(method, event, requestId, result and error of responses) are not listed per key. "
                       "A nested read whose parent the definitions do not type keeps the message as subject "
                       "with the dotted path as key.",
        "sources": idx.sources,
        "entries": idx.entries,
    }
    return regen.entries_text(doc)

def main():
    return regen.main_texts(__doc__, lambda: {OUT: build()})


if __name__ == "__main__":
    sys.exit(main())

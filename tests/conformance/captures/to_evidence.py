#!/usr/bin/env python3
"""The capture part of the evidence index: schema/evidence/captures.json from captures.json.

    python tests/conformance/captures/to_evidence.py [--check]

Only the entries of captures.json marked `real` (messages that look received from a live Room,
see FINDINGS.md) count as captures; hand-written and doc-copied samples are left out. For each
capture: `present` for every key it carries (nested objects and array items given to the record
the definitions use for that field), and `absent` for every key the definitions list for that
message or record that it lacks (for arrays: lacking in at least one item; the note counts).
Envelope keys (method, event, requestId, and result of responses) are not listed. Copies of one
capture in several repositories each get their entries, and the note names the original.
"""
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import regen  # noqa: E402
from evidence import ROOT, Definitions, json_type, keep_key  # noqa: E402

OUT = ROOT / "schema" / "evidence" / "captures.json"
SUBJECT = {"response": "commands/{}#response", "request": "commands/{}#request",
           "notification": "notifications/{}"}


def source_id(src):
    rev = src.get("commit") or src.get("version")
    return f"capture-{src['repo'].replace('pypi:', 'pypi-').replace('/', '-')}-{rev[:7]}"


def record_of(defs, subject, key):
    t = defs.subjects.get(subject, {}).get(key)
    record = re.sub(r"\[\]$|^Option<|>$", "", t or "")
    return f"types/{record}" if t and f"types/{record}" in defs.subjects else None


def walk(defs, subject, obj, add, where):
    """present/absent entries for one object (and the records inside it)."""
    for key, value in obj.items():
        if not keep_key(subject, key) or (subject.endswith("#response") and key == "result"):
            continue
        add(subject, key, "present", json_type(value), f"{where}: value {json.dumps(value)[:80]}")
        inner = record_of(defs, subject, key)
        if inner and isinstance(value, dict):
            walk(defs, inner, value, add, f"{where}.{key}")
        elif inner and isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            items = value
            for k in sorted({k for v in items for k in v}):
                have = [v for v in items if k in v]
                if keep_key(inner, k):
                    add(inner, k, "present", json_type(have[0][k]),
                        f"{where}.{key}: in {len(have)} of {len(items)} items")
                sub = record_of(defs, inner, k)
                if sub:
                    for v in have:
                        if isinstance(v[k], dict):
                            walk(defs, sub, v[k], add, f"{where}.{key}[].{k}")
            for k in defs.subjects.get(inner, {}):
                lacking = sum(1 for v in items if k not in v)
                if lacking:
                    add(inner, k, "absent", None, f"{where}.{key}: lacking in {lacking} of {len(items)} items")
    listed = defs.subjects.get(subject)
    if listed is None:
        return
    for name in listed:
        if name not in obj and keep_key(subject, name):
            add(subject, name, "absent", None, f"{where}: the capture has no such key")


def build():
    defs = Definitions()
    captures = json.loads((HERE / "captures.json").read_text(encoding="utf-8"))
    sources, entries = {}, []
    for cap in captures:
        if not cap["real"]:
            continue
        src = cap["source"]
        sid = source_id(src)
        pypi = src["repo"].startswith("pypi:")
        sources[sid] = {
            "kind": "capture",
            "url": (f"https://pypi.org/project/{src['repo'][5:]}/{src['version']}/" if pypi
                    else f"https://github.com/{src['repo']}"),
            **({"version": src["version"]} if pypi else {"commit": src["commit"]}),
            "family": "websocket-v1",
            "note": "Messages pasted into TrueConf's client code from a live Room (see "
                    "tests/conformance/captures/FINDINGS.md); Room 4.x builds, before API versions.",
        }
        subject = SUBJECT[cap["kind"]].format(cap["name"])
        why = re.sub(r"\s+", " ", cap["why"]).strip()

        def add(subj, key, says, typ, where, _cap=cap, _sid=sid, _why=why):
            e = {"subject": subj, "key": key, "source": _sid, "file": _cap["source"]["path"],
                 "line": _cap["source"]["line"], "says": says}
            if typ:
                e["type"] = typ
            e["note"] = f"{where}. {_why}"
            if e not in entries:
                entries.append(e)

        walk(defs, subject, cap["json"], add, f"{cap['name']} capture")
    entries.sort(key=lambda e: (e["subject"], e["key"], e["source"], e["says"]))
    doc = {"description": "Evidence from real captures of Room traffic (issue 18): which keys each "
                          "captured message carries (present) and which keys the definitions list that "
                          "it lacks (absent). Generated by tests/conformance/captures/to_evidence.py from "
                          "tests/conformance/captures/captures.json (entries with real=true only); rerun it "
                          "after editing either; `--check` fails when this file is stale.",
           "sources": sources, "entries": entries}
    return regen.entries_text(doc)

def main():
    return regen.main_texts(__doc__, lambda: {OUT: build()})


if __name__ == "__main__":
    sys.exit(main())

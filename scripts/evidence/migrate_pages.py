#!/usr/bin/env python3
"""Seed schema/evidence/pages-commands.json from the command definitions as they stand.

One-off first step of the page sweep (issue 18 item 1):
- every field of every command request/response, and of every shared record those reach,
  gets the entry its `presence` already records (doc -> says, url -> source, absentWhen ->
  condition for `conditional`, the field's own doc -> note);
- every `undescribed` field gets an `example` entry for each documented example (page URL) of
  a command that shows the key, so the key is in the index even before the sweep;
- every docUrl of a command or record gets a `page` entry (key null).
The sweep then adds and corrects entries page by page (scripts/evidence/add_page_entries.py);
re-running this script starts the file over, so it refuses to overwrite unless --force.

Usage: python3 scripts/evidence/migrate_pages.py [--force]
"""

import json
import re
import sys
from datetime import date

from pagelib import SCHEMA, load, merge, page_source, save, source_id

OUT = SCHEMA / "evidence" / "pages-commands.json"


def load_defs():
    defs = {}
    for kind in ("commands", "types"):
        for f in sorted((SCHEMA / kind).glob("*.json")):
            d = json.loads(f.read_text())
            defs[(kind, d["name"])] = d
    return defs


def base(t):
    t = t.strip()
    if t.endswith("[]"):
        return base(t[:-2])
    m = re.match(r"map<(.*)>$", t)
    return base(m.group(1)) if m else t


def records_in(t, defs, acc):
    """Every record reachable from type expression `t` (through arrays, maps, unions, newtypes)."""
    t = base(t)
    d = defs.get(("types", t))
    if d is None or t in acc:
        return
    if d["kind"] == "record":
        acc.add(t)
        for f in d["fields"]:
            records_in(f["type"], defs, acc)
    for v in d.get("variants", []):
        records_in(v["type"], defs, acc)
    if d["kind"] == "newtype":
        records_in(d["type"], defs, acc)


def json_type(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(v)]


def walk(value, fields, subject, defs, out):
    """Record (subject, key, json type) for every listed key the example value shows."""
    if not isinstance(value, dict):
        return
    for f in fields:
        if f["name"] not in value:
            continue
        v = value[f["name"]]
        out.append((subject, f["name"], json_type(v)))
        for rec, inner in nested(f["type"], v, defs):
            walk(inner, defs[("types", rec)]["fields"], f"types/{rec}", defs, out)


def nested(t, v, defs):
    """(record name, object) pairs inside value `v` of type expression `t`."""
    t = t.strip()
    if t.endswith("[]"):
        for item in v if isinstance(v, list) else []:
            yield from nested(t[:-2], item, defs)
        return
    m = re.match(r"map<(.*)>$", t)
    if m:
        for item in (v.values() if isinstance(v, dict) else []):
            yield from nested(m.group(1), item, defs)
        return
    d = defs.get(("types", t))
    if d is None:
        return
    if d["kind"] == "record":
        if isinstance(v, dict):
            yield t, v
    elif d["kind"] == "union":
        for var in d["variants"]:
            vd = defs.get(("types", base(var["type"])))
            if vd and vd["kind"] == "record" and isinstance(v, dict):
                yield from nested(var["type"], v, defs)
    elif d["kind"] == "newtype":
        yield from nested(d["type"], v, defs)


def example_json(ex):
    if "json" in ex:
        return ex["json"]
    # Invalid JSON as printed on the site (trailing commas): the page still shows these keys.
    try:
        return json.loads(re.sub(r",(\s*[}\]])", r"\1", ex["text"]))
    except (ValueError, KeyError):
        return None


def presence_entry(subject, f):
    p = f.get("presence", {})
    if p.get("doc") in (None, "undescribed") or not p.get("url"):
        return None
    e = {"subject": subject, "key": f["name"], "source": source_id(p["url"]), "says": p["doc"],
         "note": f["doc"]}
    if p["doc"] == "conditional":
        e["condition"] = f.get("absentWhen") or "The definition records a condition without absentWhen."
    return e, p["url"]


def main():
    if OUT.exists() and "--force" not in sys.argv:
        sys.exit(f"{OUT} exists; the sweep has edited it. Pass --force to start over.")
    defs = load_defs()
    doc = {"description": (
        "Page evidence for every command definition (schema/commands/*.json: request and response "
        "fields) and for the fields of the shared records those hold: what each stored doc page says "
        "about each key, in our own words. Seeded from the definitions' presence by "
        "scripts/evidence/migrate_pages.py, then swept page by page (v.1, v.2, Russian and MAUI copies) "
        f"with scripts/evidence/add_page_entries.py; {date.today().isoformat()}."),
        "sources": {}, "entries": []}
    sources, entries = {}, []

    def add(e, url):
        sources.setdefault(source_id(url), page_source(url))
        entries.append(e)

    records = set()
    undescribed = set()
    for (kind, name), d in sorted(defs.items()):
        if kind != "commands":
            continue
        for part in ("request", "response"):
            subject = f"commands/{name}#{part}"
            for url in d.get("docUrls", []):
                add({"subject": subject, "key": None, "source": source_id(url), "says": "page",
                     "note": "The command's page (request and response on one page)."}, url)
            for f in (d.get(part) or {}).get("fields", []):
                records_in(f["type"], defs, records)
                got = presence_entry(subject, f)
                if got:
                    add(*got)
                else:
                    undescribed.add((subject, f["name"]))
    for rec in sorted(records):
        d = defs[("types", rec)]
        subject = f"types/{rec}"
        for url in d.get("docUrls", []):
            add({"subject": subject, "key": None, "source": source_id(url), "says": "page",
                 "note": "A page that describes or shows this record."}, url)
        for f in d["fields"]:
            got = presence_entry(subject, f)
            if got:
                add(*got)
            else:
                undescribed.add((subject, f["name"]))

    # Documented examples of commands: which undescribed keys each page's JSON shows.
    shown = {}
    for (kind, name), d in sorted(defs.items()):
        if kind != "commands":
            continue
        for ex in d.get("examples", []):
            if ex.get("source") != "documented" or not ex.get("url"):
                continue
            value = example_json(ex)
            part = "request" if ex["role"] == "request" else "response"
            hits = []
            walk(value, (d.get(part) or {}).get("fields", []), f"commands/{name}#{part}", defs, hits)
            for subject, key, jt in hits:
                if (subject, key) in undescribed:
                    shown.setdefault((subject, key, ex["url"]), jt)
    for (subject, key, url), jt in sorted(shown.items()):
        add({"subject": subject, "key": key, "source": source_id(url), "says": "example", "type": jt,
             "note": "Shown in the page's JSON example; the definition records no text describing it."}, url)

    merge(doc, sources, entries)
    save(OUT, doc)
    missing = sorted(undescribed - {(s, k) for s, k, _ in shown})
    print(f"{len(doc['entries'])} entries, {len(doc['sources'])} sources -> {OUT.relative_to(SCHEMA.parent)}")
    print(f"{len(missing)} undescribed fields with no page entry:")
    for s, k in missing:
        print(f"  {s} {k}")


if __name__ == "__main__":
    main()

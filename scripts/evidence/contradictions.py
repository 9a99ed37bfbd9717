#!/usr/bin/env python3
"""List the command fields whose recorded presence.doc the page index contradicts.

Reads schema/commands, schema/types and schema/evidence/pages-commands.json and prints, per
field of a command request/response or of a record those reach:
- UNDESCRIBED-BUT-DESCRIBED: presence.doc is `undescribed`, but a page entry says
  mandatory/stated/conditional (a build error once codegen/src/presence.rs checks the index);
- STATED-BUT-CONDITIONAL: presence.doc is `stated`/`mandatory`, but a page gives a condition;
- STATED-WITHOUT-TEXT: presence.doc is `stated`/`mandatory`/`conditional`, but no page entry
  describes the key (only examples), so the recorded reason has no page behind it;
- NO-PAGE-ENTRY: no page entry at all.
Usage: python3 scripts/evidence/contradictions.py [--json]
"""

import json
import sys
from collections import defaultdict

from migrate_pages import load_defs, records_in
from pagelib import SCHEMA

DESCRIBES = {"mandatory", "stated", "conditional"}


def fields():
    defs = load_defs()
    records, out = set(), []
    for (kind, name), d in sorted(defs.items()):
        if kind != "commands":
            continue
        for part in ("request", "response"):
            for f in (d.get(part) or {}).get("fields", []):
                records_in(f["type"], defs, records)
                out.append((f"commands/{name}#{part}", part == "request", f))
    for rec in sorted(records):
        for f in defs[("types", rec)]["fields"]:
            out.append((f"types/{rec}", None, f))
    return out


def main():
    idx = json.loads((SCHEMA / "evidence" / "pages-commands.json").read_text())
    by = defaultdict(list)
    for e in idx["entries"]:
        by[(e["subject"], e["key"])].append(e)
    found = defaultdict(list)
    for subject, _, f in fields():
        doc = f.get("presence", {}).get("doc")
        es = [e for e in by[(subject, f["name"])] if e["says"] != "page"]
        desc = [e for e in es if e["says"] in DESCRIBES]
        row = {"subject": subject, "key": f["name"], "doc": doc, "optional": bool(f.get("optional"))}
        if not es:
            found["NO-PAGE-ENTRY"].append(row)
        elif doc == "undescribed" and desc:
            found["UNDESCRIBED-BUT-DESCRIBED"].append(dict(row, pages=desc))
        elif doc in ("stated", "mandatory") and any(e["says"] == "conditional" for e in desc):
            found["STATED-BUT-CONDITIONAL"].append(
                dict(row, pages=[e for e in desc if e["says"] == "conditional"]))
        if doc in ("stated", "mandatory", "conditional") and es and not desc:
            found["STATED-WITHOUT-TEXT"].append(dict(row, pages=es))
    if "--json" in sys.argv:
        print(json.dumps(found, indent=1, ensure_ascii=False))
        return
    for kind in ("UNDESCRIBED-BUT-DESCRIBED", "STATED-BUT-CONDITIONAL", "STATED-WITHOUT-TEXT", "NO-PAGE-ENTRY"):
        rows = found.get(kind, [])
        print(f"## {kind}: {len(rows)}")
        for r in rows:
            print(f"- {r['subject']} {r['key']} (doc {r['doc']}, {'optional' if r['optional'] else 'required'})")
            for e in r.get("pages", []):
                url = idx["sources"][e["source"]]["url"]
                cond = f" [{e['condition']}]" if e.get("condition") else ""
                print(f"    {e['says']}: {url}{cond} -- {e.get('note', '')}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Merge sweep findings into schema/evidence/pages-commands.json, keeping it sorted and valid.

Input (a file argument or stdin), JSON:
  {"entries": [{"subject": "...", "key": "..." | null, "url": "https://...page",
                "says": "stated", "condition": "...", "note": "...", "type": "..."}],
   "remove": [{"subject": "...", "key": "...", "url": "https://..."}],
   "sources": {"<url>": "note for this page"}}
`url` names the page (or `urls`: the same finding on several pages that say the same); the source id and record are derived from it (pagelib.page_source).
An entry replaces an existing one with the same subject, key and page. Every entry of a page
also gets the page's `page` entry for its subject, so the page is listed for that subject.

Usage: python3 scripts/evidence/add_page_entries.py [--file OUT] findings.json
"""

import json
import sys

from pagelib import SCHEMA, entry_key, load, merge, page_source, save, source_id


def main():
    args = sys.argv[1:]
    out = SCHEMA / "evidence" / "pages-commands.json"
    if args[:1] == ["--file"]:
        out, args = args[1], args[2:]
    data = json.loads(open(args[0]).read() if args else sys.stdin.read())
    doc = load(out)
    notes = data.get("sources", {})
    sources, entries = {}, []
    expanded = []
    for e in data.get("entries", []):
        for url in e.pop("urls", None) or [e.pop("url")]:
            expanded.append(dict(e, url=url))
    for e in expanded:
        url = e.pop("url")
        sid = source_id(url)
        src = doc["sources"].get(sid) or page_source(url)
        if url in notes:
            src = dict(src, note=notes[url])
        sources[sid] = src
        e["source"] = sid
        entries.append(e)
        if e["key"] is not None:
            page = {"subject": e["subject"], "key": None, "source": sid, "says": "page",
                    "note": "A page that describes or shows this message or record."}
            if not any(entry_key(x) == entry_key(page) for x in doc["entries"] + entries):
                entries.append(page)
    for url, note in notes.items():
        sid = source_id(url)
        if sid in doc["sources"]:
            doc["sources"][sid]["note"] = note
    merge(doc, sources, entries)
    gone = {(r["subject"], r["key"] or "", source_id(r["url"])) for r in data.get("remove", [])}
    before = len(doc["entries"])
    doc["entries"] = [e for e in doc["entries"] if entry_key(e) not in gone]
    save(out, doc)
    print(f"+{len(entries)} entries (replacing where present), -{before - len(doc['entries'])}; "
          f"now {len(doc['entries'])} entries, {len(doc['sources'])} sources")


if __name__ == "__main__":
    main()

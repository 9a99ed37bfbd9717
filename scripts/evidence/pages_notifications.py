#!/usr/bin/env python3
"""Page evidence for notifications: schema/evidence/pages-notifications.json.

The file is the evidence index's page source for every notification definition
(schema/notifications/*.json) and for the fields of the shared records (schema/types) those
notifications reach. Format: /work/wt/EVIDENCE-FORMAT.md (issue 18 item 1).

Subcommands (run from the repository root):

  migrate   Add one entry per field from the definitions' current `presence` (doc -> says,
            url -> source; an `undescribed` field gets an `example` entry for each documented
            example that shows the key) and one `page` entry (key null) per notification docUrl.
            Never overwrites an entry that already exists for the same (subject, key, source), so
            it can be rerun after the sweep without undoing it.
  add FILE  Upsert sweep entries (a JSON list, or {"sources": {...}, "entries": [...]}) read
            from FILE ("-" = stdin): an entry replaces the one with the same (subject, key,
            source). Sources are derived from the entries' URLs unless given.
  add-text FILE
            The same from the sweep's text notes (format in parse_text below); the sweep notes
            are committed next to this script so the file can be rebuilt: migrate, then
            add-text scripts/evidence/pages-notifications-sweep.txt.
  fmt       Check and rewrite the file sorted by (subject, key, source).
  check     Check only; exit 1 on a problem.
  report    Print every field whose `presence.doc` the index contradicts.

A page source id is "page:" + the URL without its scheme, so the same page gets the same id in
every evidence file (duplicates across files are per source and harmless).
"""

import collections
import datetime
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "schema"
OUT = SCHEMA / "evidence" / "pages-notifications.json"
SCRIPT = "scripts/evidence/pages_notifications.py"

# `named`: the page names the key, but the stored copy ends before it says anything about it.
PAGE_VERBS = {"mandatory", "stated", "conditional", "example", "named", "page"}
DESCRIBING = {"mandatory", "stated", "conditional"}
JSON_TYPES = {"string", "integer", "number", "boolean", "object", "array", "null"}
ENTRY_KEYS = {"subject", "key", "source", "says", "type", "condition", "note"}


def source_id(url):
    return "page:" + re.sub(r"^https?://", "", url)


def source_for(url):
    """Metadata of a stored page, derived from its URL alone."""
    lang = "ru" if "/ru/" in url else "en"
    if "/maui-videosdk/" in url:
        family, what = "maui", ".NET MAUI VideoSDK docs (method or event page)"
    elif lang == "ru":
        family = "ru"
        what = "Russian WebSocket API page" + (" (API v.2)" if "/v.2/" in url else "")
    elif "/v.2/" in url:
        family, what = "websocket-v2", "WebSocket API v.2 page"
    else:
        family, what = "websocket-v1", "WebSocket API page (v.1, no version segment)"
    host = re.match(r"https?://([^/]+)", url).group(1)
    return {
        "kind": "page",
        "url": url,
        "lang": lang,
        "family": family,
        "note": f"{what}, stored copy from {host}; the store keeps about the first 2,000 "
        "characters of a page, so keys after the cut are not covered by it.",
    }


def base_type(expr):
    expr = expr.strip()
    m = re.fullmatch(r"map<(.*)>", expr)
    if m:
        return base_type(m.group(1))
    while expr.endswith("[]"):
        expr = expr[:-2]
    return expr


def load_definitions():
    notifications = {}
    for path in sorted((SCHEMA / "notifications").glob("*.json")):
        d = json.loads(path.read_text())
        notifications[d["name"]] = d
    types = {}
    for path in sorted((SCHEMA / "types").glob("*.json")):
        d = json.loads(path.read_text())
        types[d["name"]] = d
    return notifications, types


def reached_records(notifications, types):
    """Record name -> sorted names of the notifications whose fields reach it."""
    reach = collections.defaultdict(set)

    def walk(name, event, seen):
        d = types.get(name)
        if d is None or name in seen:
            return
        seen.add(name)
        if d["kind"] == "record":
            reach[name].add(event)
            for f in d["fields"]:
                walk(base_type(f["type"]), event, seen)
        elif d["kind"] == "union":
            for v in d["variants"]:
                walk(base_type(v["type"]), event, seen)
        elif d["kind"] == "newtype":
            walk(base_type(d["type"]), event, seen)

    for event, d in notifications.items():
        for f in d.get("fields", []):
            walk(base_type(f["type"]), event, set())
    return {k: sorted(v) for k, v in sorted(reach.items())}


def record_values(d, types, json_value):
    """Yield (record name, object) for every object in json_value typed by record d's fields."""
    if not isinstance(json_value, dict):
        return
    yield d["name"], json_value
    for f in d["fields"]:
        if f["name"] in json_value:
            yield from typed_values(f["type"], types, json_value[f["name"]])


def typed_values(expr, types, value):
    expr = expr.strip()
    m = re.fullmatch(r"map<(.*)>", expr)
    if m:
        if isinstance(value, dict):
            for v in value.values():
                yield from typed_values(m.group(1), types, v)
        return
    if expr.endswith("[]"):
        if isinstance(value, list):
            for v in value:
                yield from typed_values(expr[:-2], types, v)
        return
    d = types.get(expr)
    if d is None:
        return
    if d["kind"] == "record":
        yield from record_values(d, types, value)
    elif d["kind"] == "union":
        for v in d["variants"]:
            yield from typed_values(v["type"], types, value)
    elif d["kind"] == "newtype":
        yield from typed_values(d["type"], types, value)


def example_keys(notifications, types):
    """(subject, key) -> sorted URLs of documented examples (of notifications) showing the key."""
    shown = collections.defaultdict(set)
    for event, d in notifications.items():
        fields = d.get("fields", [])
        for ex in d.get("examples", []):
            if ex.get("source") != "documented" or "json" not in ex:
                continue
            body = ex["json"]
            for f in fields:
                if f["name"] in body:
                    shown[(f"notifications/{event}", f["name"])].add(ex["url"])
                    for rec, obj in typed_values(f["type"], types, body[f["name"]]):
                        for k in obj:
                            shown[(f"types/{rec}", k)].add(ex["url"])
    return {k: sorted(v) for k, v in shown.items()}


def load_index():
    if OUT.exists():
        return json.loads(OUT.read_text())
    return {"description": "", "sources": {}, "entries": []}


DESCRIPTION = (
    "Page evidence (issue 18 item 1) for every notification definition in schema/notifications "
    "and the fields of the shared records they reach: one entry per stored doc page per key it "
    "mentions, saying how the page treats the key, in our own words. Made by " + SCRIPT + ": "
    "`migrate` seeded one entry per field from the definitions' presence (doc/url, {date}), then "
    "the stored English pages (v.1 and v.2 generations), the Russian pages and the MAUI event "
    "pages of the same name were swept by hand and added with `add`. A page that was searched "
    "for and not found in the store is not an entry."
)


def save(index):
    problems = check(index)
    if problems:
        for p in problems:
            print("error:", p, file=sys.stderr)
        sys.exit(1)
    entries = sorted(
        index["entries"],
        key=lambda e: (e["subject"], e["key"] is not None, e["key"] or "", e["source"]),
    )
    ordered = []
    for e in entries:
        ordered.append({k: e[k] for k in ["subject", "key", "source", "says", "type",
                                          "condition", "note"] if k in e})
    out = {
        "description": index["description"],
        "sources": dict(sorted(index["sources"].items())),
        "entries": ordered,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")


def check(index, complete=False):
    """Problems with the index; with `complete`, also every field without an entry."""
    notifications, types = load_definitions()
    records = reached_records(notifications, types)
    known = {}
    for event, d in notifications.items():
        known[f"notifications/{event}"] = {f["name"] for f in d.get("fields", [])}
    for rec in records:
        known[f"types/{rec}"] = {f["name"] for f in types[rec]["fields"]}
    problems = []
    seen = set()
    for e in index["entries"]:
        where = f"{e.get('subject')} {e.get('key')} {e.get('source')}"
        extra = set(e) - ENTRY_KEYS
        if extra:
            problems.append(f"{where}: unknown entry keys {sorted(extra)}")
        if e.get("says") not in PAGE_VERBS:
            problems.append(f"{where}: says {e.get('says')!r} is not a page verb")
        if e["source"] not in index["sources"]:
            problems.append(f"{where}: source not listed in sources")
        if (e["key"] is None) != (e.get("says") == "page"):
            problems.append(f"{where}: key null goes with says=page and only with it")
        if e.get("says") == "conditional" and not e.get("condition"):
            problems.append(f"{where}: conditional without condition")
        if e.get("says") != "conditional" and "condition" in e:
            problems.append(f"{where}: condition on a non-conditional entry")
        if "type" in e and e["type"] not in JSON_TYPES:
            problems.append(f"{where}: type {e['type']!r}")
        if e["subject"] not in known:
            problems.append(f"{where}: subject is not a notification or a record they reach")
        elif e["key"] is not None and e["key"] not in known[e["subject"]]:
            # Keys a page mentions that the definition does not list are allowed (the build
            # may report them), but flag them so they are deliberate.
            if not e.get("note", "").startswith("Not in the definition"):
                problems.append(f"{where}: key not in the definition (note must start "
                                "'Not in the definition')")
        ident = (e["subject"], e["key"], e["source"])
        if ident in seen:
            problems.append(f"{where}: duplicate entry")
        seen.add(ident)
    for sid, s in index["sources"].items():
        if s.get("kind") != "page" or source_id(s.get("url", "")) != sid:
            problems.append(f"source {sid}: kind must be page and id = page:+url")
    if not complete:
        return problems
    # Every field has at least one entry.
    covered = {(e["subject"], e["key"]) for e in index["entries"]}
    for subject, keys in known.items():
        for k in keys:
            if (subject, k) not in covered:
                problems.append(f"{subject} {k}: no entry")
    return problems


def migrate():
    notifications, types = load_definitions()
    records = reached_records(notifications, types)
    shown = example_keys(notifications, types)
    index = load_index()
    index["description"] = DESCRIPTION.format(date=datetime.date.today().isoformat())
    have = {(e["subject"], e["key"], e["source"]) for e in index["entries"]}

    def add(entry, url):
        sid = source_id(url)
        index["sources"].setdefault(sid, source_for(url))
        entry["source"] = sid
        ident = (entry["subject"], entry["key"], sid)
        if ident not in have:
            have.add(ident)
            index["entries"].append(entry)

    def field_entries(subject, fields):
        for f in fields:
            p = f["presence"]
            if p["doc"] != "undescribed":
                e = {"subject": subject, "key": f["name"], "says": p["doc"]}
                if p["doc"] == "conditional":
                    e["condition"] = f.get("absentWhen") or "optional (the definition gives no condition)"
                e["note"] = "From the definition's presence: " + f["doc"]
                add(e, p["url"])
            else:
                for url in shown.get((subject, f["name"]), []):
                    e = {"subject": subject, "key": f["name"], "says": "example"}
                    e["note"] = ("From the definition (presence undescribed): the key is in "
                                 "this page's example only. " + f["doc"])
                    add(e, url)

    for event, d in notifications.items():
        subject = f"notifications/{event}"
        for url in d["docUrls"]:
            add({"subject": subject, "key": None, "says": "page",
                 "note": "Stored page for this notification (a docUrl of the definition)."}, url)
        field_entries(subject, d.get("fields", []))
    for rec in records:
        field_entries(f"types/{rec}", types[rec]["fields"])
    save(index)
    print(f"{len(index['entries'])} entries, {len(index['sources'])} sources")
    for p in check(index, complete=True):
        print("gap:", p)


def add_entries(path, text=False):
    raw = sys.stdin.read() if path == "-" else Path(path).read_text()
    data = parse_text(raw) if text else json.loads(raw)
    if isinstance(data, list):
        data = {"entries": data}
    index = load_index()
    for sid, s in data.get("sources", {}).items():
        index["sources"][sid] = s
    by_ident = {(e["subject"], e["key"], e["source"]): i for i, e in enumerate(index["entries"])}
    added = replaced = dropped = 0
    for e in data["entries"]:
        if "url" in e:  # convenience: give the URL, get the source id
            url = e.pop("url")
            e["source"] = source_id(url)
            index["sources"].setdefault(e["source"], source_for(url))
        ident = (e["subject"], e["key"], e["source"])
        if e["says"] == "-":  # the page does not mention the key: drop a seeded entry
            if ident in by_ident:
                index["entries"].pop(by_ident[ident])
                by_ident = {(x["subject"], x["key"], x["source"]): i
                            for i, x in enumerate(index["entries"])}
                dropped += 1
            continue
        if ident in by_ident:
            index["entries"][by_ident[ident]] = e
            replaced += 1
        else:
            by_ident[ident] = len(index["entries"])
            index["entries"].append(e)
            added += 1
    save(index)
    print(f"added {added}, replaced {replaced}, dropped {dropped}; "
          f"{len(index['entries'])} entries")


def parse_text(text):
    """Sweep notes -> entries. Lines:

      @ <subject>                    subject of the following lines (notifications/x, types/X)
      > <url> [<url> ...]            the page(s) the following lines come from
      <key> | <says> | <condition> | <note> [| <json type>]
                                     one entry per current page; key "-" = the whole message
                                     (says page); says "-" drops a seeded entry for a
                                     page that does not mention the key; condition only
                                     for conditional; a
                                     literal bar in a note is written \\|
      ! <url> <note>                 what this stored copy is (generation, how far it is cut),
                                     added to the source's note
      # ...                          comment; blank lines are ignored
    """
    entries, sources = [], {}
    subject, urls = None, []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("@"):
            subject, urls = line[1:].strip(), []
            continue
        if line.startswith(">"):
            urls = line[1:].split()
            continue
        if line.startswith("!"):
            url, _, note = line[1:].strip().partition(" ")
            s = sources.setdefault(source_id(url), source_for(url))
            s["note"] = s["note"] + " " + note.strip()
            continue
        parts = [p.strip().replace("\\|", "|") for p in re.split(r"(?<!\\)\|", line)]
        if len(parts) not in (4, 5) or subject is None or not urls:
            sys.exit(f"line {n}: expected key | says | condition | note [| type]: {raw}")
        key, says, condition, note = parts[:4]
        for url in urls:
            e = {"subject": subject, "key": None if key == "-" else key, "url": url,
                 "says": says}
            if len(parts) == 5 and parts[4]:
                e["type"] = parts[4]
            if condition:
                e["condition"] = condition
            if note:
                e["note"] = note
            entries.append(e)
    return {"sources": sources, "entries": entries}


def report():
    """Fields whose presence.doc the index contradicts."""
    notifications, types = load_definitions()
    records = reached_records(notifications, types)
    index = load_index()
    by_field = collections.defaultdict(list)
    for e in index["entries"]:
        by_field[(e["subject"], e["key"])].append(e)
    fields = []
    for event, d in notifications.items():
        for f in d.get("fields", []):
            fields.append((f"notifications/{event}", f))
    for rec in records:
        for f in types[rec]["fields"]:
            fields.append((f"types/{rec}", f))
    counts = collections.Counter()
    for subject, f in fields:
        doc = f["presence"]["doc"]
        es = by_field[(subject, f["name"])]
        url = f["presence"].get("url")
        if doc == "undescribed":
            hits = [e for e in es if e["says"] in DESCRIBING]
            if hits:
                counts["undescribed, described by a page"] += 1
                print(f"UNDESCRIBED->DESCRIBED {subject} {f['name']}")
                for e in hits:
                    print(f"    {e['says']:11} {index['sources'][e['source']]['url']}"
                          + (f"  [{e['condition']}]" if "condition" in e else "")
                          + f"  {e.get('note', '')}")
        if doc in ("stated", "mandatory"):
            hits = [e for e in es if e["says"] == "conditional"]
            if hits:
                counts[f"{doc}, conditional on a page"] += 1
                print(f"{doc.upper()}->CONDITIONAL {subject} {f['name']}")
                for e in hits:
                    print(f"    {index['sources'][e['source']]['url']}  [{e['condition']}]"
                          f"  {e.get('note', '')}")
        if doc in DESCRIBING and url:
            own = [e for e in es if e["source"] == source_id(url)]
            swept = any(e["source"] == source_id(url) and e["key"] is not None
                        and not e.get("note", "").startswith("From the definition")
                        for e in index["entries"] if e["subject"] == subject)
            if not own and swept:
                counts[f"{doc}, its own url does not mention the key"] += 1
                print(f"URL-SILENT {subject} {f['name']}: definition {doc} @ {url}, "
                      "but that page, as swept, does not mention the key")
            if own and own[0]["says"] != doc:
                counts[f"{doc}, its own url says {own[0]['says']}"] += 1
                print(f"URL-DISAGREES {subject} {f['name']}: definition {doc} @ {url}, "
                      f"index says {own[0]['says']}")
    print()
    for k, v in sorted(counts.items()):
        print(f"{v:4}  {k}")
    print(f"{len(fields):4}  fields in all")


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "migrate":
        migrate()
    elif cmd == "add" and len(sys.argv) == 3:
        add_entries(sys.argv[2])
    elif cmd == "add-text" and len(sys.argv) == 3:
        add_entries(sys.argv[2], text=True)
    elif cmd == "fmt":
        save(load_index())
    elif cmd == "check":
        problems = check(load_index(), complete=True)
        for p in problems:
            print("error:", p)
        sys.exit(1 if problems else 0)
    elif cmd == "report":
        report()
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()

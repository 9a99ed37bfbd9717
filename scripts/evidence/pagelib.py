"""Shared helpers for the page part of the evidence index (schema/evidence/pages-*.json).

Format: /work/wt/EVIDENCE-FORMAT.md, copied in spirit into schema/README.md by the lead.
One entry per (subject, key, source); files are kept sorted so diffs stay readable.
"""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "schema"

# `named`: the page names the key, but the stored copy ends before it says anything about it.
PAGE_VERBS = {"mandatory", "stated", "conditional", "example", "named", "page"}


def source_id(url):
    """A stable, readable id for a page: `page:` + host and path."""
    return "page:" + re.sub(r"^https?://", "", url)


def page_source(url, note=None):
    """The `sources` record of a doc page, classified by its URL."""
    path = re.sub(r"^https?://", "", url)
    lang = "en"
    if "/maui-videosdk/" in path:
        family = "maui"
        if "/ru/" in path:
            lang = "ru"
    elif re.search(r"/videosdk/ru/", path) or re.match(r"docs\.trueconf\.com/videosdk/(commands|notifications)/", path):
        # Russian pages: …/videosdk/ru/… and the old docs.trueconf.com/videosdk/<kind>/… tree.
        lang, family = "ru", "ru"
    elif "/v.2/" in path:
        family = "websocket-v2"
    else:
        family = "websocket-v1"
    src = {"kind": "page", "url": url, "lang": lang, "family": family}
    if note:
        src["note"] = note
    else:
        gen = "docs.trueconf.com" if path.startswith("docs.trueconf.com") else path.split("/")[0]
        what = {
            "maui": "TrueConf .NET MAUI VideoSDK page of the same method or event (same JSON as the WebSocket API)",
            "ru": "Russian-language VideoSDK/Room API page",
            "websocket-v2": "VideoSDK/Room WebSocket API v.2 page",
            "websocket-v1": "VideoSDK/Room WebSocket API v.1 page",
        }[family]
        src["note"] = f"{what}, as stored on {gen}."
    return src


def load(path):
    path = Path(path)
    if path.exists():
        return json.loads(path.read_text())
    return {"description": "", "sources": {}, "entries": []}


def entry_key(e):
    return (e["subject"], "" if e["key"] is None else e["key"], e["source"])


FIELD_ORDER = ["subject", "key", "source", "file", "line", "says", "type", "condition", "note"]


def normalise(e):
    out = {k: e[k] for k in FIELD_ORDER if k in e and e[k] is not None or k == "key"}
    for k in e:
        if k not in out and e[k] is not None:
            out[k] = e[k]
    return out


def check(doc):
    """Refuse entries the format does not allow, naming the entry."""
    for e in doc["entries"]:
        where = f"{e.get('subject')} {e.get('key')!r} {e.get('source')}"
        if e["source"] not in doc["sources"]:
            raise SystemExit(f"{where}: unknown source")
        if e["says"] not in PAGE_VERBS:
            raise SystemExit(f"{where}: verb {e['says']!r} is not a page verb")
        if (e["says"] == "page") != (e["key"] is None):
            raise SystemExit(f"{where}: `page` goes with key null and only with it")
        if e["says"] == "conditional" and not e.get("condition"):
            raise SystemExit(f"{where}: conditional without condition")
        if e["says"] != "conditional" and e.get("condition"):
            raise SystemExit(f"{where}: condition on a {e['says']} entry")
        if not re.match(r"^(commands/[A-Za-z0-9_]+#(request|response)|notifications/[A-Za-z0-9_]+|types/[A-Za-z0-9_]+)$", e["subject"]):
            raise SystemExit(f"{where}: bad subject")


def save(path, doc):
    """Write `doc` sorted by (subject, key, source), sources by id; one entry per triple."""
    seen = {}
    for e in doc["entries"]:
        seen[entry_key(e)] = normalise(e)
    doc["entries"] = [seen[k] for k in sorted(seen)]
    used = {e["source"] for e in doc["entries"]}
    doc["sources"] = {k: doc["sources"][k] for k in sorted(doc["sources"]) if k in used}
    check(doc)
    out = {"description": doc["description"], "sources": doc["sources"], "entries": doc["entries"]}
    Path(path).write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")


def merge(doc, sources, entries):
    """Add or replace entries (same subject, key and source) and their sources."""
    for sid, src in sources.items():
        doc["sources"][sid] = src
    index = {entry_key(e): i for i, e in enumerate(doc["entries"])}
    for e in entries:
        k = entry_key(e)
        if k in index:
            doc["entries"][index[k]] = e
        else:
            index[k] = len(doc["entries"])
            doc["entries"].append(e)

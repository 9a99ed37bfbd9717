#!/usr/bin/env python3
"""Draft `client`-tier definitions from schema/evidence/clients.json (issue 18 item 2).

    python3 scripts/evidence/draft_client_tier.py [--out DIR | --schema] [NAME ...]

For every command and notification that TrueConf's clients send or handle and that has no
definition yet (the untyped and unknown names of tests/conformance/CLIENT-TIER.md), or only for
the NAMEs given, it writes a draft definition of the client tier (schema/README.md, "The client
tier"):

- request parameters with the JSON type of the clients' literals (`json` where they disagree or
  show none) and `presence.clients`: `every` (required) when every client that sends the command
  sends the key in every request it builds, else `some` (optional, with where it is left out);
- response and notification fields from the keys the clients read or require, all optional,
  typed from a typed read (a C# model property) and `json` otherwise; a key two clients spell
  differently only in case becomes one field with the other spelling as an alias;
- `evidence` citing `<source-id> <file>:<line>` of the first code site of each client (the ids of
  clients.json), `docUrls` empty, `api` [1, 2];
- a `client` request example: the literal of the first client that sends the command (python
  first), pinned to its file and line; notifications get a synthetic envelope-only example;
- obsolete pre-4.1 file-transfer names (CLIENT-TIER.md) are typed too, clients still send them:
  their description names the successor (and whether a page documents it).

What only a person can write is left as `TODO(draft)` placeholders — `summary` and every field's
`doc`, with the evidence beside the placeholder — and the build rejects any definition that
still holds one, so a draft cannot be committed unreviewed. Review the types too: `json` where
nothing showed the type, integers as `i64`, and aliases proposed from spellings.

Output: `--out DIR` (default target/client-tier-drafts) gets DIR/commands/<method>.json and
DIR/notifications/<event>.json. `--schema` writes them into schema/ instead (never over an
existing file) and takes the names out of schema/known.json; then fill in the placeholders,
`cargo build`, and rerun tests/conformance/client_tier.py.
"""
import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "conformance"))

import client_tier  # noqa: E402  (tests/conformance: the work list and the every-client rule)
from client_tier import GROUP, OBSOLETE, PRIMARY  # noqa: E402

SCHEMA = ROOT / "schema"
PLACEHOLDER = "TODO(draft)"
# The order in which a client's literal is chosen as the request example.
EXAMPLE_ORDER = ["python", "qt-pr7", "qt-main", "tcroom", "tcroom-demo", "csharp-kiosk",
                 "csharp-democall", "qt-sample", "maui-kiosk"]
# Sources whose clients.json `url` is a package page: the repository the same files are in.
REPOSITORY = {"python-trueconf-room-1.0.0": "https://github.com/TrueConf/python-trueconf-room"}
JSON_TYPES = {"string": "string", "integer": "i64", "number": "f64", "boolean": "bool",
              "array": "json[]", "object": "json"}
ENVELOPE = {"request": {"method", "requestId"},
            "response": {"method", "requestId", "result", "error"},
            "notification": {"method", "event"}}


def type_expr(types):
    """The type expression for the JSON types sources show: one known type, else `json`."""
    shown = {t for t in types if t not in ("?", "null")}
    return JSON_TYPES.get(shown.pop(), "json") if len(shown) == 1 else "json"


def primary(entries):
    """The entries of each client's primary source (pyVideoSDK repeats python-trueconf-room)."""
    return [e for e in entries if PRIMARY.get(GROUP[e["source"]], e["source"]) == e["source"]]


def citations(entries, per_client=1):
    """`<source-id> <file>:<line>` of the first code site(s) of each client."""
    seen, out = defaultdict(list), []
    for e in primary(entries):
        site = f"{e['source']} {e['file']}:{e['line']}"
        group = GROUP[e["source"]]
        if site not in seen[group] and len(seen[group]) < per_client:
            seen[group].append(site)
            out.append(site)
    return out


def pinned_url(sources, entry):
    source = sources[entry["source"]]
    repo = REPOSITORY.get(entry["source"], source["url"]).rstrip("/")
    if "commit" in source and repo.startswith("https://github.com/"):
        return f"{repo}/blob/{source['commit']}/{entry['file']}#L{entry['line']}"
    return f"{repo} ({entry['file']}:{entry['line']})"


def received_fields(entries, envelope):
    """Optional fields from the keys clients read or require; dotted keys (a nested read under a
    parent nothing types) go into the parent's evidence, which stays `json`."""
    by_key = defaultdict(list)
    for e in entries:
        if e["key"] is not None and e["says"] in ("reads", "requires"):
            by_key[e["key"].split(".")[0]].append(e)
    spellings = defaultdict(list)
    for key in sorted(by_key):
        if key not in envelope:
            spellings[key.lower()].append(key)
    fields = []
    for names in spellings.values():
        # The spelling most clients use is the wire name; the others are aliases.
        names.sort(key=lambda k: (-len({GROUP[e["source"]] for e in by_key[k]}), k))
        key, others = names[0], names[1:]
        es = [e for k in names for e in by_key[k]]
        types = {e["type"] for e in es if e.get("type") and e["key"] == e["key"].split(".")[0]}
        what = "; ".join(sorted({f"{e['says']} by {GROUP[e['source']]}"
                                 + (f" as `{e['key']}`" if e["key"] != key else "")
                                 + (f" ({e['type']})" if e.get("type") else "") for e in es}))
        cites = ", ".join(citations(es))
        field = {
            "name": key,
            "type": type_expr(types),
            "optional": True,
            "absentWhen": "Undocumented: no doc page says when the Room sends it; the client tier "
                          f"keeps every received key optional ({cites}).",
            "doc": f"{PLACEHOLDER}: what `{key}` holds, in your own words. Evidence: {what}.",
            "presence": {"doc": "undescribed"},
        }
        if others:
            field["aliases"] = [{"name": other, "evidence": f"{PLACEHOLDER}: say who spells it so and why "
                                 f"it is the same key: {', '.join(citations(by_key[other]))}."}
                                for other in others]
        fields.append(field)
    return fields


def request_fields(req):
    sent = client_tier.request_keys(req)
    fields = []
    for key in sent["keys"]:
        k = sent["by_key"][key]
        types = {t for ts in k["types"].values() for t in ts}
        shown = "; ".join(f"{g}: {'/'.join(sorted(t))}" for g, t in sorted(k["types"].items()))
        field = {"name": key, "type": type_expr(types)}
        if not k["every"]:
            field["optional"] = True
            field["absentWhen"] = f"Undocumented: no doc page describes it, and not every client sends it ({k['where']})."
        field["doc"] = f"{PLACEHOLDER}: what `{key}` holds, in your own words. Clients send it as {shown}."
        field["presence"] = {"doc": "undescribed", "clients": "every" if k["every"] else "some"}
        fields.append(field)
    return fields, sent


def sentence(text):
    return text[:1].upper() + text[1:]


def successor_words(name):
    """`the documented X`, or what X is when no page documents it (an `inferred` type)."""
    for kind in ("commands", "notifications"):
        path = SCHEMA / kind / f"{name}.json"
        if path.exists():
            definition = json.loads(path.read_text())
            if not definition.get("docUrls"):
                return f"`{name}` (typed here as `{definition.get('source')}`, without a doc page)"
    return f"the documented `{name}`"


def obsolete_note(name):
    if name not in OBSOLETE:
        return None
    successor = OBSOLETE[name]
    tail = (f"{successor_words(successor)} replaces it (our reading of the names; "
            "tests/conformance/ANALYSIS.md section 1d)") if successor else \
        "no single documented successor can be told from the names"
    return ("Obsolete: a pre-4.1 file-transfer name that python-trueconf-room 1.0.0 and the Qt "
            f"wrapper's main branch still use and its pull request #7 (2024-01) no longer does; {tail}.")


def head(kind, name, verb, rust_name):
    """The keys every draft starts with, in file order: the summary placeholder, and the
    obsolete note of a pre-4.1 name."""
    definition = {"$schema": "../definition.schema.json", "kind": kind, "name": name}
    if rust_name:
        definition["rustName"] = rust_name
    definition["summary"] = f"{PLACEHOLDER}: one line, in your own words: what `{name}` {verb}."
    note = obsolete_note(name)
    if note:
        definition["description"] = note
    return definition


def draft_command(name, by_subject, sources):
    req = by_subject.get(f"commands/{name}#request", [])
    resp = by_subject.get(f"commands/{name}#response", [])
    request, sent = request_fields(req)
    response = received_fields(resp, ENVELOPE["response"])
    site_entries = [e for e in sent["sends"] if e["key"] is None]
    handled = [e for e in resp if e["key"] is None] or resp
    parts = []
    if site_entries:
        parts.append("sent by " + ", ".join(citations(site_entries)))
    if handled:
        parts.append("the reply handled by " + ", ".join(citations(handled)))
    definition = head("command", name, "does", None)
    definition.update({
        "source": "client",
        "docUrls": [],
        "evidence": sentence("; ".join(parts) + " (source ids of schema/evidence/clients.json)."),
        "api": [1, 2],
        "request": {"fields": request},
        "response": {"fields": response},
        "examples": [],
    })
    example = next((e for g in EXAMPLE_ORDER for e in site_entries if GROUP[e["source"]] == g
                    and PRIMARY.get(g, e["source"]) == e["source"]), None)
    if example:
        definition["examples"].append({
            "title": f"Client: {example['source']} {example['file']}:{example['line']}"
                     + (f" ({example['note']})" if example.get("note") else ""),
            "role": "request", "source": "client", "url": pinned_url(sources, example),
            "json": example["literal"]})
    else:
        definition["examples"].append({
            "title": "Synthetic: the response envelope alone (no client sends this command; every field is optional)",
            "role": "response", "source": "synthetic",
            "json": {"method": name, "requestId": "1", "result": True}})
    return definition


def draft_notification(name, by_subject, command_names):
    es = by_subject.get(f"notifications/{name}", [])
    # A command of the same name takes the derived Rust name (as `login` / `LoginEvent`).
    rust_name = name[:1].upper() + name[1:] + "Event" if name in command_names else None
    definition = head("notification", name, "reports", rust_name)
    definition.update({
        "source": "client",
        "docUrls": [],
        "evidence": "Handled by " + ", ".join(citations([e for e in es if e["key"] is None] or es))
                    + " (source ids of schema/evidence/clients.json).",
        "api": [1, 2],
        "fields": received_fields(es, ENVELOPE["notification"]),
        "examples": [{
            "title": "Synthetic: the envelope alone (no client shows the values; every field is optional)",
            "role": "notification", "source": "synthetic",
            "json": {"method": "event", "event": name}}],
    })
    return definition


def remaining(by_subject, defs):
    # Subjects known.json's untypedKeys leaves untyped as a whole (a misspelt filter is not a
    # message), with why.
    known = json.loads((SCHEMA / "known.json").read_text(encoding="utf-8"))
    left_out = {e["subject"] for e in known.get("untypedKeys", []) if "key" not in e}
    commands, notifications = set(), set()
    for subject, es in by_subject.items():
        if subject in left_out:
            continue
        if subject.startswith("commands/"):
            name, part = subject[len("commands/"):].split("#")
            if (part == "request" and any(e["says"] == "sends" for e in es)) or \
                    (part == "response" and any(e["says"] in ("handles", "requires", "reads") for e in es)):
                commands.add(name)
        elif subject.startswith("notifications/"):
            notifications.add(subject[len("notifications/"):])
    return (sorted(n for n in commands if ("commands", n) not in defs),
            sorted(n for n in notifications if ("notifications", n) not in defs))


def take_out_of_known(names):
    path = SCHEMA / "known.json"
    known = json.loads(path.read_text(encoding="utf-8"))
    for kind in ("commands", "notifications"):
        known[kind] = [k for k in known[kind] if k["name"] not in names[kind]]
    path.write_text(json.dumps(known, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help="draft only these names (default: every remaining one)")
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--out", type=Path, default=ROOT / "target" / "client-tier-drafts")
    where.add_argument("--schema", action="store_true",
                       help="write into schema/ (never over a file) and take the names out of known.json")
    args = ap.parse_args()
    doc = json.loads((SCHEMA / "evidence" / "clients.json").read_text(encoding="utf-8"))
    by_subject = defaultdict(list)
    for e in doc["entries"]:
        by_subject[e["subject"]].append(e)
    defs = client_tier.definitions()
    commands, notifications = remaining(by_subject, defs)
    command_names = set(commands) | {name for kind, name in defs if kind == "commands"}
    if args.names:
        unknown = [n for n in args.names if n not in commands and n not in notifications]
        if unknown:
            sys.exit(f"not a remaining client-tier name (typed already, or no client uses it): {', '.join(unknown)}")
        commands = [n for n in commands if n in args.names]
        notifications = [n for n in notifications if n in args.names]
    out = SCHEMA if args.schema else args.out
    written = {"commands": set(), "notifications": set()}
    for kind, names, draft in (("commands", commands, lambda n: draft_command(n, by_subject, doc["sources"])),
                               ("notifications", notifications,
                                lambda n: draft_notification(n, by_subject, command_names))):
        (out / kind).mkdir(parents=True, exist_ok=True)
        for name in names:
            path = out / kind / f"{name}.json"
            if args.schema and path.exists():
                print(f"skipped {path.relative_to(ROOT)}: it exists", file=sys.stderr)
                continue
            path.write_text(json.dumps(draft(name), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            written[kind].add(name)
    if args.schema:
        take_out_of_known(written)
    print(f"drafted {len(written['commands'])} commands and {len(written['notifications'])} notifications "
          f"into {out}; fill in every {PLACEHOLDER} before `cargo build`")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The work list for typing the client tier: tests/conformance/CLIENT-TIER.md from
schema/evidence/clients.json and the definitions.

    python tests/conformance/client_tier.py [--check]

For every command and notification that TrueConf's clients send or handle and that has no doc
page (no definition in schema/commands or schema/notifications, or a definition whose source is
`client` or `inferred`), it lists the clients, the request keys with their JSON types and whether every
sending client sends each key in every request (the tier's rule for `required`), the response or
notification keys the clients read or require, and where clients disagree. Names whose documented
successor exists are marked obsolete. It ends with the keys clients use on documented messages that
the definitions lack (the MAUI kiosk's getHardware keys among them) and the per-client figures.
Clients are grouped: pyVideoSDK @50dbd06 is python-trueconf-room 1.0.0 under another name and
counts once; the MAUI kiosk's requests show only method names, so it never decides `required`.
"""
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

import regen

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = HERE / "CLIENT-TIER.md"

# Client groups: one client, one vote. pyVideoSDK repeats python-trueconf-room line for line.
GROUP = {
    "python-trueconf-room-1.0.0": "python", "pyvideosdk-50dbd06": "python",
    "python-trueconf-room-examples": "python-examples",
    "qt-wrapper-main-2f97576": "qt-main", "qt-wrapper-pr7-6bb7f52": "qt-pr7",
    "tcroom-06b90fa": "tcroom", "tcroom-demo-9aabcb5": "tcroom-demo",
    "maui-kiosk-70bb34d": "maui-kiosk", "csharp-kiosk-buttons-4aacd63": "csharp-kiosk",
    "csharp-democall-9ff9bfb": "csharp-democall", "qt-sample-eaf9324": "qt-sample",
}
GROUP_NOTE = {
    "python": "python-trueconf-room 1.0.0 (PyPI) = TrueConf/pyVideoSDK @50dbd06, 2024-02/2025-12",
    "python-examples": "python-trueconf-room examples @v1.0.0 (handlers only)",
    "qt-main": "zoboff/videosdk main @2f97576, 2023-03-30",
    "qt-pr7": "zoboff/videosdk pull request #7 @6bb7f52, 2024-01-25",
    "tcroom": "zoboff/tcroom @06b90fa, 2022-05-13",
    "tcroom-demo": "zoboff/tcroom-demo @9aabcb5, 2022-04-05",
    "maui-kiosk": "TrueConf/trueconf-videosdk-maui-demo-kiosk @70bb34d, 2025-10-15 (method names only)",
    "csharp-kiosk": "zoboff/KioskVideoCallButtons @4aacd63, 2023-12-14 (C# wrapper)",
    "csharp-democall": "zoboff/csharpVideoSDK-DemoCall @9ff9bfb, 2023-11-15",
    "qt-sample": "MitskiFys/PersonTracking @eaf9324, 2021-06-28 (third-party Qt sample)",
}
PRIMARY = {"python": "python-trueconf-room-1.0.0"}  # cite this source of a group, not its copies
# Pre-4.1 file transfer: names python-trueconf-room and Qt main (2023-03) use and Qt pull request #7
# (2024-01) dropped, while it uses the documented 4.1.0+ file-transfer names instead. The successor
# is our reading of the names (same role, "file" -> "file request"); None where the names do not
# tell one successor. The command pairs are argued key by key in ANALYSIS.md section 1d.
OBSOLETE = {
    "acceptFile": "acceptIncomingFileRequest", "rejectFile": "rejectIncomingFileRequest",
    "getFileInfo": "getFileRequestInfo", "getFileRequests": "getIncomingFilesRequests",
    "getFileUploads": "getOutgoingFilesRequests", "getFileTransferInfo": "getFileTransferHistory",
    "clearFileTransfer": "clearFileTransferHistory", "sendConferenceFile": "sendFileToConference",
    "fileStatus": "fileRequestStatusChanged", "fileTransferAvailable": "fileTransferAvailabilityChanged",
    "fileTransferCleared": "fileTransferHistoryCleared",
    "fileTransferFileDeleted": "fileDeletedFromFileTransferHistory",
    "fileDownloadingProgress": "incomingFileRequestDownloadingProgress",
    "fileUploadingProgress": "outgoingFileRequestUploadingProgress",
    "fileSent": "outgoingFileRequestSent", "fileConferenceSent": "outgoingFileRequestSentToConference",
    "fileAccepted": None, "fileRejected": None, "fileTransferPinChanged": None,
}


def definitions():
    out = {}
    for kind in ("commands", "notifications"):
        for f in (ROOT / "schema" / kind).glob("*.json"):
            d = json.loads(f.read_text(encoding="utf-8"))
            out[(kind, d["name"])] = d
    return out


def field_names(d, part):
    fields = d.get(part, {}).get("fields", []) if part else d.get("fields", [])
    names = set()
    for fl in fields:
        names.add(fl["name"])
        names.update(a["name"] for a in fl.get("aliases", []))
    return names


def cite(entries, limit=4):
    """`file:line` of entries, primary source of each group, at most `limit` per group."""
    by_group = defaultdict(list)
    for e in entries:
        g = GROUP[e["source"]]
        if PRIMARY.get(g, e["source"]) != e["source"]:
            continue
        loc = f"{e['file']}:{e['line']}"
        if loc not in by_group[g]:
            by_group[g].append(loc)
    parts = []
    for g, locs in sorted(by_group.items()):
        more = f" +{len(locs) - limit}" if len(locs) > limit else ""
        parts.append(f"{g} {', '.join(locs[:limit])}{more}")
    return "; ".join(parts)


def dropped(w, by_subject, subject):
    """Say so when Qt main uses a name that pull request #7 no longer uses (data, not a verdict)."""
    groups = {GROUP[e["source"]] for e in by_subject.get(subject, [])}
    if "qt-main" in groups and "qt-pr7" not in groups:
        w("- the Qt wrapper uses it on main (2023-03) and no longer in pull request #7 (2024-01)")


def status(defs, known, kind, name):
    d = defs.get((kind, name))
    if d:
        return "typed (documented)" if d.get("source") == "documented" else f"typed ({d.get('source')}, no doc page)"
    if name in known[kind]:
        return "untyped (catalogued in known.json)"
    why = known["left out"].get(f"{kind}/{name}")
    if why:
        return f"untyped on purpose (known.json untypedKeys): {why}"
    return "unknown (not in known.json)"

def request_keys(req):
    """What the clients send for one command, from the entries of `commands/<name>#request`:
    the `sends` entries, the sending client groups, their literals (first per group), their code
    sites (group -> site -> keys), and per key its JSON types by group, the groups that send it,
    whether every voting group sends it in every request it builds (the tier's rule for
    `required`; the MAUI kiosk shows only method names and never votes) and where it is left out.
    Shared with scripts/evidence/draft_client_tier.py."""
    sends = [e for e in req if e["says"] == "sends"]
    senders = sorted({GROUP[e["source"]] for e in sends if e["key"] is None})
    voters = [g for g in senders if g != "maui-kiosk"]
    literals = {}
    for e in sends:
        if e["key"] is None and GROUP[e["source"]] not in literals:
            literals[GROUP[e["source"]]] = e["literal"]
    sites = defaultdict(dict)  # group -> (source, file, line, literal) -> keys
    for e in sends:
        if e["key"] is None:
            sites[GROUP[e["source"]]][(e["source"], e["file"], e["line"], json.dumps(e["literal"], sort_keys=True))] = \
                set(e["literal"]) - {"method"}
    keys = sorted({key for g in sites for ks in sites[g].values() for key in ks})
    by_key = {}
    for key in keys:
        types = defaultdict(set)
        for e in sends:
            if e["key"] == key:
                types[GROUP[e["source"]]].add(e.get("type", "?"))
        by = sorted(g for g in sites if any(key in ks for ks in sites[g].values()))
        every = all(all(key in ks for ks in sites[g].values()) for g in voters) and bool(voters)
        omits = [e for e in req if e["says"] == "omits" and e["key"] == key]
        missing_clients = [g for g in voters if g not in by]
        where = "; ".join(sorted({f"{GROUP[e['source']]} {e['condition']}" for e in omits
                                  if PRIMARY.get(GROUP[e['source']], e['source']) == e['source']}))
        if missing_clients:
            where = (where + "; " if where else "") + f"never sent by {', '.join(missing_clients)}"
        by_key[key] = {"types": types, "by": by, "every": every, "where": where}
    return {"sends": sends, "senders": senders, "voters": voters, "literals": literals,
            "sites": sites, "keys": keys, "by_key": by_key}


def build():
    doc = json.loads((ROOT / "schema/evidence/clients.json").read_text(encoding="utf-8"))
    entries = doc["entries"]
    defs = definitions()
    known_json = json.loads((ROOT / "schema/known.json").read_text(encoding="utf-8"))
    known = {"commands": {c["name"]: c for c in known_json["commands"]},
             "notifications": {n["name"]: n for n in known_json["notifications"]},
             # Subjects left untyped as a whole on purpose, with why.
             "left out": {e["subject"].split("#")[0]: e["evidence"]
                          for e in known_json.get("untypedKeys", []) if "key" not in e}}
    by_subject = defaultdict(list)
    for e in entries:
        by_subject[e["subject"]].append(e)

    commands, notifications = set(), set()
    for s, es in by_subject.items():
        if s.startswith("commands/"):
            name, part = s[len("commands/"):].split("#")
            if part == "request" and any(e["says"] == "sends" for e in es):
                commands.add(name)
            if part == "response" and any(e["says"] in ("handles", "requires", "reads") for e in es):
                commands.add(name)
        elif s.startswith("notifications/"):
            notifications.add(s[len("notifications/"):])

    def undocumented(kind, name):
        d = defs.get((kind, name))
        return d is None or d.get("source") != "documented"

    out = []
    w = out.append
    w("# Client tier: what TrueConf's clients use that no doc page describes\n")
    w("Generated by `tests/conformance/client_tier.py` from `schema/evidence/clients.json` and the definitions "
      "(do not edit by hand; rerun after either changes). This is the work list for typing the client tier "
      "(issue 18 item 2): every command and notification that a TrueConf client sends or handles and that has "
      "no doc page, with the keys the clients send (JSON type, and whether every sending client sends the key "
      "in every request: the tier's rule for `required`), the keys they read or require in the reply or "
      "notification, and where the clients disagree.\n")
    w("Clients (one vote each; `file:line` below cites the first source of the group):\n")
    w("| client | pinned source |\n|---|---|")
    for g, note in GROUP_NOTE.items():
        w(f"| {g} | {note} |")
    w("\nReading the tables: **every** = every client that sends the command sends the key in every request it "
      "builds (candidate `required`); **some** = at least one request of a sending client lacks it (`optional`). "
      "Types are the JSON types of the clients' literals: where a client takes an argument the value is a sample "
      "of the argument's type (python: the annotation; Qt: the C++ type; C#: the concatenation), so `string` for a "
      "Qt `QString` parameter is as good as the C++ type, and a key with no type means the source gives none. The "
      "MAUI kiosk only shows method names (its NuGet package builds the JSON), so it is listed but never decides "
      "`every`. Reply/notification keys come from python filters (`requires`: the filter needs the key) and "
      "handler or model reads (`reads`); all are optional in the tier (no doc states them). **Obsolete** marks the "
      "pre-4.1 file-transfer names: python-trueconf-room and Qt main use them, Qt pull request #7 (2024-01) "
      "dropped every one of them and uses the documented 4.1.0+ names instead; the successor named is our "
      "reading of the names (the command pairs are argued key by key in ANALYSIS.md section 1d).\n")

    # ---- figures ---------------------------------------------------------------------------
    per_group = defaultdict(lambda: {"sends": set(), "handles_resp": set(), "handles_notif": set()})
    for e in entries:
        g = GROUP[e["source"]]
        if e["key"] is None and e["says"] == "sends":
            per_group[g]["sends"].add(e["subject"][9:].split("#")[0])
        if e["says"] in ("handles", "requires", "reads"):
            if e["subject"].startswith("notifications/"):
                per_group[g]["handles_notif"].add(e["subject"][14:])
            elif e["subject"].endswith("#response"):
                per_group[g]["handles_resp"].add(e["subject"][9:].split("#")[0])
    w("## Figures\n")
    w("| client | commands sent | of them without doc page | responses handled | notifications handled | of them without doc page |")
    w("|---|---|---|---|---|---|")
    for g in GROUP_NOTE:
        p = per_group[g]
        w(f"| {g} | {len(p['sends'])} | {sum(undocumented('commands', n) for n in p['sends'])} | "
          f"{len(p['handles_resp'])} | {len(p['handles_notif'])} | "
          f"{sum(undocumented('notifications', n) for n in p['handles_notif'])} |")
    def tier(kind, names, source):
        return sum(1 for n in names if defs.get((kind, n), {}).get("source") == source)

    all_c_undoc = sorted(n for n in commands if undocumented("commands", n))
    all_n_undoc = sorted(n for n in notifications if undocumented("notifications", n))
    w(f"\nAll clients together: {len(commands)} distinct commands (sent, or their reply handled), "
      f"{len(all_c_undoc)} without a doc page; {len(notifications)} distinct notifications handled, "
      f"{len(all_n_undoc)} without a doc page. Of the commands without a page: "
      f"{tier('commands', all_c_undoc, 'client')} typed in the client tier, "
      f"{tier('commands', all_c_undoc, 'inferred')} typed as `inferred`, "
      f"{sum(1 for n in all_c_undoc if ('commands', n) not in defs and n in known['commands'])} catalogued in "
      f"known.json, {sum(1 for n in all_c_undoc if f'commands/{n}' in known['left out'])} left untyped on "
      f"purpose (known.json untypedKeys, with why), "
      f"{sum(1 for n in all_c_undoc if ('commands', n) not in defs and n not in known['commands'] and f'commands/{n}' not in known['left out'])} "
      f"unknown to the crate. Of the notifications: "
      f"{tier('notifications', all_n_undoc, 'client')} in the client tier, "
      f"{tier('notifications', all_n_undoc, 'inferred')} inferred, "
      f"{sum(1 for n in all_n_undoc if ('notifications', n) not in defs and n in known['notifications'])} "
      f"catalogued, {sum(1 for n in all_n_undoc if ('notifications', n) not in defs and n not in known['notifications'])} "
      f"unknown.\n")

    # ---- index -----------------------------------------------------------------------------
    w("## Index\n")
    w("| name | kind | status | clients | obsolete |\n|---|---|---|---|---|")
    for kind, names in (("commands", all_c_undoc), ("notifications", all_n_undoc)):
        for name in names:
            if kind == "commands":
                es = by_subject.get(f"commands/{name}#request", []) + by_subject.get(f"commands/{name}#response", [])
            else:
                es = by_subject.get(f"notifications/{name}", [])
            groups = sorted({GROUP[e["source"]] for e in es})
            obs = ("yes" + (f" → `{OBSOLETE[name]}`" if OBSOLETE[name] else "")) if name in OBSOLETE else ""
            w(f"| `{name}` | {kind[:-1]} | {status(defs, known, kind, name)} | {', '.join(groups)} | {obs} |")
    w("")

    # ---- commands --------------------------------------------------------------------------
    w("## Commands without a doc page\n")
    for name in all_c_undoc:
        req = by_subject.get(f"commands/{name}#request", [])
        resp = by_subject.get(f"commands/{name}#response", [])
        st = status(defs, known, "commands", name)
        title = f"### `{name}` — {st}"
        if name in OBSOLETE:
            title += f" — **obsolete**: pre-4.1 file transfer, successor `{OBSOLETE[name]}`"
        w(title + "\n")
        k = known["commands"].get(name)
        dropped(w, by_subject, f"commands/{name}#request")
        if k:
            w(f"- known.json: {k['evidence']}" + (f" Params listed: {', '.join(k['params'])}." if k.get("params") else ""))
        if name in OBSOLETE:
            succ = OBSOLETE[name]
            sd = defs.get(("commands", succ)) or defs.get(("notifications", succ))
            users_old = sorted({GROUP[e["source"]] for e in req + resp})
            users_new = sorted({GROUP[e["source"]] for e in by_subject.get(f"commands/{succ}#request", [])
                                + by_subject.get(f"notifications/{succ}", [])})
            w(f"- obsolete: sent/handled by {', '.join(users_old) or 'nobody'}; the successor `{succ}` is "
              f"{'typed (' + sd.get('source') + ')' if sd else 'not typed'}"
              + (f" ({', '.join(sd.get('docUrls', [])[:1])})" if sd and sd.get("docUrls") else "")
              + f" and used by {', '.join(users_new) or 'no client here'}. The documented file-transfer pages "
              "are marked 4.1.0+, and the Qt wrapper switched to the new names between main (2023-03) and "
              "pull request #7 (2024-01).")
        sent = request_keys(req)
        sends, senders, sites, keys = sent["sends"], sent["senders"], sent["sites"], sent["keys"]
        w(f"- sent by: {', '.join(senders) or '—'}" + (f" ({cite([e for e in sends if e['key'] is None])})" if senders else ""))
        if sent["literals"]:
            w("- literals: " + "; ".join(f"{g} `{json.dumps(lit, separators=(',', ':'))}`"
                                         for g, lit in sent["literals"].items()))
        if keys:
            w("\n| key | JSON type(s) by client | sent by | every / some | omitted where |")
            w("|---|---|---|---|---|")
            for key in keys:
                k = sent["by_key"][key]
                tstr = "; ".join(f"{g}: {'/'.join(sorted(t))}" for g, t in sorted(k["types"].items()))
                w(f"| `{key}` | {tstr} | {', '.join(k['by'])} | {'every' if k['every'] else 'some'} | "
                  f"{k['where'] or '—'} |")
            # contradictions: different types for one key
            clash = []
            for key in keys:
                ts = {t for e in sends if e["key"] == key and e.get("type") and e["type"] != "null" for t in [e["type"]]}
                if len(ts) > 1:
                    clash.append(f"`{key}` is sent as {' and '.join(sorted(ts))}")
            # different names for one parameter: keys no client sends together
            senders_of = {key: {g for g in sites if any(key in ks for ks in sites[g].values())} for key in keys}
            for i, a in enumerate(keys):
                for b in keys[i + 1:]:
                    if senders_of[a] and senders_of[b] and not senders_of[a] & senders_of[b]:
                        clash.append(f"`{a}` ({', '.join(sorted(senders_of[a]))}) and `{b}` "
                                     f"({', '.join(sorted(senders_of[b]))}) are never sent by the same client: "
                                     "one parameter under two names?")
            if clash:
                w(f"\n- **contradiction**: {'; '.join(clash)}")
        rkeys = defaultdict(lambda: defaultdict(set))
        for e in resp:
            if e["key"] is not None and e["says"] in ("requires", "reads"):
                rkeys[e["key"]][e["says"]].add(GROUP[e["source"]])
        handled = sorted({GROUP[e["source"]] for e in resp})
        if handled:
            w(f"\n- reply handled by: {', '.join(handled)} ({cite([e for e in resp if e['key'] is None] or resp)})")
        lower = defaultdict(list)
        for key in rkeys:
            lower[key.lower()].append(key)
        for spellings in lower.values():
            if len(spellings) > 1:
                w(f"- **contradiction**: the reply key is spelled {' and '.join(f'`{k}`' for k in sorted(spellings))} "
                  "by different clients")
        if rkeys:
            w("- reply keys: " + "; ".join(
                f"`{key}` ({', '.join(f'{v} by {chr(44).join(sorted(gs))}' for v, gs in sorted(d.items()))}"
                + (f", type {'/'.join(sorted({e['type'] for e in resp if e['key'] == key and e.get('type')}))}"
                   if any(e['key'] == key and e.get('type') for e in resp) else "") + ")"
                for key, d in sorted(rkeys.items())))
            # a reply key filter that names a different message than sent
        w("")

    # ---- notifications ---------------------------------------------------------------------
    w("## Notifications without a doc page\n")
    for name in all_n_undoc:
        es = by_subject.get(f"notifications/{name}", [])
        st = status(defs, known, "notifications", name)
        title = f"### `{name}` — {st}"
        if name in OBSOLETE:
            succ = OBSOLETE[name]
            title += " — **obsolete**: pre-4.1 file transfer, " + (
                f"successor by name `{succ}`" if succ else "no single successor can be told from the names")
        w(title + "\n")
        k = known["notifications"].get(name)
        dropped(w, by_subject, f"notifications/{name}")
        if k:
            w(f"- known.json: {k['evidence']}")
        if name in OBSOLETE and OBSOLETE[name]:
            succ = OBSOLETE[name]
            sd = defs.get(("notifications", succ))
            users_new = sorted({GROUP[e["source"]] for e in by_subject.get(f"notifications/{succ}", [])})
            w(f"- obsolete: the successor `{succ}` is {'typed (' + sd.get('source') + ')' if sd else 'not typed'} and "
              f"handled by {', '.join(users_new) or 'no client here'}.")
        handled = sorted({GROUP[e["source"]] for e in es})
        w(f"- handled by: {', '.join(handled)} ({cite([e for e in es if e['key'] is None] or es, 2)})")
        rkeys = defaultdict(lambda: defaultdict(set))
        for e in es:
            if e["key"] is not None and e["says"] in ("requires", "reads"):
                rkeys[e["key"]][e["says"]].add(GROUP[e["source"]])
        if rkeys:
            w("- keys: " + "; ".join(
                f"`{key}` ({', '.join(f'{v} by {chr(44).join(sorted(gs))}' for v, gs in sorted(d.items()))}"
                + (f", type {'/'.join(sorted({e['type'] for e in es if e['key'] == key and e.get('type')}))}"
                   if any(e['key'] == key and e.get('type') for e in es) else "")
                + f"; {cite([e for e in es if e['key'] == key], 2)})"
                for key, d in sorted(rkeys.items())))
        else:
            w("- keys: none read or required by any client (a handler for the name only)")
        w("")

    # ---- typed messages: keys the definitions lack --------------------------------------------
    w("## Documented messages: client keys the definitions lack\n")
    w("Keys a client sends, reads or requires on a message or record that has a definition, where the "
      "definition has no field (or alias) of that name. Typos in the clients stay typos here; the evidence "
      "index decides what they mean.\n")
    w("| message or record | key | what clients do | where |\n|---|---|---|---|")
    typed_fields, typed_types = {}, {}

    def types_of(fields):
        return {a: fl["type"] for fl in fields for a in [fl["name"]] + [x["name"] for x in fl.get("aliases", [])]}

    for (kind, name), d in defs.items():
        if kind == "commands":
            typed_types[f"commands/{name}#response"] = types_of(d.get("response", {}).get("fields", []))
        else:
            typed_types[f"notifications/{name}"] = types_of(d.get("fields", []))
        if kind == "commands":
            typed_fields[f"commands/{name}#request"] = field_names(d, "request")
            typed_fields[f"commands/{name}#response"] = field_names(d, "response")
        else:
            typed_fields[f"notifications/{name}"] = field_names(d, None)
    for f in (ROOT / "schema" / "types").glob("*.json"):
        d = json.loads(f.read_text(encoding="utf-8"))
        if d.get("kind") == "record":
            typed_fields[f"types/{d['name']}"] = field_names(d, None)
            typed_types[f"types/{d['name']}"] = types_of(d.get("fields", []))
    for subject in sorted(by_subject):
        if subject not in typed_fields:
            continue
        es = [e for e in by_subject[subject] if e["key"] is not None and e["says"] != "omits"]
        for key in sorted({e["key"] for e in es}):
            base = key.split(".")[0]
            if base in typed_fields[subject]:
                continue
            ke = [e for e in es if e["key"] == key]
            what = "; ".join(sorted({f"{e['says']} by {GROUP[e['source']]}" + (f" ({e['type']})" if e.get("type") else "")
                                     for e in ke}))
            w(f"| `{subject}` | `{key}` | {what} | {cite(ke, 2)} |")

    # ---- the MAUI kiosk's getHardware model -----------------------------------------------------
    w("\n## The MAUI kiosk's getHardware model against the definitions\n")
    maui = [e for e in entries if e["source"] == "maui-kiosk-70bb34d" and e["says"] == "reads"
            and ("getHardware#response" in e["subject"] or "getHardware" in e.get("note", ""))]
    w("| subject | key | C# model type (JSON) | our type | model line |\n|---|---|---|---|---|")
    shown = set()
    for e in sorted(maui, key=lambda e: (e["subject"], e["key"], e["line"])):
        if (e["subject"], e["key"]) in shown:
            continue
        shown.add((e["subject"], e["key"]))
        ours = typed_types.get(e["subject"], {}).get(e["key"].split(".")[0])
        items = re.search(r"\(array of (\w+)\)", e.get("note", ""))
        w(f"| `{e['subject']}` | `{e['key']}` | {e.get('type', '?')}{' of ' + items.group(1) if items else ''} | {f'`{ours}`' if ours else '**missing**'} | "
          f"{e['file']}:{e['line']} |")
    return "\n".join(out).rstrip() + "\n"


def main():
    return regen.main_texts(__doc__, lambda: {OUT: build()})


if __name__ == "__main__":
    sys.exit(main())

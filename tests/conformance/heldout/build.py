#!/usr/bin/env python3
"""Held-out requests: TrueConf code that the python/ and qt/ corpora were not built from.

    python tests/conformance/heldout/build.py [--check]

Collects the requests of the clike/ sources marked `heldout` in clike/pin.json (the MAUI kiosk,
the C# wrappers, the third-party Qt sample) into requests.jsonl, one line per code site, with
requests.labels.json giving source, file:line and whether the line is the exact request
(`exact: false` for the MAUI kiosk, whose NuGet package adds keys we cannot see: those lines
carry only the method name). responses.jsonl holds the one response form such code shows, the
C# wrapper's doc-comment example of `accept` (hand-written, not a capture). Run clike/scan.py
first; this only reads its committed output.
"""
import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLIKE = HERE.parent / "clike"
RESPONSES = [{
    "message": {"method": "accept", "result": True},
    "label": {"source": "csharp-kiosk-buttons", "repository": "https://github.com/zoboff/KioskVideoCallButtons",
              "commit": "4aacd63cda77aba7ab780d80663b508b8a8b415e", "file": "TrueConfVideoSDKInterface.cs",
              "line_in_file": 60, "note": "XML doc 'Response example' of accept(): hand-written by TrueConf's developer, "
                                  "not a capture; also listed in ../captures/captures.json (real: false)"}}]


def build():
    pin = json.loads((CLIKE / "pin.json").read_text())
    lines, labels = [], []
    for src in pin["sources"]:
        if not src.get("heldout"):
            continue
        msgs = (CLIKE / f"{src['out']}.jsonl").read_text().splitlines()
        rows = json.loads((CLIKE / f"{src['out']}.labels.json").read_text())["requests"]
        for msg, row in zip(msgs, rows):
            file, line = row["source"].rsplit(":", 1)
            exact = "params_unknown" not in row
            lines.append(msg)
            labels.append({"line": len(lines), "source": src["id"], "repository": f"https://github.com/{src['repo']}",
                           "commit": src["commit"], "file": file, "line_in_file": int(line),
                           "function": row["function"], "exact": exact,
                           **({"samples": row["samples"]} if row.get("samples") else {}),
                           **({"params_unknown": row["params_unknown"]} if not exact else {})})
    doc = {"note": "entry N describes line N of requests.jsonl; `samples`: operands whose value is a "
                   "placeholder of their type; `exact: false`: only the method name is certain (the MAUI "
                   "kiosk's NuGet package builds the request; `params_unknown` is the C# call's argument text)",
           "requests": labels}
    resp_doc = {"note": "entry N describes line N of responses.jsonl", "responses": [
        {"line": n, **r["label"]} for n, r in enumerate(RESPONSES, 1)]}
    return {
        "requests.jsonl": "".join(l + "\n" for l in lines),
        "requests.labels.json": json.dumps(doc, indent=1) + "\n",
        "responses.jsonl": "".join(json.dumps(r["message"], separators=(",", ":")) + "\n" for r in RESPONSES),
        "responses.labels.json": json.dumps(resp_doc, indent=1) + "\n",
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    files = build()
    if args.check:
        stale = [n for n, t in files.items() if not (HERE / n).is_file() or (HERE / n).read_text() != t]
        if stale:
            print("out of date:", ", ".join(stale), file=sys.stderr)
            return 1
        print("held-out set is current")
        return 0
    for name, text in files.items():
        (HERE / name).write_text(text)
    print("wrote", ", ".join(files))
    return 0


if __name__ == "__main__":
    sys.exit(main())

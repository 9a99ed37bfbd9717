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
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import regen  # noqa: E402
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
    return {HERE / name: text for name, text in {
        "requests.jsonl": "".join(l + "\n" for l in lines),
        "requests.labels.json": json.dumps(doc, indent=1) + "\n",
        "responses.jsonl": "".join(json.dumps(r["message"], separators=(",", ":")) + "\n" for r in RESPONSES),
        "responses.labels.json": json.dumps(resp_doc, indent=1) + "\n",
    }.items()}


def main():
    return regen.main_texts(__doc__, build)


if __name__ == "__main__":
    sys.exit(main())

"""What the conformance generators share: their command line (write the outputs, or with
`--check` regenerate and fail when a committed output differs), bracket matching for the text
scanners, and the evidence files' layout (one entry per line)."""
import argparse
import json
import sys
import tempfile
from pathlib import Path


def main_dir(doc, generate, here, source_help):
    """CLI of a scanner: `generate(SOURCE, out_dir)` writes files into out_dir, returns names."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("source", type=Path, help=source_help)
    ap.add_argument("--check", action="store_true", help="fail if the committed files differ")
    args = ap.parse_args()
    if not args.check:
        print("wrote", ", ".join(generate(args.source, here)))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        stale = [n for n in generate(args.source, Path(tmp))
                 if not (here / n).is_file() or (here / n).read_bytes() != (Path(tmp) / n).read_bytes()]
    return report(stale, here)


def main_texts(doc, build):
    """CLI of a writer: `build()` returns {path: text} for the files it owns."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="fail if the committed files differ")
    args = ap.parse_args()
    files = build()
    if not args.check:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        print("wrote", ", ".join(p.name for p in files))
        return 0
    stale = [p.name for p, text in files.items() if not p.is_file() or p.read_text(encoding="utf-8") != text]
    return report(stale, next(iter(files)).parent)


def report(stale, where):
    if stale:
        print(f"out of date in {where}: {', '.join(stale)} (rerun the generator)", file=sys.stderr)
        return 1
    print(f"{where}: outputs are current")
    return 0


def closing(text, i):
    """Index of the bracket that closes text[i] ('(', '[' or '{')."""
    pair = {"(": ")", "[": "]", "{": "}"}[text[i]]
    depth = 0
    for k in range(i, len(text)):
        depth += (text[k] == text[i]) - (text[k] == pair)
        if depth == 0:
            return k
    return len(text)


def entries_text(doc):
    """An evidence file with one entry per line, so that a rerun's diff shows entries."""
    head = json.dumps({k: v for k, v in doc.items() if k != "entries"}, indent=1, ensure_ascii=False)
    lines = ",\n".join("  " + json.dumps(e, ensure_ascii=False) for e in doc["entries"])
    return head[:-2] + ',\n "entries": [\n' + lines + "\n ]\n}\n"


def write_scan(out_dir, out, messages, labels, handlers):
    """A scanner's three outputs: OUT.jsonl (one request per line), OUT.labels.json, OUT.handlers.json."""
    with open(out_dir / f"{out}.jsonl", "w", encoding="utf-8", newline="\n") as fh:
        fh.writelines(json.dumps(m, separators=(",", ":")) + "\n" for m in messages)
    for suffix, doc in (("labels", labels), ("handlers", handlers)):
        (out_dir / f"{out}.{suffix}.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n",
                                                      encoding="utf-8")
    return [f"{out}.jsonl", f"{out}.labels.json", f"{out}.handlers.json"]

#!/usr/bin/env python3
"""Requests, handlers, reads and models from TrueConf's C# and C++ samples (and one third-party
Qt program), read as text from git snapshots. Nothing is compiled or run.

    python scan.py MIRRORS [--check]   MIRRORS: folder holding <owner>+<name>/repo git dirs
                                       (what the `fetch` tool makes); pin.json names the commits

What each source gives (pin.json `scan` lists which of these apply):

- `strings`: requests the code writes as JSON text, possibly concatenated with variables
  (`"{\\"method\\": \\"call\\", \\"peerId\\": \\"" + id + "\\"}"`). A variable inside a JSON
  string becomes "" and one outside becomes 0, or false for `x.ToString().ToLower()` and for
  a `bool` parameter; the label lists these keys as `samples`.
- `calls`: `X.Methods.name(args)` calls of a library whose code is not in the repository (the
  MAUI kiosk's NuGet package): only the method name is certain, so the request is
  `{"method": name}` and the label keeps the call's argument text (`params_unknown`).
- `handles`: `case EventNames.EV_x` / `case "name":` dispatch, `Events.On_x +=` subscriptions,
  `if (val == "name")` branches.
- `reads`: `json["k"]`, `obj.value(QString("k"))`, `x["k"]` reads, given to the message that the
  nearest enclosing `if`/`case` selects by its method or event name. Reads in code that selects
  no message are left out (they are the envelope: method, event, result, error).
- `models`: C# classes deserialised from messages (Newtonsoft.Json): every property is a key the
  client reads, with the JSON type of the C# type; the message comes from the class name
  (GetHardwareResponse -> getHardware response, LoginEvent -> login notification), and nested
  classes are objects inside it.

Output per source (`out` in pin.json): OUT.jsonl (requests), OUT.labels.json (line N of the
jsonl: file:line, function, samples) and OUT.handlers.json (handles, reads, models, file:line).
"""
import json
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import regen  # noqa: E402
STRING = re.compile(r'@?"(?:\\.|[^"\\\n])*"')
CS_TYPES = {"string": "string", "int": "integer", "long": "integer", "short": "integer", "double": "number",
            "float": "number", "bool": "boolean", "object": None, "JObject": "object", "JArray": "array"}


def unescape(lit):
    body = lit[2:-1].replace('""', '"') if lit.startswith("@") else lit[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), body)


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def signature_params(text, pos):
    """Parameter name -> C type of the nearest function signature before pos."""
    head = text[:pos]
    sigs = list(re.finditer(r"\b\w+\s+\w+(?:::\w+)?\s*\(([^()]*)\)\s*(?:const\s*)?\{", head))
    if not sigs:
        return {}
    out = {}
    for p in sigs[-1].group(1).split(","):
        words = re.sub(r"=.*", "", p).replace("&", " ").replace("const", " ").split()
        if len(words) >= 2:
            out[words[-1]] = words[-2]
    return out


def concat_requests(text, fname):
    """JSON requests written as (concatenated) string literals."""
    rows = []
    for hit in re.finditer(r'\\"method\\"', text):
        # the statements that build requests here fit on one line
        begin = text.rfind("\n", 0, hit.start()) + 1
        end = text.find("\n", hit.end())
        s, stmt_start = text[begin:end if end >= 0 else len(text)], begin
        lits = list(STRING.finditer(s))
        first = next((i for i, m in enumerate(lits) if '"method"' in unescape(m.group())), None)
        if first is None:
            continue
        if any(r["source"] == f"{fname}:{line_of(text, begin)}" for r in rows):
            continue
        params = signature_params(text, stmt_start)
        out, samples, notes = "", [], []
        for i in range(first, len(lits)):
            m = lits[i]
            if i > first:
                gap = s[lits[i - 1].end():m.start()].strip()
                if gap != "+":
                    operand = gap.strip("+ ").strip()
                    if not operand or gap.count("+") < 2 and not gap.endswith("+"):
                        break
                    if out.count('"') % 2 == 1:  # inside a JSON string
                        out += ""
                    elif "ToString().ToLower()" in operand or params.get(operand) == "bool":
                        out += "false"
                    else:
                        out += "0"
                    samples.append(operand)
            out += unescape(m.group())
        try:
            msg = json.loads(out)
        except ValueError as e:
            notes.append(f"not JSON ({e.msg}): {out}")
            msg = None
        if isinstance(msg, dict) and msg.get("method") == "event":
            continue  # a sample notification in a comment or test, not a request
        pos = stmt_start + lits[first].start()
        rows.append({"message": msg, "source": f"{fname}:{line_of(text, pos)}",
                     "function": enclosing_function(text, pos), "samples": samples, "notes": notes})
    return rows


def enclosing_function(text, pos):
    sigs = [m for m in re.finditer(r"\b(\w+(?:::\w+)?)\s*\([^()]*\)\s*(?:const\s*)?\{", text[:pos])
            if m.group(1) not in ("if", "switch", "for", "foreach", "while", "catch", "using", "lock")]
    return sigs[-1].group(1) if sigs else "<file>"


def method_calls(text, fname):
    rows = []
    for m in re.finditer(r"\.Methods\.(\w+)\(([^;]*?)\)\s*;", text):
        if m.group(1).startswith("On"):
            continue
        args = m.group(2).strip()
        rows.append({"message": {"method": m.group(1)}, "source": f"{fname}:{line_of(text, m.start())}",
                     "function": enclosing_function(text, m.start()), "samples": [],
                     "params_unknown": args if args else None,
                     "notes": ["built by a library not in the repository: only the method name is certain"]})
    return rows


def string_consts(text):
    return {m.group(1): m.group(2) for m in re.finditer(r'(\w+)\s*=\s*"([A-Za-z_]\w*)"\s*;', text)}


def handles(text, fname, consts):
    rows = []
    for m in re.finditer(r"case\s+(?:\w+\.)*(\w+)\s*:", text):
        name = consts.get(m.group(1))
        if name:
            rows.append({"kind": "notification", "message": name, "source": f"{fname}:{line_of(text, m.start())}",
                         "via": "dispatch case"})
    for m in re.finditer(r'case\s+"(\w+)"\s*:', text):
        rows.append({"kind": "response", "message": m.group(1), "source": f"{fname}:{line_of(text, m.start())}",
                     "via": "response dispatch case"})
    for m in re.finditer(r"\.Events\.On_(\w+)\s*\+=", text):
        rows.append({"kind": "notification", "message": m.group(1), "source": f"{fname}:{line_of(text, m.start())}",
                     "via": "event subscription"})
    for m in re.finditer(r'\bif\s*\(\s*\w+\s*==\s*"(\w+)"\s*\)', text):
        rows.append({"kind": "response", "message": m.group(1), "source": f"{fname}:{line_of(text, m.start())}",
                     "via": "branch on the reply's method"})
    return rows


def selected_messages(cond):
    """(kind, name) pairs a condition selects by comparing method/event with a literal."""
    out = []
    for m in re.finditer(r'Compare\("(\w+)",\s*\(string\)\w+\["(method|event)"\]', cond):
        if m.group(1) == "event":
            continue
        out.append(("notification" if m.group(2) == "event" else "response", m.group(1)))
    for m in re.finditer(r'\w+\s*==\s*"(\w+)"', cond):
        out.append(("response", m.group(1)))
    # an event branch selects the event, not the "event" method
    if any(k == "notification" for k, _ in out):
        out = [o for o in out if o != ("response", "event")]
    return out


def reads(text, fname):
    """Key reads inside branches that select a message."""
    rows = []
    for cond in re.finditer(r"\bif\s*\(", text):
        # the balanced condition and the block after it
        i = regen.closing(text, cond.end() - 1)
        subjects = selected_messages(text[cond.end():i])
        if not subjects:
            continue
        j = text.index("{", i)
        block = text[j:regen.closing(text, j)]
        aliases = {a.group(1): [a.group(2)] for a in re.finditer(r'(\w+)\s*=\s*\w+\.value\(QString\("(\w+)"\)\)', block)}
        for m in re.finditer(r'(\w+)((?:\["\w+"\]|\[\d+\])+)|\.value\(QString\("(\w+)"\)\)', block):
            if m.group(3):
                path = [m.group(3)]
            else:
                path = aliases.get(m.group(1), []) + re.findall(r'\["(\w+)"\]', m.group(2))
                if m.group(1) in ("config",) or not path:
                    continue
            if path[0] in ("method", "event"):
                continue
            for kind, name in subjects:
                rows.append({"kind": kind, "message": name, "path": path,
                             "source": f"{fname}:{line_of(text, j + m.start())}",
                             "via": f"branch at line {line_of(text, cond.start())}"})
    # a read in the condition itself (`(bool)json["result"] == true`)
    for cond in re.finditer(r"\bif\s*\(", text):
        c = text[cond.end():regen.closing(text, cond.end() - 1)]
        for alt in re.split(r"\|\|", c):
            subjects = selected_messages(alt)
            for m in re.finditer(r'\(\w+\)\w+\["(\w+)"\]', alt):
                if m.group(1) in ("method", "event"):
                    continue
                for kind, name in subjects:
                    rows.append({"kind": kind, "message": name, "path": [m.group(1)],
                                 "source": f"{fname}:{line_of(text, cond.end() + c.index(alt) + m.start())}",
                                 "via": "condition"})
    return rows


def models(files):
    """C# model classes: {class: {"base": ..., "props": [(key, csharp type, line)], "file": f}}."""
    classes = {}
    for fname, text in files.items():
        for c in re.finditer(r"class\s+(\w+)(?:\s*:\s*(\w+))?\s*\{", text):
            start = c.end()
            body = text[start:regen.closing(text, start - 1) + 1]
            props, rename = [], None
            for line_no, line in enumerate(body.split("\n")):
                r = re.search(r'\[JsonProperty\("(\w+)"\)\]', line)
                if r:
                    rename = r.group(1)
                    continue
                p = re.search(r"public\s+([\w\[\]<>]+)\??\s+(\w+)\s*\{\s*get;", line)
                if p:
                    props.append((rename or p.group(2), p.group(1).rstrip("?"),
                                  line_of(text, start) + line_no))
                    rename = None
            classes[c.group(1)] = {"base": c.group(2), "props": props, "file": fname,
                                   "line": line_of(text, c.start())}
    return classes


def model_subject(cls):
    """GetHardwareResponse -> ("response", "getHardware"); OnInviteReceivedEvent -> ("notification", "inviteReceived")."""
    for suffix, kind in (("Response", "response"), ("Event", "notification")):
        if cls.endswith(suffix) and not cls.startswith("Base"):
            name = cls[:-len(suffix)]
            if kind == "notification" and name.startswith("On") and name[2:3].isupper():
                name = name[2:]
            return kind, name[0].lower() + name[1:]
    return None


def json_type(cstype, classes):
    if cstype.endswith("[]") or cstype.startswith("List<"):
        return "array"
    if cstype in classes:
        return "object"
    return CS_TYPES.get(cstype)


def model_reads(classes, usage):
    """Every property of every message model, nested classes followed, with the usage line."""
    rows = []

    def walk(cls, kind, name, prefix, seen, used):
        c = classes[cls]
        props = list(c["props"])
        base = c["base"]
        while base in classes:  # inherited properties (BaseResponse: method, requestId, result)
            props = classes[base]["props"] + props
            base = classes[base]["base"]
        for key, cstype, line in props:
            if not prefix and key in ("method", "event", "requestId"):
                continue
            path = prefix + [key]
            item = cstype[:-2] if cstype.endswith("[]") else None
            rows.append({"kind": kind, "message": name, "path": path, "type": json_type(cstype, classes),
                         **({"items": json_type(item, classes) or item} if item else {}),
                         "source": f"{classes[cls]['file'] if (key, cstype, line) in c['props'] else classes[c['base']]['file']}:{line}",
                         "model": cls, "used": used})
            inner = cstype.rstrip("[]")
            if inner in classes and inner not in seen:
                walk(inner, kind, name, path, seen | {inner}, used)

    for cls in classes:
        subj = model_subject(cls)
        if subj:
            walk(cls, *subj, [], {cls}, usage.get(cls))
    return rows


def git(repo, *args):
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def generate(mirrors, out_dir):
    pin = json.loads((HERE / "pin.json").read_text())
    written = []
    for src in pin["sources"]:
        repo = mirrors / src["repo"].replace("/", "+") / "repo"
        names = [f for f in git(repo, "ls-tree", "-r", "--name-only", src["commit"]).split()
                 if any(f == p or f.startswith(p + "/") for p in src["paths"]) and f.endswith((".cs", ".cpp", ".h"))]
        files = {f: git(repo, "show", f"{src['commit']}:{f}").removeprefix("\ufeff") for f in names}
        consts = {}
        for text in files.values():
            consts.update(string_consts(text))
        reqs, hand, rd = [], [], []
        for f, text in files.items():
            if "strings" in src["scan"]:
                reqs += concat_requests(text, f)
            if "calls" in src["scan"]:
                reqs += method_calls(text, f)
            if "handles" in src["scan"]:
                hand += handles(text, f, consts)
            if "reads" in src["scan"]:
                rd += reads(text, f)
        mreads = []
        if "models" in src["scan"]:
            classes = models(files)
            usage = {}
            for f, text in files.items():
                for m in re.finditer(r"ToObject<(\w+)>", text):
                    usage.setdefault(m.group(1), f"{f}:{line_of(text, m.start())}")
            mreads = model_reads(classes, usage)
        good = sorted((r for r in reqs if r["message"]), key=lambda r: (r["message"]["method"], r["source"]))
        bad = [r for r in reqs if not r["message"]]
        head = {"repository": f"https://github.com/{src['repo']}", "commit": src["commit"], "date": src["date"]}
        labels = {**head, "note": "entry N describes line N of the .jsonl; `samples`: operands whose value is a "
                                  "placeholder; `params_unknown`: arguments of a library call whose wire keys "
                                  "cannot be seen; `malformed`: request text that is not JSON",
                  "requests": [{"line": n, **{k: v for k, v in r.items() if k != "message"}}
                               for n, r in enumerate(good, 1)],
                  "malformed": [{k: v for k, v in r.items() if k != "message"} for r in bad]}
        key = lambda r: (r["message"], r.get("path", []), r["source"])
        handlers = {**head, "note": "handles: dispatch or subscription for a message; reads: keys taken out "
                                    "of a message in a branch that selects it; model_reads: properties of "
                                    "the deserialisation models (`used`: where the code converts a message "
                                    "to the message's model, null when it never does)",
                    "handles": sorted(hand, key=key), "reads": sorted(rd, key=key),
                    "model_reads": sorted(mreads, key=key)}
        written += regen.write_scan(out_dir, src["out"], [r["message"] for r in good], labels, handlers)
    return written


def main():
    return regen.main_dir(__doc__, generate, HERE, "folder with <owner>+<name>/repo git dirs")


if __name__ == "__main__":
    sys.exit(main())

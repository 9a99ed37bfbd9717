#!/usr/bin/env python3
"""Request skeletons from TrueConf's Qt wrapper (zoboff/videosdk), read as text from a git clone.

    python extract.py REPO [--check]   REPO: a clone (or bare git dir) holding the commits in pin.json

For every function of the pinned files that sends a request, this walks the function body as a
tiny interpreter and records the JSON it would send, with placeholder values of the right JSON
type ("" for QString, 0 for int, false for bool, [""] for string lists, {} for maps). Two styles
occur: main builds JSON text by concatenating string literals (so its typos survive as invalid
JSON, which we list in the labels instead of writing them as requests); pull request #7 fills
QVariantMaps and lets QJsonObject serialise them (keys come out sorted, as QJsonObject does).
Each `if` is tried taken and not taken (two branches comparing one variable with two different
literals are never combined); a loop body runs once with its inner `if`s not taken, i.e. a
one-element list. Nothing of the wrapper is stored here, only what its messages look like.

It also writes what the wrapper does with incoming messages (`handler_files` in pin.json) to
`OUT.handlers.json`: `handles`, the notifications it dispatches by name (main: the
`compare("name", name)` chain; pull request #7: the `Q_SIGNAL void name(const QJsonObject&)`
slots it invokes by the event's name), and `reads`, the keys it takes out of a message inside a
branch whose condition names that message (`json_obj[OBJ_METHOD] == V_AUTH`,
`event == V_APP_STATE_CHANGED`), with `#define` and `QStringLiteral` names resolved. Keys read
where no message is named (method, event, result, error of any message) are the envelope and
are left out.
"""
import copy
import json
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import regen  # noqa: E402
TOKEN = re.compile(r'''(?P<ws>\s+|//[^\n]*|/\*.*?\*/|\#[^\n]*)
    |R"\((?P<raw>.*?)\)"|(?P<str>"(?:\\.|[^"\\\n])*")|(?P<chr>'(?:\\.|[^'\\])*')
    |(?P<id>[A-Za-z_]\w*)|(?P<num>\d+)|(?P<op>::|\+=|==|!=|->|&&|\|\||.)''', re.S | re.X)
SENDERS = {"API_send", "API_send_direct", "send"}


class Tok:
    def __init__(self, kind, text, line):
        self.kind, self.text, self.line = kind, text, line

    def __eq__(self, other):  # lets the parser write `tok == "if"` for keywords and punctuation
        return isinstance(other, str) and self.kind in ("op", "id") and self.text == other

    def __str__(self):
        return json.dumps(self.text) if self.kind == "str" else self.text


def tokenize(src):
    out, line = [], 1
    for m in TOKEN.finditer(src):
        kind = m.lastgroup
        if kind == "str":  # decode C escapes; "\{" (an unknown escape) is "{" to the compiler too
            text = re.sub(r"\\(.)", lambda e: {"n": "\n", "t": "\t"}.get(e[1], e[1]), m.group()[1:-1])
            out.append(Tok("str", text, line))
        elif kind == "raw":
            out.append(Tok("str", m.group("raw"), line))
        elif kind != "ws":
            out.append(Tok(kind, m.group(), line))
        line += m.group().count("\n")
    return out


def closing(toks, i):
    """Index of the bracket that closes toks[i]."""
    pairs, depth = {"(": ")", "{": "}", "[": "]"}, 0
    for j in range(i, len(toks)):
        depth += (toks[j] == toks[i].text) - (toks[j] == pairs[toks[i].text])
        if depth == 0:
            return j
    raise ValueError(f"unbalanced bracket at line {toks[i].line}")


def split(toks, sep, angle=False):
    """Split at `sep` outside brackets (and outside <...> when `angle`, for parameter lists)."""
    opening, closers = ("(", "{", "[") + (("<",) if angle else ()), (")", "}", "]") + ((">",) if angle else ())
    parts, depth, cur = [], 0, []
    for t in toks:
        depth += (t in opening) - (t in closers)
        if depth == 0 and t == sep:
            parts.append(cur)
            cur = []
        else:
            cur.append(t)
    return parts + [cur] if cur else parts


def parse(toks):
    """Statement tree: ("stmt", toks) | ("if", [(condition, body)], has_else) | ("loop", body)."""
    nodes, i = [], 0
    while i < len(toks):
        if toks[i] == "if":
            branches, has_else = [], False
            while True:
                k = closing(toks, i + 1)
                cond = "".join(f" {t} " if t in ("==", "!=", "&&", "||") else str(t) for t in toks[i + 2:k])
                body, i = block(toks, k + 1)
                branches.append((cond, body))
                if i < len(toks) and toks[i] == "else":
                    if toks[i + 1] == "if":
                        i += 1
                        continue
                    body, i = block(toks, i + 1)
                    branches.append(("else", body))
                    has_else = True
                break
            nodes.append(("if", branches, has_else))
        elif toks[i] in ("for", "while"):
            body, i = block(toks, closing(toks, i + 1) + 1)
            nodes.append(("loop", body))
        else:
            stmt = split(toks[i:], ";")[0]
            nodes.append(("stmt", stmt))
            i += len(stmt) + 1
    return nodes


def block(toks, i):
    """A braced block or a single statement starting at i: (tree, index after it)."""
    if toks[i] == "{":
        k = closing(toks, i)
        return parse(toks[i + 1:k]), k + 1
    stmt = split(toks[i:], ";")[0]
    return parse(stmt + [Tok("op", ";", 0)]), i + len(stmt) + 1


class Function:
    """One function body run for every combination of its `if`s."""

    def __init__(self, name, params, consts, source):
        self.name, self.params, self.consts, self.source = name, params, consts, source
        self.sent = []  # (message or raw text, conditions taken, notes)

    def placeholder(self, ctype):
        if "List" in ctype:
            return [""]
        if "Map" in ctype:
            return {}
        return {"int": 0, "bool": False}.get(ctype, "")

    def value(self, toks, env, notes):
        """JSON value of an expression (map style)."""
        text = [t.text for t in toks]
        if len(toks) == 1:
            t = toks[0]
            if t.kind == "str":
                return t.text
            if t.kind == "num":
                return int(t.text)
            if t.text in ("true", "false"):
                return t.text == "true"
            for scope in (env, self.consts):
                if t.text in scope:
                    return copy.deepcopy(scope[t.text])
            if t.text in self.params:
                return self.placeholder(self.params[t.text])
            if t.kind == "id":  # a QString member (m_pin) or loop variable
                return ""
        if toks and toks[0] == "{":
            return self.init_list(toks, env, notes)
        if "fromStringList" in text:
            return [""]
        if "array" in text:  # QJsonDocument::fromJson(...).array()
            return []
        notes.append(f"value not understood: {' '.join(text)}")
        return ""

    def init_list(self, toks, env, notes):
        """`{ {"key", value}, ... }` as a map."""
        out = {}
        for pair in split(toks[1:closing(toks, 0)], ","):
            if pair and pair[0] == "{":
                key, val = split(pair[1:-1], ",")
                out[self.value(key, env, notes)] = self.value(val, env, notes)
        return out

    def text(self, toks, env, notes):
        """Text of a string concatenation (main's style)."""
        out = []
        for op in split(toks, "+"):
            words = [t.text for t in op]
            if len(op) == 1 and op[0].kind == "str":
                out.append(op[0].text)
            elif len(op) == 1 and isinstance(env.get(words[0]), str):
                out.append(env[words[0]])
            elif len(op) == 1 and self.params.get(words[0]) == "int":
                # QString + int appends one QChar (that code point), not the digits: "?" stands for it
                notes.append(f"int {words[0]} is appended as one character, not as digits")
                out.append("?")
            elif len(op) == 1 and op[0].kind == "id":  # a QString parameter, member or loop variable
                out.append("")
            elif "number" in words:
                out.append("0")
            elif "?" in words:  # cond ? "true" : "false": the literal of the false branch
                out.append([t.text for t in op if t.kind == "str"][-1])
            elif "toString" in words:  # QVariant(bool).toString()
                out.append("false" if self.params.get(words[2]) == "bool" else "0")
            else:
                notes.append(f"operand not understood: {' '.join(words)}")
                out.append("?")
        return "".join(out)

    def emit(self, msg, taken, notes):
        self.sent.append((msg, list(taken), list(notes)))

    def stmt(self, toks, env, taken, notes):
        words = [t.text for t in toks]
        if "createJsonCommand" in words:  # send(createJsonCommand("name", {...} | var))
            i = words.index("createJsonCommand")
            args = split(toks[i + 2:closing(toks, i + 1)], ",")
            caller_map = len(args) > 1 and len(args[1]) == 1 and "Map" in self.params.get(args[1][0].text, "")
            if caller_map:  # the caller fills a QVariantMap argument: no fixed request to check
                return self.emit(None, taken, notes + ["parameters come from the caller's map"])
            msg = self.value(args[1], env, notes) if len(args) > 1 else {}
            msg["method"] = self.value(args[0], env, notes)
            return self.emit(dict(sorted(msg.items())), taken, notes)
        if len(words) >= 4 and words[-4] in SENDERS and words[-3] == "(" and words[-1] == ")":
            if words[-2] in env:  # send(var) / API_send(var)
                var = env[words[-2]]
                self.emit(dict(sorted(var.items())) if isinstance(var, dict) else var, taken, notes)
            return None
        if len(words) > 3 and words[1] == "[":  # map[key] = value
            k = closing(toks, 1)
            if isinstance(env.get(words[0]), dict):
                env[words[0]][self.value(toks[2:k], env, notes)] = self.value(toks[k + 2:], env, notes)
            return None
        if len(words) > 3 and words[1] == "." and words[2] in ("insert", "append"):
            args = split(toks[4:closing(toks, 3)], ",")
            target = env.get(words[0])
            if isinstance(target, dict) and len(args) == 2 and args[0][0].kind in ("str", "id"):
                if args[0][0].kind == "str" or args[0][0].text in self.consts:
                    target[self.value(args[0], env, notes)] = self.value(args[1], env, notes)
            elif isinstance(target, list):
                target.append(self.value(args[0], env, notes))
            return None
        for op in ("=", "+="):  # [type] var = expr / var += expr
            if op in words and words.index(op) > 0 and "(" not in words[:words.index(op)]:
                i = words.index(op)
                var, rhs = words[i - 1], toks[i + 1:]
                if rhs and (rhs[0] == "{" or "QVariantMap" in words[:i]):
                    env[var] = self.value(rhs, env, notes)
                elif any(t.kind == "str" for t in rhs) or op == "+=":
                    env[var] = (env.get(var, "") if op == "+=" else "") + self.text(rhs, env, notes)
                return None
        if len(words) >= 2 and words[0] in ("QVariantMap", "QVariantList"):  # declaration
            rest = toks[2:]
            env[words[1]] = self.init_list(rest, env, notes) if rest else ({} if "Map" in words[0] else [])
        return None

    def run(self, nodes, states, in_loop=False):
        """states: [(env, conditions taken, notes)] -> states after the nodes."""
        for node in nodes:
            if node[0] == "stmt":
                for env, taken, notes in states:
                    self.stmt(node[1], env, taken, notes)
            elif node[0] == "loop":
                states = self.run(node[1], states, in_loop=True)
            else:
                _, branches, has_else = node
                nxt = []
                for env, taken, notes in states:
                    # branch k is taken when its condition holds and no earlier one did
                    conds = [c for c, _ in branches if c != "else"]
                    options = [([f"not ({c})" for c in conds[:k]] + ([cond] if cond != "else" else []), body)
                               for k, (cond, body) in enumerate(branches)]
                    if not has_else:
                        options.append(([f"not ({c})" for c in conds], None))
                    if in_loop:  # one iteration, of the last element: only the fall-through path
                        options = options[-1:]
                    for labels, body in options:
                        if exclusive(taken + labels):
                            continue
                        state = (copy.deepcopy(env), taken + ([] if in_loop else labels), list(notes))
                        nxt += self.run(body, [state], in_loop) if body else [state]
                states = nxt
        return states


def exclusive(conds):
    """True when two taken conditions compare the same variable with different literals."""
    seen = {}
    for c in conds:
        if c.startswith("not ("):
            continue
        for var, lit in re.findall(r'(\w+) == ("[^"]*")', c):
            if seen.setdefault(var, lit) != lit:
                return True
    return False


def functions(src, fname):
    """Yield a Function (not yet run) and its body tree for each `Class::name(...) {` in src."""
    toks = tokenize(src)
    consts = {toks[i].text: toks[i + 4].text for i in range(len(toks) - 4)
              if toks[i].kind == "id" and toks[i + 1] == "=" and toks[i + 2] == "QStringLiteral"
              and toks[i + 4].kind == "str"}
    i = 0
    while i < len(toks) - 4:
        if toks[i + 1] == "::" and toks[i + 2].kind == "id" and toks[i + 3] == "(" and toks[i] != "QString":
            k = closing(toks, i + 3)
            if k + 1 < len(toks) and toks[k + 1] == "{":
                end = closing(toks, k + 1)
                params = {}
                for p in split(toks[i + 4:k], ",", angle=True):
                    words = [t.text for t in p if t.text not in ("const", "&")]
                    if words:
                        params[words[-1]] = "".join(words[:-1])
                yield (Function(f"{toks[i].text}::{toks[i + 2].text}", params, consts,
                                f"{fname}:{toks[i + 2].line}"), parse(toks[k + 2:end]))
                i = end
        i += 1


def extract(src, fname):
    rows = []
    for func, tree in functions(src, fname):
        states = func.run(tree, [({}, [], [])])
        if not func.sent:  # a command built but never handed to the socket
            for env, taken, notes in states:
                for text in (v for v in env.values() if isinstance(v, str) and '"method"' in v):
                    rows.append({"message": None, "function": func.name, "source": func.source,
                                 "variant": " && ".join(taken) or "always",
                                 "notes": notes + [f"built but never sent: {text}"]})
        seen = set()
        for msg, taken, notes in func.sent:
            key = json.dumps(msg)
            if key in seen:
                continue
            seen.add(key)
            if isinstance(msg, str):  # main's concatenated text: parse it as the Room would
                try:
                    msg = json.loads(msg)
                except ValueError as e:
                    notes = notes + [f"invalid JSON ({e.msg} at column {e.colno}): {msg}"]
                    msg = None
            rows.append({"message": msg, "function": func.name, "source": func.source,
                         "variant": " && ".join(taken) or "always", "notes": notes})
    return rows


def defines(texts):
    """NAME -> string of `#define NAME "x"` and `NAME = QStringLiteral("x")`."""
    out = {}
    for text in texts:
        out.update(re.findall(r'#define\s+(\w+)\s+"([^"]*)"', text))
        out.update(re.findall(r'(\w+)\s*=\s*QStringLiteral\("([^"]*)"\)', text))
    return out


def handler_rows(texts, names):
    """handles and reads of the wrapper's incoming-message code (see the module docstring)."""
    handles, reads = [], []
    for fname, text in texts.items():
        for m in re.finditer(r'compare\("(\w+)",\s*name\)', text):
            handles.append({"kind": "notification", "message": m.group(1),
                            "source": f"{fname}:{text.count(chr(10), 0, m.start()) + 1}", "via": "dispatch by name"})
        for m in re.finditer(r"Q_SIGNAL\s+void\s+(\w+)\(const QJsonObject&", text):
            if m.group(1) != "unsupportedEvent":
                handles.append({"kind": "notification", "message": m.group(1),
                                "source": f"{fname}:{text.count(chr(10), 0, m.start()) + 1}",
                                "via": "slot invoked by the event's name"})
        for cond in re.finditer(r"\bif\s*\(", text):
            i = regen.closing(text, cond.end() - 1)
            c = text[cond.end():i]
            subjects = []
            for m in re.finditer(r"\[(OBJ_METHOD|_methodFieldName)\](?:\.toString\(\))?\s*==\s*(\w+)", c):
                subjects.append(("response", names.get(m.group(2))))
            for m in re.finditer(r"\bevent\s*==\s*(\w+)", c):
                subjects.append(("notification", names.get(m.group(1))))
            subjects = [x for x in subjects if x[1] and x[1] != "event"]
            if not subjects:
                continue
            k = regen.closing(text, text.index("{", i))
            seen = set()
            for m in re.finditer(r"(?:\[|contains\(|value\()(\w+)[\])]", text[cond.end():k]):
                key = names.get(m.group(1))
                if not key or key in ("method", "event"):
                    continue
                line = text.count("\n", 0, cond.end() + m.start()) + 1
                for kind, name in subjects:
                    if (kind, name, key, line) in seen:
                        continue
                    seen.add((kind, name, key, line))
                    reads.append({"kind": kind, "message": name, "path": [key], "source": f"{fname}:{line}",
                                  "via": f"branch at line {text.count(chr(10), 0, cond.start()) + 1}"})
    return handles, reads


def generate(repo, out_dir):
    pin = json.loads((HERE / "pin.json").read_text())
    written = []
    for src in pin["sources"]:
        rows = []
        for f in src["files"]:
            text = subprocess.run(["git", "-C", str(repo), "show", f"{src['commit']}:{f}"],
                                  check=True, capture_output=True, text=True).stdout
            rows += extract(text, f)
        rows.sort(key=lambda r: ((r["message"] or {}).get("method", "~"), r["function"], r["variant"]))
        good = [r for r in rows if r["message"] is not None]
        with open(out_dir / f"{src['out']}.jsonl", "w", encoding="utf-8", newline="\n") as fh:
            fh.writelines(json.dumps(r["message"], separators=(",", ":")) + "\n" for r in good)
        labels = {"repository": pin["repository"], "ref": src["ref"], "commit": src["commit"],
                  "note": "entry N describes line N of the .jsonl; `malformed` lists what the "
                          "wrapper sends that is not valid JSON, builds and never sends, or sends "
                          "with parameters the caller supplies",
                  "requests": [{"line": n, **{k: v for k, v in r.items() if k != "message"}}
                               for n, r in enumerate(good, 1)],
                  "malformed": [{k: v for k, v in r.items() if k != "message"}
                                for r in rows if r["message"] is None]}
        (out_dir / f"{src['out']}.labels.json").write_text(json.dumps(labels, indent=1) + "\n")
        written += [f"{src['out']}.jsonl", f"{src['out']}.labels.json"]
        texts = {f: subprocess.run(["git", "-C", str(repo), "show", f"{src['commit']}:{f}"], check=True,
                                   capture_output=True, text=True).stdout for f in src["handler_files"]}
        handles, reads = handler_rows(texts, defines(texts.values()))
        key = lambda r: (r["message"], r.get("path", []), r["source"])
        doc = {"repository": pin["repository"], "ref": src["ref"], "commit": src["commit"],
               "note": "handles: notifications the wrapper dispatches by name; reads: keys it takes out of "
                       "a message in a branch that names that message",
               "handles": sorted(handles, key=key), "reads": sorted(reads, key=key)}
        (out_dir / f"{src['out']}.handlers.json").write_text(json.dumps(doc, indent=1) + "\n")
        written.append(f"{src['out']}.handlers.json")
    return written


def main():
    return regen.main_dir(__doc__, generate, HERE, "git clone of zoboff/videosdk with the pinned commits")


if __name__ == "__main__":
    sys.exit(main())

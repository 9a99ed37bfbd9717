#!/usr/bin/env python3
"""Requests, filters and reads from TrueConf's Python code that we do not run (older clients and
demo scripts), read as text from git snapshots with Python's own parser.

    python scan.py MIRRORS [--check]   MIRRORS: folder holding <owner>+<name>/repo git dirs
                                       (what the `fetch` tool makes); pin.json names the commits

For every pinned file this parses the source (nothing is imported or run) and records:

- requests: each dict display with a string `"method"` other than "event", with its keys in the
  source's order; a value that is a parameter gets a sample of the parameter's annotated or
  default type, and the label says which keys took samples (`samples`) or have no type to go by
  (`untyped_keys`). One row per dict display: two displays in one function are two variants.
- filters: each `check_schema({...}, msg)` literal: the keys it requires, the values it pins.
- reads: the keys a handler takes out of a message, with the message it belongs to. A handler
  is code under `if check_schema({... "method"/"event": NAME ...}, msg)`, under
  `if name == NAME` / `NAME.lower() == name.lower()`, a function decorated with
  `handler(EVENT[C.EV_x])` / `handler(METHOD_RESPONSE[C.M_x])` or passed to `add_handler` with
  such a filter. A read is `msg["a"]["b"]` (indexes skipped), `x["b"]` for `x` bound by
  `for x in msg["a"]`, or an attribute the code stored the message in (`self.info = msg`).

Output per source (`out` in pin.json): OUT.jsonl (requests), OUT.labels.json (line N of the
jsonl: file:line, function, samples) and OUT.handlers.json (filters and reads, file:line).
Nothing of TrueConf's code is stored, only what its messages look like.
"""
import ast
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import regen  # noqa: E402
SAMPLES = {"str": "sample", "int": 1, "float": 0.5, "bool": True, "list": ["sample"], "dict": {},
           "List": ["sample"], "Dict": {}}
JSON_TYPE = {str: "string", int: "integer", float: "number", bool: "boolean", list: "array",
             dict: "object", type(None): "null"}


def json_type(value):
    return JSON_TYPE[type(value)]


class Consts:
    """EV_x / M_x names of a consts module (python-trueconf-room's), to resolve EVENT[C.EV_x]."""

    def __init__(self, text):
        self.names = {}
        if text:
            for node in ast.parse(text).body:
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) \
                        and isinstance(node.value.value, str):
                    for t in node.targets:
                        if isinstance(t, ast.Name):
                            self.names[t.id] = node.value.value

    def filter_subject(self, node):
        """(kind, wire name) of `EVENT[C.EV_x]` / `METHOD_RESPONSE[C.M_x]` / a dict filter."""
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            table = node.value.id
            key = node.slice
            name = key.attr if isinstance(key, ast.Attribute) else key.id if isinstance(key, ast.Name) else None
            wire = self.names.get(name)
            if wire and table == "EVENT":
                return ("notification", wire)
            if wire and table == "METHOD_RESPONSE":
                return ("response", wire)
        if isinstance(node, ast.Dict):
            return dict_subject(node)
        return None


def dict_subject(node):
    """(kind, name) a dict filter pins with "event" or "method", else None."""
    pinned = {k.value: v.value for k, v in zip(node.keys, node.values)
              if isinstance(k, ast.Constant) and isinstance(v, ast.Constant) and isinstance(v.value, str)}
    if "event" in pinned:
        return ("notification", pinned["event"])
    if "method" in pinned and pinned["method"] != "event":
        return ("response", pinned["method"])
    return None


def const_str(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    # "getSystemInfo".lower()
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "lower":
        return const_str(node.func.value)
    return None


def var_name(node):
    """`name` or `name.lower()` -> "name"."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "lower":
        node = node.func.value
    return node.id if isinstance(node, ast.Name) else None


class FileScan:
    def __init__(self, text, fname, consts):
        self.fname, self.consts = fname, consts
        self.tree = ast.parse(text)
        self.requests, self.filters, self.reads = [], [], []
        self.handler_funcs = {}  # function name -> [(kind, name, line of the registration)]
        self.handles = []  # messages a handler is registered for or a branch selects
        self.stored = {}  # attribute name -> (kind, name, line)

    # ---- requests -----------------------------------------------------------------------
    def sample(self, node, params, notes):
        """JSON value of an expression; records in notes which keys took samples."""
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            p = params.get(node.id)
            if p is not None:
                return p
            notes.append(node.id)
            return None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("int", "str", "bool", "float"):
            return SAMPLES[node.func.id]
        if isinstance(node, ast.List):
            return [self.sample(e, params, notes) for e in node.elts]
        if isinstance(node, ast.Dict):
            return {const_str(k): self.sample(v, params, notes) for k, v in zip(node.keys, node.values)}
        if isinstance(node, ast.JoinedStr):
            return ""
        notes.append(ast.unparse(node))
        return None

    def params_of(self, func):
        """Parameter name -> sample value, from annotation, else default."""
        out = {}
        args = func.args.args + func.args.kwonlyargs
        defaults = [None] * (len(func.args.args) - len(func.args.defaults)) + list(func.args.defaults) \
            + list(func.args.kw_defaults)
        for a, d in zip(args, defaults):
            ann = a.annotation
            if isinstance(ann, ast.Name) and ann.id in SAMPLES:
                out[a.arg] = SAMPLES[ann.id]
            elif isinstance(ann, ast.List):  # `inviteList: []`
                out[a.arg] = ["sample"]
            elif isinstance(d, ast.Constant) and d.value is not None:
                out[a.arg] = d.value
        # locals set from constants: `state = 1 if not maximized else 2`
        for node in ast.walk(func):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                v = node.value.body if isinstance(node.value, ast.IfExp) else node.value
                if isinstance(v, ast.Constant) and v.value is not None and node.targets[0].id not in out:
                    out[node.targets[0].id] = v.value
        return out

    def scan_requests(self):
        for func in ast.walk(self.tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            params = self.params_of(func)
            for node in ast.walk(func):
                if isinstance(node, ast.Dict):
                    self.request_row(node, func.name, params)
        # JSON written as text ('{"method" : "auth", ...}'), sent as it is
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and '"method"' in node.value:
                try:
                    msg = json.loads(node.value)
                except ValueError:
                    continue
                if isinstance(msg, dict) and isinstance(msg.get("method"), str) and msg["method"] != "event":
                    self.requests.append({"message": msg, "function": "<text>", "source": f"{self.fname}:{node.lineno}",
                                          "samples": [], "untyped_keys": []})
        # module-level displays (scripts that build a request at top level)
        for node in self.tree.body:
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                for sub in ast.walk(node):
                    if isinstance(sub, ast.Dict):
                        self.request_row(sub, "<module>", {})

    def request_row(self, node, fname, params):
        keys = [const_str(k) if k is not None else None for k in node.keys]
        if "method" not in keys:
            return
        method = const_str(node.values[keys.index("method")])
        if not method or method == "event" or None in keys:
            return
        # a filter literal (values None) is not a request
        if any(isinstance(v, ast.Constant) and v.value is None for v in node.values):
            return
        msg, untyped, samples = {}, [], []
        for k, v in zip(keys, node.values):
            missing = []
            msg[k] = self.sample(v, params, missing)
            if missing:
                untyped.append(k)
            elif not isinstance(v, ast.Constant):
                samples.append(k)
        if any(r["source"] == f"{self.fname}:{node.lineno}" for r in self.requests):
            return
        self.requests.append({"message": msg, "function": fname, "source": f"{self.fname}:{node.lineno}",
                              "samples": samples, "untyped_keys": untyped})

    # ---- filters and reads --------------------------------------------------------------
    def scan_handlers(self):
        # registrations: @x.handler(FILTER) and x.add_handler(FILTER, f)
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for dec in node.decorator_list:
                    if isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute) \
                            and dec.func.attr == "handler" and dec.args:
                        subj = self.consts.filter_subject(dec.args[0])
                        if subj:
                            self.handler_funcs.setdefault(node.name, []).append((*subj, dec.lineno))
                            self.handle(subj, dec.lineno, f"handler {node.name}")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr == "add_handler" and len(node.args) == 2:
                subj = self.consts.filter_subject(node.args[0])
                target = node.args[1]
                name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
                if subj and name:
                    self.handler_funcs.setdefault(name, []).append((*subj, node.lineno))
                    self.handle(subj, node.lineno, f"add_handler({name})")
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "check_schema" \
                    and node.args and isinstance(node.args[0], ast.Dict):
                d = node.args[0]
                keys = [const_str(k) for k in d.keys]
                pinned = {k: v.value for k, v in zip(keys, d.values) if isinstance(v, ast.Constant) and v.value is not None}
                subj = dict_subject(d)
                self.filters.append({"kind": subj[0] if subj else "any", "message": subj[1] if subj else "*",
                                     "source": f"{self.fname}:{node.lineno}", "requires": sorted(k for k in keys if k),
                                     "constrained": pinned})
        for func in ast.walk(self.tree):
            if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.scan_function(func)
        self.scan_stored_reads()

    def handle(self, subj, line, via):
        row = {"kind": subj[0], "message": subj[1], "source": f"{self.fname}:{line}", "via": via}
        if row not in self.handles:
            self.handles.append(row)

    def scan_function(self, func):
        args = [a.arg for a in func.args.args if a.arg != "self"]
        # handler functions: every read of the message parameter belongs to the registered subjects
        for kind, name, reg_line in self.handler_funcs.get(func.name, []):
            msg_var = args[-1] if args else None
            if msg_var:
                self.reads_in(func.body, msg_var, (kind, name), {}, f"handler registered at line {reg_line}")
        self.walk_conditions(func.body, args, func.name)

    def walk_conditions(self, body, args, fname):
        for stmt in body:
            if isinstance(stmt, ast.If):
                subj, var = self.condition_subject(stmt.test, args, fname)
                if subj and var:
                    self.handle(subj, stmt.lineno, "branch")
                    self.reads_in(stmt.body, var, subj, {}, f"branch at line {stmt.lineno}")
                    self.stores_in(stmt.body, var, subj)
                self.walk_conditions(stmt.body, args, fname)
                self.walk_conditions(stmt.orelse, args, fname)
            elif isinstance(stmt, (ast.For, ast.While, ast.With, ast.AsyncWith, ast.AsyncFor, ast.Try)):
                for field in ("body", "orelse", "finalbody"):
                    self.walk_conditions(getattr(stmt, field, []) or [], args, fname)
                for h in getattr(stmt, "handlers", []):
                    self.walk_conditions(h.body, args, fname)

    def condition_subject(self, test, args, fname):
        """((kind, name), message variable) a branch condition selects, or (None, None)."""
        for node in ast.walk(test):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "check_schema" \
                    and len(node.args) >= 2 and isinstance(node.args[0], ast.Dict) and isinstance(node.args[1], ast.Name):
                subj = dict_subject(node.args[0])
                if subj:
                    return subj, node.args[1].id
            if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq):
                left, right = node.left, node.comparators[0]
                lit, var = (const_str(left), var_name(right)) if const_str(left) else (const_str(right), var_name(left))
                if lit and var and var in args:
                    # on_event(name, data) / on_method(method, response): the message is the next argument
                    i = args.index(var)
                    if i + 1 < len(args):
                        kind = "notification" if "event" in fname.lower() else "response"
                        return (kind, lit), args[i + 1]
                if lit and var:  # `method_name = response["method"]` earlier: the message is `response`
                    return ("response", lit), "response"
        return None, None

    def key_path(self, node, var, bound):
        """["a", "b"] for var["a"][0]["b"] (or for x["b"] with x bound to var["a"] items)."""
        path = []
        while isinstance(node, ast.Subscript):
            k = const_str(node.slice)
            if k is not None:
                path.append(k)
            elif not (isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, int)):
                return None
            node = node.value
        if isinstance(node, ast.Name) and node.id == var:
            return list(reversed(path))
        if isinstance(node, ast.Name) and node.id in bound:
            return bound[node.id] + list(reversed(path))
        return None

    def reads_in(self, body, var, subj, bound, why):
        bound = dict(bound)
        nodes = body if isinstance(body, list) else [body]
        for top in nodes:
            for node in ast.walk(top):
                # for x in var["a"] / [... for x in var["a"]]
                targets = []
                if isinstance(node, (ast.For, ast.comprehension)):
                    targets = [(node.target, node.iter)]
                for target, it in targets:
                    p = self.key_path(it, var, bound)
                    if p and isinstance(target, ast.Name):
                        bound[target.id] = p
        seen = set()
        for top in nodes:
            for node in ast.walk(top):
                if isinstance(node, ast.Subscript) and not isinstance(getattr(node, "ctx", None), ast.Store):
                    p = self.key_path(node, var, bound)
                    if p and (tuple(p), node.lineno) not in seen:
                        # only the outermost subscript of a chain: skip prefixes of a longer read
                        seen.add((tuple(p), node.lineno))
        for path, line in sorted(seen, key=lambda x: (x[1], x[0])):
            if any(len(q) > len(path) and q[:len(path)] == path and l == line for q, l in seen):
                continue
            self.reads.append({"kind": subj[0], "message": subj[1], "path": list(path),
                               "source": f"{self.fname}:{line}", "via": why})

    def stores_in(self, body, var, subj):
        for top in body:
            for node in ast.walk(top):
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id == var:
                    for t in node.targets:
                        if isinstance(t, ast.Attribute):
                            self.stored[t.attr] = (*subj, node.lineno)

    def scan_stored_reads(self):
        """self.info["a"]["b"] anywhere, where self.info holds a stored message."""
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Subscript):
                path, base = [], node
                while isinstance(base, ast.Subscript):
                    k = const_str(base.slice)
                    if k is None:
                        path = None
                        break
                    path.append(k)
                    base = base.value
                if path and isinstance(base, ast.Attribute) and base.attr in self.stored:
                    kind, name, line = self.stored[base.attr]
                    row = {"kind": kind, "message": name, "path": list(reversed(path)),
                           "source": f"{self.fname}:{node.lineno}",
                           "via": f"message stored in .{base.attr} at line {line}"}
                    if row not in self.reads:
                        self.reads.append(row)
        # keep the longest path per line
        self.reads = [r for r in self.reads if not any(
            o is not r and o["source"] == r["source"] and o["message"] == r["message"]
            and len(o["path"]) > len(r["path"]) and o["path"][:len(r["path"])] == r["path"] for o in self.reads)]


def git_show(repo, commit, path):
    return subprocess.run(["git", "-C", str(repo), "show", f"{commit}:{path}"],
                          check=True, capture_output=True, text=True).stdout.removeprefix("\ufeff")


def git_files(repo, commit):
    out = subprocess.run(["git", "-C", str(repo), "ls-tree", "-r", "--name-only", commit],
                         check=True, capture_output=True, text=True).stdout
    return out.split()


def generate(mirrors, out_dir):
    pin = json.loads((HERE / "pin.json").read_text())
    written = []
    for src in pin["sources"]:
        repo = mirrors / src["repo"].replace("/", "+") / "repo"
        consts = Consts(git_show(repo, src["commit"], src["consts"]) if src.get("consts") else None)
        files = [f for f in git_files(repo, src["commit"])
                 if f.endswith(".py") and any(p == "." or f == p or f.startswith(p + "/") for p in src["paths"])]
        requests, filters, reads, handles = [], [], [], []
        for f in files:
            scan = FileScan(git_show(repo, src["commit"], f), f, consts)
            scan.scan_requests()
            scan.scan_handlers()
            requests += scan.requests
            filters += scan.filters
            reads += scan.reads
            handles += scan.handles
        requests.sort(key=lambda r: (r["message"]["method"], r["source"]))
        head = {"repository": f"https://github.com/{src['repo']}", "commit": src["commit"], "date": src["date"]}
        labels = {**head, "note": "entry N describes line N of the .jsonl; `samples`: keys whose value is a "
                                  "sample of the parameter's type; `untyped_keys`: keys whose value the "
                                  "source gives no type for (written as null)",
                  "requests": [{"line": n, **{k: v for k, v in r.items() if k != "message"}}
                               for n, r in enumerate(requests, 1)]}
        handlers = {**head, "note": "handles: a handler registered for, or a branch selecting, a message; "
                                    "filters: check_schema literals (keys required, values pinned); reads: keys a "
                                    "handler takes out of a message (`path` from the message root)",
                    "handles": sorted(handles, key=lambda r: (r["message"], r["source"])),
                    "filters": sorted(filters, key=lambda r: (r["message"], r["source"])),
                    "reads": sorted(reads, key=lambda r: (r["message"], r["path"], r["source"]))}
        written += regen.write_scan(out_dir, src["out"], [r["message"] for r in requests], labels, handlers)
    return written


def main():
    return regen.main_dir(__doc__, generate, HERE, "folder with <owner>+<name>/repo git dirs")


if __name__ == "__main__":
    sys.exit(main())

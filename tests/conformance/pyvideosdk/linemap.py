#!/usr/bin/env python3
"""Line map from python-trueconf-room 1.0.0 to TrueConf/pyVideoSDK (commits in pin.json).

    python linemap.py MIRRORS [--check]   MIRRORS: folder holding <owner>+<name>/repo git dirs

pyVideoSDK @50dbd06 is the code that became python-trueconf-room; the two differ only where the
package names itself. This diffs each file pair and writes linemap.json: for each pyVideoSDK
file, the python-trueconf-room file, the runs of equal lines ([first line there, first line
here, count]) and the lines that differ on either side. The evidence index uses it to cite
pyVideoSDK's own file:line for every entry taken from python-trueconf-room, and drops entries
on lines that differ.
"""
import difflib
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import regen  # noqa: E402


def show(mirrors, repo, commit, path):
    git = mirrors / repo.replace("/", "+") / "repo"
    return subprocess.run(["git", "-C", str(git), "show", f"{commit}:{path}"], check=True,
                          capture_output=True, text=True).stdout.split("\n")


def build(mirrors):
    pin = json.loads((HERE / "pin.json").read_text())
    out = {"repository": f"https://github.com/{pin['repo']}", "commit": pin["commit"],
           "against": f"https://github.com/{pin['against']['repo']} @ {pin['against']['commit']}",
           "note": "runs: [first line in the python-trueconf-room file, first line in this file, count]",
           "files": {}}
    for here, there in pin["files"].items():
        a = show(mirrors, pin["against"]["repo"], pin["against"]["commit"], there)
        b = show(mirrors, pin["repo"], pin["commit"], here)
        sm = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
        runs = [[m.a + 1, m.b + 1, m.size] for m in sm.get_matching_blocks() if m.size]
        differ = [[op, i1 + 1, i2, j1 + 1, j2] for op, i1, i2, j1, j2 in sm.get_opcodes() if op != "equal"]
        out["files"][here] = {"against": there, "runs": runs, "differing": differ}
    return json.dumps(out, indent=1) + "\n"


def generate(mirrors, out_dir):
    (out_dir / "linemap.json").write_text(build(mirrors))
    return ["linemap.json"]


def main():
    return regen.main_dir(__doc__, generate, HERE, "folder with <owner>+<name>/repo git dirs")


if __name__ == "__main__":
    sys.exit(main())

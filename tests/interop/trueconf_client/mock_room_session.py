#!/usr/bin/env python3
"""TrueConf's own Python client (python-trueconf-room 1.0.0) against `trueconf-api mock-room`.

Starts the mock on port 0 with a PIN, reads its first line, and opens a session the way the
client's users do (`trueconf_room.open_session`): config.json, then the WebSocket, then auth.
Checks that the session is ready with its caches filled (systemInfo, settings, monitors_info,
app_state), then sends every documented command the client has a response filter for, through
the client's own queue, and checks that each response passes the client's own filter
(`consts.METHOD_RESPONSE`, registered with `add_handler`). A filter that rejects the mock's
answer is only accepted when tests/conformance/discrepancies.json (keys our types lack) or
expected.json here (keys the documented example lacks) explains the keys it wants; an entry of
expected.json that no longer happens is an error too. Then a kiosk's call through the client's
own methods: an invitation pushed with POST /mock/notify, `accept` (app_state 5,
conferenceCreated), `hangUp` (conferenceDeleted, app_state 3), each event passing the client's
own event filter.

With --through-proxy the client talks to the mock through `trueconf-api proxy` (found through
the proxy's rewritten config.json), the same session must hold, and then the proxy's recording
and summary are checked: every response the client's handlers saw and every command the script
sent are in the recording with the right direction, the summary's counts per direction and
verdict are those of the recording, the mock's side is all ok, and the exit code says whether
every message was.

    python mock_room_session.py TRUECONF_API_BINARY [--through-proxy]

Exit 0 when everything holds, 1 otherwise (each problem on stderr).
"""
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
CONFORMANCE = ROOT / "tests" / "conformance"
PIN = "1234"

# Importing trueconf_room opens ./videosdk.log (a side effect of the package): import it from a
# scratch folder so no log file lands in the repository.
_CALLER_DIR = Path.cwd()
_scratch = tempfile.TemporaryDirectory()
os.chdir(_scratch.name)
import trueconf_room  # noqa: E402
from trueconf_room import consts  # noqa: E402


def fail(problems, text):
    problems.append(text)
    print(f"FAIL: {text}", file=sys.stderr)


def start_mock(binary):
    mock = subprocess.Popen(
        [binary, "mock-room", "--port", "0", "--pin", PIN],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = mock.stdout.readline()
    words = [word for word in line.split() if word.startswith("http://127.0.0.1:")]
    if not words:
        mock.kill()
        raise SystemExit(f"mock-room's first line names no HTTP URL: {line!r}")
    return mock, int(words[0].rsplit(":", 1)[1])


class Proxy:
    """`trueconf-api proxy` between the client and the mock, recording, stopping by itself once
    the client's connection has ended (--exit-after 1)."""

    def __init__(self, binary, mock_port):
        self.recording = Path(_scratch.name) / "proxy.jsonl"
        self.process = subprocess.Popen(
            [binary, "proxy", "--room", f"127.0.0.1:{mock_port}", "--record",
             str(self.recording), "--exit-after", "1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline()
        words = [word for word in line.split() if word.startswith("http://127.0.0.1:")]
        if not line.startswith("proxy: ") or not words:
            self.process.kill()
            raise SystemExit(f"the proxy's first line names no HTTP URL: {line!r}")
        self.port = int(words[0].rsplit(":", 1)[1])
        # Read both pipes all along, so the proxy never waits on them.
        self.report, self.summary = [], []
        for pipe, lines in [(self.process.stdout, self.report), (self.process.stderr, self.summary)]:
            threading.Thread(target=lambda p=pipe, l=lines: l.extend(p), daemon=True).start()

    def check(self, problems, responses, sent_methods):
        try:
            code = self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            code = self.process.wait(timeout=10)
            fail(problems, "the proxy did not stop after the client's connection ended")
        time.sleep(0.1)
        lines = [json.loads(line) for line in self.recording.read_text().splitlines()]
        if [line["seq"] for line in lines] != list(range(1, len(lines) + 1)):
            fail(problems, "the recording's seq numbers are not 1, 2, 3, ...")
        events = [line for line in lines if "event" in line]
        if [(e["event"], e["conn"]) for e in events] != [("open", 1), ("close", 1)]:
            fail(problems, f"the recording's connection lines: {events}")
        messages = [line for line in lines if "from" in line]
        by_side = {"client": [], "room": []}
        for line in messages:
            if line.get("frame") != "text" or "text" not in line or "check" not in line:
                fail(problems, f"a recorded message without frame, text or check: {line}")
                continue
            by_side[line["from"]].append(line)
        recorded_room = [json.loads(line["text"]) for line in by_side["room"]]
        for response in responses:
            if response not in recorded_room:
                fail(problems, f"a response the client saw is not recorded from the room: {response}")
        recorded_methods = {json.loads(line["text"]).get("method") for line in by_side["client"]}
        for method in sent_methods:
            if method not in recorded_methods:
                fail(problems, f"{method} was sent but is not recorded from the client")
        summary = "".join(self.summary)
        all_ok = True
        for side, other in [("client", "room"), ("room", "client")]:
            verdicts = [line["check"] for line in by_side[side]]
            counts = {
                "ok": sum(v["verdict"] == "ok" for v in verdicts),
                "unknown fields": sum(v["verdict"] == "ok" and bool(v["unknownFields"]) for v in verdicts),
                "untyped": sum(v["verdict"] == "ok" and v["untyped"] for v in verdicts),
                "unknown": sum(v["verdict"] == "unknown" for v in verdicts),
                "errors": sum(v["verdict"] == "error" for v in verdicts),
            }
            all_ok = all_ok and counts["unknown"] == 0 and counts["errors"] == 0
            expected = (
                f"  {side} -> {other}: {len(verdicts)} messages ({len(verdicts)} text, 0 text not UTF-8, "
                f"0 binary; "
            )
            tally = (
                f"{counts['ok']} ok ({counts['unknown fields']} with unknown fields, "
                f"{counts['untyped']} untyped), {counts['unknown']} unknown, {counts['errors']} errors;"
            )
            line = next((l for l in summary.splitlines() if l.startswith(f"  {side} -> ")), "")
            if not line.startswith(expected) or tally not in line:
                fail(problems, f"the summary says {line!r}, the recording {expected}...{tally}")
            if side == "room" and (counts["unknown"] or counts["errors"]):
                fail(problems, f"the mock's messages are not all ok: {counts}")
            print(f"through the proxy, {side} -> {other}: {len(verdicts)} messages recorded, {tally}")
        if code != (0 if all_ok else 1):
            fail(problems, f"the proxy exited {code}, but every message ok is {all_ok}:\n{summary}")
        if "proxy: 1 connection ended, stopping" not in summary:
            fail(problems, f"the proxy did not stop for --exit-after: {summary}")


def wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def push(port, message):
    """POST /mock/notify: the mock sends `message` as the Room's own."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/mock/notify",
        data=json.dumps(message).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        if response.status != 200:
            raise SystemExit(f"POST /mock/notify answered {response.status}")


def typed_commands():
    return {path.stem for path in (ROOT / "schema" / "commands").glob("*.json")}


def client_requests():
    """What the client's own methods send, by method (tests/conformance/python/requests.jsonl,
    generated by running the pinned client): the first request of each method."""
    requests = {}
    for line in (CONFORMANCE / "python" / "requests.jsonl").read_text().splitlines():
        request = json.loads(line)
        requests.setdefault(request["method"], request)
    return requests


def documented_request(method):
    """The first request example of a command's definition, for a command the client has a
    response filter for but no method that sends it (a user sends it with room.command)."""
    definition = json.loads((ROOT / "schema" / "commands" / f"{method}.json").read_text())
    for example in definition.get("examples", []):
        if example.get("role") == "request" and isinstance(example.get("json"), dict):
            request = dict(example["json"])
            request.pop("requestId", None)
            return request
    return {"method": method}


def explained_keys():
    """(method, key) -> why, from discrepancies.json and expected.json; and expected.json's
    entries, to find the stale ones."""
    table = json.loads((CONFORMANCE / "discrepancies.json").read_text())
    explained = {
        (entry["message"], entry["key"]): entry["class"]
        for entry in table["filters"]
        if entry["kind"] == "response"
    }
    expected = json.loads((HERE / "expected.json").read_text())["filters"]
    for entry in expected:
        for key in entry["keys"]:
            explained[(entry["method"], key)] = "documented example lacks it (expected.json)"
        for key in entry.get("values", {}):
            explained[(entry["method"], key)] = "the filter wants a value no success has (expected.json)"
    return explained, expected


def main():
    arguments = [argument for argument in sys.argv[1:] if argument != "--through-proxy"]
    through_proxy = len(arguments) < len(sys.argv) - 1
    if len(arguments) != 1:
        raise SystemExit(__doc__)
    problems = []
    binary = str(_CALLER_DIR / arguments[0])
    mock, port = start_mock(binary)
    proxy = None
    try:
        if through_proxy:
            proxy = Proxy(binary, port)
            port = proxy.port
        room = trueconf_room.open_session(ip="127.0.0.1", port=port, pin=PIN)

        # Every response, by method, as the client's handlers see them.
        seen = {}
        lock = threading.Lock()

        def any_response(response):
            if "event" not in response:
                with lock:
                    seen.setdefault(response["method"], []).append(response)

        room.add_handler({"method": None}, any_response)

        # The session: ready, with the caches the client fills after auth.
        ready = wait_for(
            lambda: room.isReady()
            and room.systemInfo
            and room.settings
            and room.monitors_info
            and room.app_state,
            10,
        )
        if not ready:
            fail(problems, "the session did not become ready with its caches filled")
        for name, cache in [
            ("systemInfo", room.systemInfo),
            ("settings", room.settings),
            ("monitors_info", room.monitors_info),
        ]:
            if not cache.get("result"):
                fail(problems, f"cache {name} holds no successful response: {cache}")
        if room.getAppState() != 3:
            fail(problems, f"app_state is {room.getAppState()!r}, not the documented 3")
        if room.TrueConfID() != "user1@some.server":
            fail(problems, f"TrueConfID() is {room.TrueConfID()!r}")
        if not room.getTokenForHttpServer():
            fail(problems, "no tokenForHttpServer after auth")
        print(
            f"session ready: app_state {room.getAppState()}, TrueConf ID {room.TrueConfID()}, "
            f"caches systemInfo/settings/monitors_info filled"
        )

        # Every typed command the client has a response filter for (documented, inferred and
        # client tier).
        typed = typed_commands()
        requests = client_requests()
        filters = {}
        for entry, schema in consts.METHOD_RESPONSE.items():
            method = schema.get("method")
            if method in typed:
                filters[entry] = (method, schema)
        matched = {}

        def matcher(entry):
            def handler(response):
                with lock:
                    matched[entry] = response

            return handler

        for entry, (_, schema) in filters.items():
            room.add_handler(schema, matcher(entry))
        methods = sorted({method for method, _ in filters.values()})
        for method in methods:
            request = requests.get(method) or documented_request(method)
            room.command(dict(request))
        # The client sends one command per QUEUE_INTERVAL (50 ms).
        wait_for(lambda: all(method in seen for method in methods), 10 + len(methods) * 0.1)

        explained, expected = explained_keys()
        accepted = 0
        excused = []
        for entry, (method, schema) in sorted(filters.items()):
            if entry in matched:
                accepted += 1
                continue
            responses = seen.get(method)
            if not responses:
                fail(problems, f"{method}: no response at all")
                continue
            missing = [key for key in schema if key not in responses[-1]]
            # A filter can also want a constant the answer does not have (python's None means
            # any value).
            mismatched = [
                f"{key}={schema[key]!r}"
                for key in schema
                if schema[key] is not None
                and key in responses[-1]
                and responses[-1][key] != schema[key]
            ]
            wanted = missing + mismatched
            reasons = [explained.get((method, key.split("=")[0])) for key in wanted]
            if wanted and all(reasons):
                excused.append(f"{method} (wants {', '.join(wanted)}: {', '.join(set(reasons))})")
            else:
                fail(
                    problems,
                    f"{method}: the client's filter {schema} rejects {responses[-1]}",
                )
        for entry in expected:
            if not any(line.startswith(entry["method"] + " ") for line in excused):
                fail(problems, f"expected.json: {entry['method']} no longer happens")
        print(
            f"{len(filters)} response filters of typed commands: {accepted} accept the "
            f"mock's response, {len(excused)} want keys explained (discrepancies.json, expected.json)"
        )
        for line in excused:
            print(f"  explained: {line}")

        # A kiosk's call, through the client's own methods: the test pushes an invitation (as
        # the Room would send it), the client accepts, its app_state follows into the
        # conference, and its hangUp brings it back. An invitation into a group conference:
        # the client's conferenceCreated filter (consts.py lines 209-218) wants confTitle and
        # conferenceOwner, which the conferenceCreated page gives for group conferences only,
        # so that handler would never fire for a plain video call.
        events = []
        room.add_handler({"method": "event", "event": None}, lambda event: events.append(event))
        invitation = {"method": "event", "event": "inviteReceived", "peerId": "caller@some.server",
                      "peerDn": "Caller", "type": 3, "confTitle": "Daily",
                      "confId": "0000c0de@some.server#vcs"}
        push(port, invitation)
        if not wait_for(lambda: any(e.get("event") == "inviteReceived" for e in events), 10):
            fail(problems, "the pushed inviteReceived did not reach the client")
        room.methods.accept()
        if not wait_for(lambda: room.getAppState() == 5, 10):
            fail(problems, f"after accept, app_state is {room.getAppState()!r}, not 5")
        wait_for(lambda: any(e.get("event") == "conferenceCreated" for e in events), 10)
        created = [e for e in events if e.get("event") == "conferenceCreated"]
        if not created or created[-1].get("confId") != invitation["confId"]:
            fail(problems, f"no conferenceCreated for the accepted call: {created}")
        room.methods.hangUp()
        if not wait_for(lambda: room.getAppState() == 3, 10):
            fail(problems, f"after hangUp, app_state is {room.getAppState()!r}, not 3")
        wait_for(lambda: any(e.get("event") == "conferenceDeleted" for e in events), 10)
        # The client's own event filters (consts.EVENT) accept what the mock sent.
        for name in ("inviteReceived", "conferenceCreated", "conferenceDeleted"):
            received = [e for e in events if e.get("event") == name]
            schema = consts.EVENT[name]
            if not received:
                fail(problems, f"no {name} reached the client")
            elif any(key not in received[-1] for key in schema):
                fail(problems, f"the client's filter {schema} rejects {received[-1]}")
        print("call: pushed inviteReceived, accept -> app_state 5 with conferenceCreated, "
              "hangUp -> app_state 3 with conferenceDeleted; the client's event filters accept "
              "all three")
        room.close_session()
        if proxy:
            # close_session leaves the socket open; the client's socket is closed as its
            # users would, so the proxy sees the connection end.
            room.websocket.close()
            with lock:
                responses = [response for method in seen.values() for response in method]
            proxy.check(problems, responses, methods)
    finally:
        if proxy and proxy.process.poll() is None:
            proxy.process.kill()
        mock.terminate()
        mock.wait(timeout=10)
    if mock.returncode != 0:
        fail(problems, f"mock-room exited with {mock.returncode} on SIGTERM")
    if problems:
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

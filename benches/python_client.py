#!/usr/bin/env python3
"""TrueConf's Python client (python-trueconf-room 1.0.0) against a running mock-room: what its
users get. Requests go through the client's public `command()` (its queue sends one command
per QUEUE_INTERVAL, 50 ms) and responses come back through a registered handler; the
notifications are a flood from the mock's `POST /mock/notify`, counted by a handler.

    python python_client.py HTTP_PORT PIN > result.json

Run by compare_python_client.sh, in the hash-pinned venv of the conformance corpus.
"""
import json
import os
import sys
import tempfile
import threading
import time

# Importing trueconf_room opens ./videosdk.log: import it from a scratch folder.
_scratch = tempfile.TemporaryDirectory()
os.chdir(_scratch.name)
import requests  # noqa: E402
import trueconf_room  # noqa: E402

SEQUENTIAL = 40
PIPELINED = 200
FLOOD = 20_000
PROGRESS = {
    "method": "event",
    "event": "incomingFileRequestDownloadingProgress",
    "fileSize": 80488954,
    "processedPercents": 20,
    "fileRequestId": "3322be1a-5736-4a01-8007-cbee8036f8b8",
    "fileName": "777.zip",
    "peerId": "820_1@some.server",
    "peerDisplayName": "820_1",
    "timestamp": 1659288685582,
}


class Counter:
    def __init__(self):
        self.count = 0
        self.changed = threading.Condition()

    def __call__(self, _message):
        with self.changed:
            self.count += 1
            self.changed.notify_all()

    def wait_for(self, target, seconds):
        with self.changed:
            return self.changed.wait_for(lambda: self.count >= target, seconds)


def main():
    port, pin = int(sys.argv[1]), sys.argv[2]
    room = trueconf_room.open_session(ip="127.0.0.1", port=port, pin=pin)
    deadline = time.monotonic() + 10
    while not (room.isReady() and room.systemInfo) and time.monotonic() < deadline:
        time.sleep(0.01)
    if not room.isReady():
        raise SystemExit("the Python client did not get ready")

    answers = Counter()
    room.add_handler({"method": "getAppState", "appState": None, "result": None}, answers)

    # One request at a time: send, wait for its answer, repeat.
    start = time.perf_counter()
    for i in range(SEQUENTIAL):
        room.command({"method": "getAppState"})
        if not answers.wait_for(i + 1, 10):
            raise SystemExit("a getAppState answer did not come")
    sequential = SEQUENTIAL / (time.perf_counter() - start)

    # Many queued at once.
    base = answers.count
    start = time.perf_counter()
    for _ in range(PIPELINED):
        room.command({"method": "getAppState"})
    if not answers.wait_for(base + PIPELINED, 60):
        raise SystemExit("the queued getAppState answers did not all come")
    pipelined = PIPELINED / (time.perf_counter() - start)

    # A flood of notifications, counted by a handler on the event.
    events = Counter()
    room.add_handler({"event": "incomingFileRequestDownloadingProgress"}, events)
    start = time.perf_counter()
    pushed = requests.post(
        f"http://127.0.0.1:{port}/mock/notify",
        params={"count": FLOOD},
        data=json.dumps(PROGRESS),
        timeout=120,
    )
    pushed.raise_for_status()
    if not events.wait_for(FLOOD, 300):
        raise SystemExit(f"only {events.count} of {FLOOD} notifications arrived")
    notifications = FLOOD / (time.perf_counter() - start)

    room.close_session()
    json.dump(
        {
            "client": "python-trueconf-room 1.0.0",
            "queue_interval_s": trueconf_room.QUEUE_INTERVAL,
            "round_trips_sequential_per_s": sequential,
            "round_trips_pipelined_per_s": pipelined,
            "pipelined": PIPELINED,
            "notifications_per_s": notifications,
        },
        sys.stdout,
    )
    print()


if __name__ == "__main__":
    main()

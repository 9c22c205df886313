"""Throughput of the Cells emulator: N keep-alive clients, a mix of reads and writes.

Starts the emulator in its own process (so client threads do not share its GIL) unless
``--url`` points at a running one, then runs ``--threads`` clients, each a
``requests.Session`` (HTTP/1.1 keep-alive), until ``--requests`` in total are done or
``--seconds`` have passed. Prints req/s and latency percentiles per operation.
``--raw`` uses ``http.client`` instead of requests: requests itself costs ~0.4 ms a call,
so it shows the client's limit, ``--raw`` the emulator's.

    .venv/bin/python bench/emulator_throughput.py --threads 8 --requests 20000
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import requests

SERVE = (
    "import sys\n"
    "from migrate.cells.emulator import EmulatorConfig, serve\n"
    "serve(EmulatorConfig(port=0, index_delay_s=0.0), ready=lambda u: print(u, flush=True))\n"
)


@contextmanager
def emulator_process() -> Iterator[str]:
    """Run the emulator in a child process; yields its URL."""
    proc = subprocess.Popen([sys.executable, "-c", SERVE], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http://"):
            raise RuntimeError("the emulator did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def _existing(url: str) -> Iterator[str]:
    yield url


def worker(
    url: str,
    token: str,
    tid: int,
    quota: int,
    deadline: float,
    write_every: int,
    out: dict[str, list[float]],
    lock: threading.Lock,
) -> None:
    """One client: cycles through reads and (every ``write_every``) writes."""
    send = _raw_sender(url, token) if RAW else _requests_sender(url, token)
    local: dict[str, list[float]] = defaultdict(list)
    for i in range(quota):
        if time.perf_counter() >= deadline:
            break
        call: tuple[str, str, object]
        if write_every and i % write_every == 0:
            name, call = (
                "PUT /a/role",
                ("PUT", f"/a/role/b{tid}-{i}", {"Uuid": f"b{tid}-{i}", "Label": "b"}),
            )
        elif i % 3 == 1:
            name, call = (
                "POST /a/acl",
                ("POST", "/a/acl", {"Queries": [{"RoleIDs": [f"b{tid}-0"]}]}),
            )
        elif i % 3 == 2:
            name, call = "GET /a/role", ("GET", "/a/role/ROOT_GROUP", None)
        else:
            name, call = "GET /a/user", ("GET", "/a/user/admin", None)
        start = time.perf_counter()
        status = send(*call)
        local[name].append(time.perf_counter() - start)
        if status != 200:
            local["errors"].append(float(status))
    with lock:
        for key, values in local.items():
            out[key].extend(values)


RAW = False


def _requests_sender(url: str, token: str) -> Any:
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"

    def send(method: str, path: str, body: object) -> int:
        return http.request(method, url + path, json=body, timeout=30).status_code

    return send


def _raw_sender(url: str, token: str) -> Any:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def send(method: str, path: str, body: object) -> int:
        data = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        resp.read()
        return resp.status

    return send


def run(url: str, threads: int, total: int, seconds: float, write_every: int) -> dict[str, object]:
    """Run the clients and summarise."""
    token = requests.post(f"{url}/_emulator/pat", json={"login": "admin"}, timeout=10).json()[
        "token"
    ]
    out: dict[str, list[float]] = defaultdict(list)
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    quota = max(total // threads, 1)
    pool = [
        threading.Thread(
            target=worker, args=(url, token, t, quota, deadline, write_every, out, lock)
        )
        for t in range(threads)
    ]
    start = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    wall = time.perf_counter() - start
    done = sum(len(v) for k, v in out.items() if k != "errors")
    summary: dict[str, object] = {
        "threads": threads,
        "requests": done,
        "errors": len(out.get("errors", [])),
        "wall_s": round(wall, 3),
        "req_per_s": round(done / wall, 1),
    }
    for key, values in sorted(out.items()):
        if key == "errors" or not values:
            continue
        ordered = sorted(values)
        summary[key] = {
            "n": len(values),
            "p50_ms": round(statistics.median(ordered) * 1000, 2),
            "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 2),
        }
    return summary


def main() -> None:
    """Parse arguments, start the emulator if needed, print one JSON line per thread count."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="a running emulator (default: start one)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--requests", type=int, default=10000, help="total per run")
    parser.add_argument("--seconds", type=float, default=30.0, help="time bound per run")
    parser.add_argument(
        "--write-every", type=int, default=5, help="1 write per N requests (0: none)"
    )
    parser.add_argument("--raw", action="store_true", help="http.client instead of requests")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="emulated server latency")
    args = parser.parse_args()
    global RAW
    RAW = args.raw
    with emulator_process() if not args.url else _existing(args.url) as url:
        knobs = {"latency_ms": args.latency_ms}
        requests.post(f"{url}/_emulator/configure", json=knobs, timeout=10).raise_for_status()
        for n in args.threads:
            result = run(url, n, args.requests, args.seconds, args.write_every)
            print(json.dumps(dict(result, latency_ms=args.latency_ms)))


if __name__ == "__main__":
    main()

"""Shared helpers of the benchmarks: timing a child process with its peak RSS, medians, the
emulator in a child process, sample installs and their config files."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import requests

from migrate.sample.install import build_install
from migrate.sample.spec import InstallSpec


@dataclass(frozen=True, slots=True)
class Measure:
    """One run of a command: wall time in seconds, peak RSS in MB, exit code."""

    wall_s: float
    peak_rss_mb: float
    exit_code: int


def measure(
    argv: list[str],
    *,
    env: dict[str, str] | None = None,
    stdout: IO[bytes] | None = None,
    ok: tuple[int, ...] = (0,),
) -> Measure:
    """Run ``argv`` to completion through :mod:`bench.spawn` (so the peak RSS is the
    command's own, see there); stdout goes to ``stdout`` (else discarded), stderr to a
    temporary file (a pipe could fill up and block the child) shown when the run fails
    (an exit code not in ``ok``)."""
    with tempfile.TemporaryDirectory(prefix="cm-bench-spawn-") as tmp:
        result = Path(tmp) / "rusage.json"
        launcher = [sys.executable, "-m", "bench.spawn", str(result), *argv]
        with (Path(tmp) / "stderr").open("w+b") as errors:
            proc = subprocess.run(
                launcher, stdout=stdout or subprocess.DEVNULL, stderr=errors, env=env, check=False
            )
            if proc.returncode not in ok:
                errors.seek(0)
                tail = errors.read().decode(errors="replace")[-2000:]
                raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}:\n{tail}")
        usage = json.loads(result.read_text(encoding="utf-8"))
    return Measure(
        wall_s=usage["wall_s"], peak_rss_mb=usage["peak_rss_kb"] / 1024, exit_code=proc.returncode
    )


def median_of(runs: list[Measure]) -> Measure:
    """The median wall time and median peak RSS of several runs."""
    return Measure(
        wall_s=statistics.median(m.wall_s for m in runs),
        peak_rss_mb=statistics.median(m.peak_rss_mb for m in runs),
        exit_code=0,
    )


SERVE = (
    "from migrate.cells.emulator import EmulatorConfig, serve\n"
    "serve(EmulatorConfig(port=0, index_delay_s=0.0), ready=lambda u: print(u, flush=True))\n"
)


class EmulatorProcess:
    """The Cells emulator in a child process (its GIL is not the client's) and its control
    API: ``reset``, ``latency`` and a PAT for the admin. ``argv`` runs another server
    script (it prints its URL last; lines before it are kept in ``preamble``)."""

    def __init__(self, argv: list[str] | None = None) -> None:
        self.proc = subprocess.Popen(
            argv or [sys.executable, "-c", SERVE], stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None
        self.preamble: list[str] = []
        self.url = self.proc.stdout.readline().strip()
        while self.url and not self.url.startswith("http://"):
            self.preamble.append(self.url)
            self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://"):
            self.close()
            raise RuntimeError("the emulator did not start")
        self.http = requests.Session()
        self.token = self._post("/_emulator/pat", {"login": "admin"})["token"]

    def _post(self, path: str, body: object) -> Any:
        resp = self.http.post(self.url + path, json=body, timeout=60)
        resp.raise_for_status()
        return resp.json() if resp.content else None

    def reset(self, *, latency_ms: float = 0.0) -> None:
        """Back to a fresh Cells, with ``latency_ms`` added to every ``/a/`` request."""
        self._post("/_emulator/reset", {})
        self._post("/_emulator/configure", {"latency_ms": latency_ms})

    def latency(self, latency_ms: float) -> None:
        """Set the latency added to every ``/a/`` request, keeping the state."""
        self._post("/_emulator/configure", {"latency_ms": latency_ms})

    def state(self) -> dict[str, Any]:
        """The emulator's whole state (``GET /_emulator/state``)."""
        resp = self.http.get(self.url + "/_emulator/state", timeout=120)
        resp.raise_for_status()
        result: dict[str, Any] = resp.json()
        return result

    def close(self) -> None:
        """Stop the child process."""
        self.proc.terminate()
        self.proc.wait(timeout=30)

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def sqlite_install(root: Path, spec: InstallSpec) -> Path:
    """Build a sample Pydio 8 install on SQLite under ``root``/install; returns its path."""
    install = root / "install"
    build_install(install, dialect="sqlite", spec=spec)
    return install


def write_config(root: Path, *, install: Path, cells_url: str, state: str) -> Path:
    """A cells-migrate config file for ``install`` -> the emulator at ``cells_url``; the PAT
    comes from ``${CELLS_TOKEN}`` (the client does not read ``token_file`` for a PAT)."""
    path = root / "bench-config.yaml"
    path.write_text(
        f"legacy:\n  install_path: {install}\n"
        f"cells:\n  url: {cells_url}\n  auth: {{method: pat, token: '${{CELLS_TOKEN}}'}}\n"
        f"state:\n  url: {state}\n",
        encoding="utf-8",
    )
    return path


def emit(record: dict[str, object]) -> None:
    """Print one JSON line (a measure) to stdout."""
    print(json.dumps(record), flush=True)

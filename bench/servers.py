"""The servers the bench starts (gunicorn, the production set-up: sync
workers on a free loopback port), their workers' memory, and wrk driving
one page of them (bench/report.lua gives its figures back)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench.client import request
from bench.results import Row

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REPORT_LUA = ROOT / "bench" / "report.lua"
CONNECTIONS, THREADS, WORKERS = 8, 2, 2


# --- The server -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, wsgi: str, env: dict, log: Path):
        self.port = free_port()
        # The portal logs a line a request: to a file, never to a pipe nobody reads (a full pipe stalls the workers).
        self.log = log
        with log.open("a") as output:
            self.process = subprocess.Popen(  # noqa: S603
                [
                    str(BIN / "gunicorn"),
                    "--workers",
                    str(WORKERS),
                    "--worker-class",
                    "sync",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--log-level",
                    "warning",
                    "--timeout",
                    "60",
                    wsgi,
                ],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=output,
                text=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn {wsgi} stopped:\n{log.read_text()[-3000:]}")
            try:
                status = request(self.port, "GET", "/")[0]
                if status < 500:
                    while len(self.workers()) < WORKERS and time.monotonic() < deadline:
                        time.sleep(0.1)
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"gunicorn {wsgi} did not answer within a minute")

    def workers(self) -> list[int]:
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        except OSError:
            return []
        return [int(pid) for pid in children]

    def memory_mib(self, field: str = "VmRSS") -> list[float]:
        """Each worker's resident memory now (VmRSS), or at its highest (VmHWM), in MiB."""
        found = []
        for pid in self.workers():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            value = re.search(rf"{field}:\s+(\d+) kB", status)
            if value:
                found.append(round(int(value.group(1)) / 1024, 1))
        return found

    def _cpu_ticks(self) -> int:
        ticks = 0
        for pid in self.workers():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime and stime, of all the worker's threads
        return ticks

    def settle(self, quiet: float = 0.5, longest: float = 30.0) -> None:
        """Wait until the workers have used no CPU for ``quiet`` seconds: the requests a run left queued are done."""
        deadline = time.monotonic() + longest
        last = self._cpu_ticks()
        while time.monotonic() < deadline:
            time.sleep(quiet)
            now = self._cpu_ticks()
            if now == last:
                return
            last = now

    def rss_mib(self) -> float:
        """The largest worker's resident memory now."""
        return max(self.memory_mib(), default=0.0)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# --- wrk ------------------------------------------------------------------------------------------


def wrk(port: int, path: str, seconds: int, *, cookie: str = "", body: str = "", expect: int = 200) -> dict:
    command = [
        "wrk",
        "-t",
        str(THREADS),
        "-c",
        str(CONNECTIONS),
        "-d",
        f"{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(REPORT_LUA),
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    env = {**os.environ, "BENCH_BODY": body, "BENCH_EXPECT": str(expect)}
    result = subprocess.run(command, capture_output=True, text=True, env=env)  # noqa: S603
    found = re.search(r"BENCH_JSON (\{.*\})", result.stdout)
    if result.returncode != 0 or not found:
        raise SystemExit(f"wrk failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(found.group(1))


def measure(
    server: Server,
    page: str,
    database: str,
    circles: int,
    path: str,
    config: dict,
    *,
    cookie: str = "",
    body: str = "",
    expect: int = 200,
    longer: int = 1,
    kind: str = "",
    who: str = "",
) -> Row:
    """``longer``: a multiple of the usual duration, for a page too slow to give figures in it."""
    wrk(server.port, path, config["warmup"], cookie=cookie, body=body, expect=expect)
    # The warm-up's requests still queued (wrk leaves them behind when it stops) are answered first.
    request(server.port, "GET", "/")
    figures = wrk(server.port, path, config["seconds"] * longer, cookie=cookie, body=body, expect=expect)
    # And those of the measured run, so that the memory read below is the workers' at rest.
    server.settle()
    seconds = figures["duration_us"] / 1e6
    errors = figures["unexpected"] + figures["connect"] + figures["read"] + figures["write"] + figures["timeout"]
    row = Row(
        page,
        database,
        circles,
        figures["requests"] / seconds,
        figures["p50"] / 1000,
        figures["p95"] / 1000,
        figures["p99"] / 1000,
        figures["requests"],
        errors,
        figures["set_cookie"],
        rss_mib=server.rss_mib(),
        kind=kind,
        who=who,
    )
    if not row.requests:
        row.notes.append("no response within the measured run")
    _progress(row)
    return row


def _progress(row: Row) -> None:
    print(
        f"    {row.page:42} {row.rps:8.1f} req/s  p95 {row.p95_ms:7.1f} ms  errors {row.errors}  "
        f"Set-Cookie {row.set_cookie}/{row.requests}  RSS {row.rss_mib:.0f} MiB",
        flush=True,
    )

"""Shared by the booking rush bench and its in-suite version: run the real server in several
processes, and fire many HTTP requests at the same instant.

The client is a minimal HTTP/1.1 client on asyncio streams (for a rush: one connection per
attempt, all connected first, then every request written at once; for throughput: a closed loop,
with or without keep-alive), so a thousand attempts cost the client little CPU next to the server
it measures. Traffic goes to 127.0.0.1 only, bounded in count and
time.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class Result:
    status: int
    latency_s: float
    body: dict | None
    raw: bytes = b""


def run(coro):
    """``asyncio.run`` on uvloop when it is installed (it comes with uvicorn[standard]): the load
    generator should spend as little of the machine's two cores as it can."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def server_env(*, database_url: str, redis_url: str = "", jwt_signing_key: str, extra: dict | None = None) -> dict:
    """Production-like settings (DEBUG=0) for a local server on plain HTTP."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    env.update({
        "DEBUG": "0",
        "TESTING": "0",
        "SECRET_KEY": "bench-" + os.urandom(32).hex(),
        "JWT_SIGNING_KEY": jwt_signing_key,
        "JWT_ACCESS_MINUTES": "120",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "FIELD_ENCRYPTION_KEYS": "YmVuY2gtb25seS1maWVsZC1rZXktMDAwMDAwMDAwMDA=",
        "BLIND_INDEX_KEY": "bench-only-blind-index-key-0123456789abcdef",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        # Persistent connections by default (measured the cheaper for PostgreSQL's CPU);
        # BENCH_DB_POOL=1 runs production's default, psycopg's pool, to compare.
        "DB_POOL": os.environ.get("BENCH_DB_POOL", "0"),
        "CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
        "DEMO_DATA": "0",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    })
    env.update(extra or {})
    return env


# The WSGI server the benches run the portal under: granian (the Procfile's, the default) or, to
# compare, gunicorn (its web server before 2026-11-24; docs/benchmarks.md, "Another HTTP server").
SERVER = os.environ.get("BENCH_SERVER", "granian")


def server_command(app: str, port: int, *, workers: int, threads: int) -> tuple[list[str], str]:
    """The command line of ``SERVER`` serving the WSGI ``app`` on 127.0.0.1:``port``, and how the
    benches' reports name it."""
    if SERVER == "granian":
        return ([str(Path(sys.executable).parent / "granian"), "--interface", "wsgi", app, "--host", "127.0.0.1",
                 "--port", str(port), "--workers", str(workers), "--blocking-threads", str(threads), "--backlog",
                 "4096", "--log-level", "warning", "--no-ws"],
                f"granian --interface wsgi {app}, {workers} worker processes x {threads} blocking threads")
    cmd = [str(Path(sys.executable).parent / "gunicorn"), app, "--bind", f"127.0.0.1:{port}", "--workers",
           str(workers), "--backlog", "4096", "--timeout", "60", "--graceful-timeout", "5", "--log-level", "warning"]
    if threads > 1:
        cmd += ["--worker-class", "gthread", "--threads", str(threads)]
    return cmd, (f"gunicorn {app}, {workers} worker processes"
                 + (f" x {threads} threads (gthread)" if threads > 1 else " (sync)"))


def processes_cpu_s(pids) -> float:
    """CPU seconds these processes have used (user + system, from /proc); gone ones count nothing."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def machine_cpu_s() -> float:
    """CPU seconds the whole machine has been busy (all cores; not idle, not waiting on I/O)."""
    with open("/proc/stat") as stat:
        ticks = [int(x) for x in stat.readline().split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


class Server:
    """``portal.wsgi`` under ``SERVER`` (granian unless told) with ``workers`` processes on a free port of
    127.0.0.1."""

    def __init__(self, *, env: dict, workers: int = 2, threads: int = 1, timeout_s: float = 30.0):
        self.port = free_port()
        self.workers = workers
        cmd, self.description = server_command("portal.wsgi:application", self.port, workers=workers,
                                               threads=threads)
        # The server's log goes to a file: a pipe nobody reads would fill up and block the workers.
        self.log = tempfile.NamedTemporaryFile("w+b", prefix="rush-server-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self.log,
                                     start_new_session=True)
        self._wait_ready(timeout_s)

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_tail()}")
            try:
                results = run(fire("127.0.0.1", self.port, [Request("GET", "/healthz", {})] * self.workers * 2))
                if all(r.status == 200 for r in results):
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("server did not become ready")

    def log_tail(self, size: int = 3000) -> str:
        self.log.flush()
        return Path(self.log.name).read_bytes()[-size:].decode(errors="replace")

    def pids(self) -> list[int]:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.proc.pid)], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]

    def cpu_s(self) -> float:
        """CPU seconds the worker processes have used (user + system, from /proc)."""
        return processes_cpu_s(self.pids())

    def wait_quiet(self, timeout_s: float = 60.0, window_s: float = 0.5) -> float:
        """Wait until the workers use no CPU for ``window_s`` (their start-up work in the background —
        the catalogue index, ``portal/warmup.py`` — is done, as in a server that has been running);
        returns the seconds waited."""
        began = time.monotonic()
        while time.monotonic() - began < timeout_s:
            before = self.cpu_s()
            time.sleep(window_s)
            if self.cpu_s() - before < 0.02:
                break
        return time.monotonic() - began

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def _encode(req: Request, port: int, *, keep_alive: bool = False) -> bytes:
    lines = [f"{req.method} {req.path} HTTP/1.1", f"Host: 127.0.0.1:{port}",
             "Connection: keep-alive" if keep_alive else "Connection: close",
             f"Content-Length: {len(req.body)}"]
    lines += [f"{k}: {v}" for k, v in req.headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + req.body


def _parse(raw: bytes) -> tuple[int, dict | None]:
    head, _, body = raw.partition(b"\r\n\r\n")
    try:
        status = int(head.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0, None
    if b"transfer-encoding: chunked" in head.lower():
        chunks, rest = [], body
        while rest:
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line.split(b";")[0] or b"0", 16)
            if size == 0:
                break
            chunks.append(rest[:size])
            rest = rest[size + 2:]
        body = b"".join(chunks)
    try:
        return status, json.loads(body) if body else None
    except ValueError:
        return status, None


async def fire(host: str, port: int, requests: Sequence[Request], *, connect_concurrency: int = 200,
               timeout_s: float = 60.0) -> list[Result]:
    """Connect one socket per request, then write every request at the same moment."""
    sem = asyncio.Semaphore(connect_concurrency)
    go = asyncio.Event()
    ready = 0
    all_ready = asyncio.Event()

    def mark_ready() -> None:
        nonlocal ready
        ready += 1
        if ready == len(requests):
            all_ready.set()

    async def one(req: Request) -> Result:
        try:
            async with sem:
                reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            mark_ready()
            return Result(0, 0.0, None)
        payload = _encode(req, port)
        mark_ready()
        await go.wait()
        started = time.perf_counter()
        try:
            writer.write(payload)
            await writer.drain()
            raw = await asyncio.wait_for(reader.read(-1), timeout_s)
        except (TimeoutError, OSError):
            return Result(0, time.perf_counter() - started, None)
        finally:
            writer.close()
        elapsed = time.perf_counter() - started
        status, body = _parse(raw)
        return Result(status, elapsed, body, raw[:300])

    tasks = [asyncio.create_task(one(r)) for r in requests]
    # Every connection is open (in the server's listen backlog) before anyone writes.
    await asyncio.wait_for(all_ready.wait(), timeout_s)
    go.set()
    return list(await asyncio.gather(*tasks))


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, payload: bytes,
                    timeout_s: float) -> tuple[bytes, bool]:
    """Send one request on an open connection and read one response by its Content-Length (or
    chunks). Returns the raw response and whether the server keeps the connection open."""
    writer.write(payload)
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout_s)
    fields = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        fields[name.strip().lower()] = value.strip().lower()
    if fields.get(b"transfer-encoding") == b"chunked":
        body = b""
        while True:
            size_line = await asyncio.wait_for(reader.readuntil(b"\r\n"), timeout_s)
            chunk = await asyncio.wait_for(reader.readexactly(int(size_line.split(b";")[0] or b"0", 16) + 2),
                                           timeout_s)
            body += size_line + chunk
            if size_line.strip() in (b"0", b""):
                break
    else:
        body = await asyncio.wait_for(reader.readexactly(int(fields.get(b"content-length", b"0"))), timeout_s)
    return head + body, fields.get(b"connection") != b"close"


async def closed_loop(host: str, port: int, requests: Sequence[Request], *, concurrency: int,
                      timeout_s: float = 60.0, keep_alive: bool = False) -> tuple[list[Result], float]:
    """``concurrency`` clients each sending the next request as soon as their last one answered.
    Returns the results and the wall time.

    By default each request opens its own connection (what a phone on a mobile network costs the
    server without a proxy). ``keep_alive``: each client keeps one connection open and sends its
    requests on it one after another, as nginx does towards the web processes with upstream keep-alive
    (deploy/nginx.conf, ``keepalive 32``); it reconnects when the server closes the connection."""
    queue = list(reversed(requests))
    results: list[Result] = []

    async def client() -> None:
        reader = writer = None
        while queue:
            req = queue.pop()
            started = time.perf_counter()
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                if keep_alive:
                    raw, reusable = await _exchange(reader, writer, _encode(req, port, keep_alive=True), timeout_s)
                else:
                    writer.write(_encode(req, port))
                    await writer.drain()
                    raw, reusable = await asyncio.wait_for(reader.read(-1), timeout_s), False
                if not reusable:
                    writer.close()
                    reader = writer = None
            except (TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                results.append(Result(0, time.perf_counter() - started, None))
                if writer is not None:
                    writer.close()
                reader = writer = None
                continue
            status, body = _parse(raw)
            results.append(Result(status, time.perf_counter() - started, body, raw[:300]))
        if writer is not None:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return results, time.perf_counter() - began

"""Server processes for the benchmark: start one on a free loopback port, time it until '/' answers 200,
read its peak memory, stop it. Only processes started here are ever stopped, each by its own id."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
# Never through a proxy: every request of the benchmark goes to this machine.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class StartError(Exception):
    """A server that did not come up: ``kind`` is 'timeout' or 'failed'."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass
class Server:
    """A running server process and what is known about it."""

    proc: subprocess.Popen
    port: int
    log: Path
    ready_s: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""


def free_port() -> int:
    """A TCP port on the loopback address that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def http_status(url: str, timeout: float = 5.0) -> int | None:
    """The HTTP status of a GET, or None when nothing answers."""
    try:
        with _opener.open(url, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, OSError, TimeoutError):
        return None


def start(
    cmd: list[str], *, cwd: Path, log: Path, timeout: float, env: dict[str, str] | None = None, port: int | None = None
) -> Server:
    """Start a server (``{port}`` in cmd is filled in) and wait until '/' answers 200; the time is ``ready_s``.

    Raises StartError('timeout' | 'failed') and stops the process when it does not come up.
    """
    port = port or free_port()
    args = [part.replace("{port}", str(port)) for part in cmd]
    log.parent.mkdir(parents=True, exist_ok=True)
    handle = log.open("wb")
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        args,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=handle,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    handle.close()
    server = Server(proc, port, log)
    url = server.url
    while True:
        elapsed = time.perf_counter() - t0
        if proc.poll() is not None:
            raise StartError("failed", f"exited with code {proc.returncode}: {last_line(server.log_text())}")
        if elapsed > timeout:
            stop(server)
            raise StartError("timeout", f"timeout after {timeout:.0f} s")
        if http_status(url, timeout=max(1.0, min(10.0, timeout - elapsed))) == 200:
            server.ready_s = time.perf_counter() - t0
            return server
        time.sleep(0.05)


def last_line(text: str, limit: int = 160) -> str:
    """The last non-blank line of some output (a traceback's last line names the error), shortened."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    line = lines[-1] if lines else "(no output)"
    return line if len(line) <= limit else line[: limit - 1] + "…"


def stop(server: Server, grace: float = 10.0) -> None:
    """Stop a server we started (its own process group, which it leads), politely first."""
    proc = server.proc
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=grace)


def _status_kb(pid: int, key: str) -> int | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(rf"^{key}:\s+(\d+) kB", text, re.M)
    return int(match.group(1)) if match else None


def peak_mb(pid: int) -> float | None:
    """Peak resident memory (VmHWM) of a live process, in MB."""
    kb = _status_kb(pid, "VmHWM")
    return kb / 1024 if kb is not None else None


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid``."""
    children = _children_map()
    found, stack = [], list(children.get(pid, []))
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, []))
    return found


def renderer_peak_mb(root: int | None = None) -> float | None:
    """The largest peak memory among the Chromium renderer processes below ``root`` (this process)."""
    best = None
    for pid in descendants(root or os.getpid()):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"--type=renderer" in cmdline and b"--extension-process" not in cmdline:
            value = peak_mb(pid)
            if value is not None and (best is None or value > best):
                best = value
    return best


def run_timed(
    cmd: list[str], *, cwd: Path, timeout: float, env: dict[str, str] | None = None, log: Path | None = None
) -> tuple[float, int, str]:
    """Run a command to its end: (seconds, exit code, output). Raises StartError('timeout') past ``timeout``,
    after stopping the command and everything it started (its own process group)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate()
        raise StartError("timeout", f"timeout after {timeout:.0f} s") from None
    seconds = time.perf_counter() - t0
    text = out.decode("utf-8", "replace")
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(text)
    return seconds, proc.returncode, text

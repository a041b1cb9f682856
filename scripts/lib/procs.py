"""Start child processes so that none of them outlives the script that started them.

Each child runs in its own process group (so a terminal Ctrl-C reaches only the supervisor, which then
stops the children in order). On Linux the supervisor also
  * becomes a "child subreaper", so grandchildren whose parent died are re-parented to it and can be found,
  * asks the kernel to send SIGTERM to each direct child should the supervisor itself be killed.
Stopping a child sends SIGTERM to its process group, waits, then SIGKILLs the group and every descendant
that was seen before, including processes that put themselves in another group or session (cargo lambda
watch starts each function that way).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Optional, Union

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36

_libc = None
if sys.platform.startswith("linux"):
    try:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        _libc = None


def _prctl(option: int, value: int) -> None:
    if _libc is not None:
        _libc.prctl(option, value, 0, 0, 0)


def _child_setup() -> None:
    # Runs in the child between fork and exec: new session + process group, die with the parent.
    os.setsid()
    _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _process_table() -> dict[int, tuple[int, str]]:
    """pid -> (ppid, command name)."""
    table: dict[int, tuple[int, str]] = {}
    proc = Path("/proc")
    if proc.is_dir():
        for entry in proc.iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid ... ; comm may contain spaces and parentheses.
            close = stat.rfind(")")
            comm = stat[stat.find("(") + 1 : close]
            fields = stat[close + 2 :].split()
            if len(fields) > 1:
                table[int(entry.name)] = (int(fields[1]), comm)
        return table
    out = subprocess.run(["ps", "-A", "-o", "pid=,ppid=,comm="], capture_output=True, text=True).stdout
    for line in out.splitlines():
        parts = line.split(None, 2)
        if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit():
            table[int(parts[0])] = (int(parts[1]), parts[2] if len(parts) > 2 else "")
    return table


def descendants(pid: int) -> dict[int, str]:
    table = _process_table()
    children: dict[int, list[int]] = {}
    for child, (parent, _) in table.items():
        children.setdefault(parent, []).append(child)
    found: dict[int, str] = {}
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found[child] = table[child][1]
                stack.append(child)
    return found


def _alive(pid: int, comm: str) -> bool:
    """The process still exists and is the same program (guards against pid reuse)."""
    table = _process_table()
    return pid in table and table[pid][1] == comm


def _signal_pid(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class Child:
    def __init__(self, name: str, popen: subprocess.Popen, log_path: Optional[Path]):
        self.name = name
        self.popen = popen
        self.log_path = log_path
        self.known: dict[int, str] = {}  # descendants seen so far

    @property
    def pid(self) -> int:
        return self.popen.pid

    def running(self) -> bool:
        return self.popen.poll() is None

    def death_note(self) -> Optional[str]:
        code = self.popen.poll()
        if code is None:
            return None
        where = f"; see {self.log_path}" if self.log_path else ""
        return f"{self.name} exited with status {code}{where}"

    def remember_descendants(self) -> None:
        if self.running():
            self.known.update(descendants(self.pid))


class Supervisor:
    def __init__(self) -> None:
        self.children: list[Child] = []
        _prctl(_PR_SET_CHILD_SUBREAPER, 1)

    def spawn(
        self,
        name: str,
        argv: list[str],
        env: Optional[dict[str, str]] = None,
        cwd: Optional[Path] = None,
        log: Union[None, Path, str] = None,
    ) -> Child:
        """Start argv. log=None lets the child write to this terminal; a Path captures stdout+stderr there;
        "pipe" makes them readable from child.popen.stdout."""
        out: Union[int, IO, None] = None
        handle = None
        if log == "pipe":
            out = subprocess.PIPE
            log = None
        elif log is not None:
            log.parent.mkdir(parents=True, exist_ok=True)
            handle = open(log, "wb", buffering=0)
            out = handle
        try:
            popen = subprocess.Popen(
                argv,
                env=env,
                cwd=str(cwd) if cwd else None,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT if out is not None else None,
                preexec_fn=_child_setup,
            )
        except FileNotFoundError:
            raise FileNotFoundError(f"{name}: cannot run {argv[0]} (not installed? run scripts/setup)") from None
        finally:
            if handle is not None:
                handle.close()
        child = Child(name, popen, log)
        self.children.append(child)
        return child

    def poll_descendants(self) -> None:
        for child in self.children:
            child.remember_descendants()

    def stop(self, child: Child, grace: float = 10.0) -> None:
        child.remember_descendants()
        if child.running():
            _signal_group(child.pid, signal.SIGTERM)
            deadline = time.monotonic() + grace
            while child.running() and time.monotonic() < deadline:
                time.sleep(0.1)
        if child.running():
            _signal_group(child.pid, signal.SIGKILL)
        try:
            child.popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        # Whatever the child started and left behind (other groups/sessions included).
        leftovers = {pid: comm for pid, comm in child.known.items() if _alive(pid, comm)}
        for pid in leftovers:
            _signal_pid(pid, signal.SIGTERM)
        deadline = time.monotonic() + 3
        while leftovers and time.monotonic() < deadline:
            time.sleep(0.1)
            leftovers = {pid: comm for pid, comm in leftovers.items() if _alive(pid, comm)}
        for pid in leftovers:
            _signal_pid(pid, signal.SIGKILL)
        if child in self.children:
            self.children.remove(child)

    def stop_all(self) -> None:
        for child in reversed(list(self.children)):
            self.stop(child)
        self._reap_orphans()

    def _reap_orphans(self) -> None:
        """As subreaper we inherit orphaned grandchildren: end those too, then collect their exit status."""
        me = os.getpid()
        for sig in (signal.SIGTERM, signal.SIGKILL):
            orphans = [pid for pid, (ppid, _) in _process_table().items() if ppid == me]
            if not orphans:
                break
            for pid in orphans:
                _signal_pid(pid, sig)
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                if not any(ppid == me for ppid, _ in _process_table().values()):
                    break
                time.sleep(0.1)
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break


class Interrupted(Exception):
    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def ignore_signals() -> None:
    """Called before cleanup so that a second Ctrl-C cannot interrupt it (cleanup is bounded in time)."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)


def install_signal_handlers() -> None:
    """SIGINT/SIGTERM/SIGHUP raise Interrupted in the main thread so `finally` blocks clean up."""

    def handler(signum, _frame):
        ignore_signals()
        raise Interrupted(signum)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, handler)

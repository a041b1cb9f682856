"""Shared helpers for the local-stack scripts: paths, settings, ports, HTTP polling, output."""

from __future__ import annotations

import errno
import json
import os
import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Optional

LIB_DIR = Path(__file__).resolve().parent
# The shell wrappers export TRIBUTARY_ROOT; fall back to the checkout this file lives in.
ROOT = Path(os.environ.get("TRIBUTARY_ROOT") or LIB_DIR.parent.parent).resolve()
VENV_BIN = ROOT / ".venv" / "bin"
STATE_DIR = ROOT / ".local"
LOG_DIR = STATE_DIR / "logs"
TEMPLATE = ROOT / "infra" / "template.yaml"
REGION = "us-east-1"
# Dummy credentials (the local stack must never reach real AWS). DynamoDB Local 2+ rejects access key ids
# with anything but letters and digits.
DUMMY_ACCESS_KEY = "tributarylocal"
DUMMY_SECRET_KEY = "tributarylocalsecret"
HOST = "127.0.0.1"


class StackError(Exception):
    """A failure with a message meant for the person running the script."""


def setting(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def port_setting(name: str, default: int) -> int:
    raw = setting(name, str(default))
    try:
        port = int(raw)
    except ValueError:
        raise StackError(f"{name}={raw!r} is not a port number") from None
    if not 0 < port < 65536:
        raise StackError(f"{name}={port} is outside 1-65535")
    return port


def is_tty() -> bool:
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"


def _style(code: str, text: str) -> str:
    return f"\033[{code}m{text}\033[0m" if is_tty() else text


def say(prefix: str, message: str) -> None:
    print(f"{_style('2', prefix + ':')} {message}", flush=True)


def warn(prefix: str, message: str) -> None:
    print(f"{_style('33', prefix + ': warning:')} {message}", file=sys.stderr, flush=True)


def error(prefix: str, message: str) -> None:
    print(f"{_style('31;1', prefix + ': error:')} {message}", file=sys.stderr, flush=True)


def header(title: str) -> None:
    line = "=" * 72
    print(f"\n{_style('1', line)}\n{_style('1', '== ' + title)}\n{_style('1', line)}", flush=True)


def port_in_use(port: int, host: str = HOST) -> bool:
    """True when something already listens on host:port (or on the wildcard address)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        # SO_REUSEADDR: a port in TIME_WAIT after a previous run is free, a listening socket is not.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        if exc.errno in (errno.EADDRINUSE, errno.EACCES):
            return True
        raise
    finally:
        sock.close()
    # A listener bound to another interface would not clash with the bind above on every OS: probe too.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.3)
        return probe.connect_ex((host, port)) == 0


def require_free_ports(ports: dict[str, int]) -> None:
    seen: dict[int, str] = {}
    for name, port in ports.items():
        if port in seen:
            raise StackError(f"{name} and {seen[port]} are both set to port {port}; give each its own port")
        seen[port] = name
    busy = [(name, port) for name, port in ports.items() if port_in_use(port)]
    if busy:
        lines = "\n".join(f"  {HOST}:{port} ({name})" for name, port in busy)
        raise StackError(
            "port already in use:\n"
            f"{lines}\n"
            "Stop whatever listens there (is another scripts/dev running? try `ss -ltnp`), "
            "or pick other ports with the variables named above."
        )


class HttpAnswer:
    def __init__(self, status: int, body: bytes, content_type: str):
        self.status = status
        self.body = body
        self.content_type = content_type

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None

    def short(self) -> str:
        text = self.body.decode("utf-8", "replace").strip().replace("\n", " ")
        return f"HTTP {self.status} {text[:200]}"


def http_get(url: str, timeout: float = 5.0) -> Optional[HttpAnswer]:
    """GET url; any HTTP answer (also 4xx/5xx) is returned, connection failures give None."""
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return HttpAnswer(resp.status, resp.read(), resp.headers.get("Content-Type", ""))
    except urllib.error.HTTPError as exc:
        return HttpAnswer(exc.code, exc.read() or b"", exc.headers.get("Content-Type", "") if exc.headers else "")
    except (urllib.error.URLError, ConnectionError, TimeoutError, socket.timeout, OSError):
        return None


def wait_until(
    what: str,
    check: Callable[[], bool],
    timeout: float,
    alive: Optional[Callable[[], Optional[str]]] = None,
    interval: float = 0.25,
) -> None:
    """Poll check() until it is true. alive() returns an error text when the thing being waited for died."""
    deadline = time.monotonic() + timeout
    while True:
        if alive is not None:
            problem = alive()
            if problem:
                raise StackError(f"{what}: {problem}")
        if check():
            return
        if time.monotonic() > deadline:
            raise StackError(f"{what}: not ready after {int(timeout)} s")
        time.sleep(interval)


def write_env_file(path: Path, values: dict[str, str]) -> None:
    """KEY=VALUE lines, readable by `set -a; . file` and by cargo lambda --env-file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for key, value in values.items():
        if "\n" in value or "'" in value:
            raise StackError(f"{key} must not contain newlines or single quotes")
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    os.replace(tmp, path)


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def local_aws_env(dynamodb_port: int, sqs_port: int) -> dict[str, str]:
    """Environment that points the AWS SDKs (Rust and boto3) at the local stand-ins."""
    return {
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": DUMMY_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": DUMMY_SECRET_KEY,
        "AWS_ENDPOINT_URL_DYNAMODB": f"http://{HOST}:{dynamodb_port}",
        "AWS_ENDPOINT_URL_SQS": f"http://{HOST}:{sqs_port}",
        "AWS_EC2_METADATA_DISABLED": "true",
    }


# Variables from the caller's shell that could make a child talk to real AWS or use other credentials.
_AWS_SCRUB = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)


def child_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _AWS_SCRUB and not k.startswith("AWS_ENDPOINT_URL_")}
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


def fmt_duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    return f"{seconds // 60}m{seconds % 60:02d}s"

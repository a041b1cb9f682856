"""The local stack behind scripts/dev: DynamoDB Local + moto (SQS) + `cargo lambda watch` + the queue bridge
+ the WebSocket API stand-in.

Started by scripts/dev after scripts/setup; see README.md for the settings. Steps:
  1. check that the ports are free and infra/template.yaml is readable,
  2. start DynamoDB Local and moto on 127.0.0.1, create the table and queues from infra/template.yaml,
  3. build each function binary (skipped with --no-build),
  4. run every function with `cargo lambda watch` (on an internal port, TRIBUTARY_LAMBDA_PORT), and
     serve the base URL with the HTTP API stand-in (scripts/lib/gateway.py), which routes each path as
     infra/template.yaml does and invokes the function through the Lambda invoke API; next to it the
     WebSocket API stand-in (scripts/lib/ws_gateway.py) on TRIBUTARY_WS_PORT, which invokes the
     `realtime` function for each connection's $connect, $default and $disconnect and serves the
     management API (REALTIME_ENDPOINT); the HTTP stand-in passes upgrades of /api/v2/connect to it,
     and serves the browser demo (examples/realtime-demo, bundled into .local/<instance>-demo/) at
     /demo/ with its dev-only token endpoint,
  5. wait until /health answers and each function answers a request (the SQS-triggered one: an empty
     batch through the Lambda invoke API; `realtime`: a $disconnect of no connection),
  6. start the queue bridge (scripts/lib/queue_bridge.py), which feeds the task queue to the
     SQS-triggered function the way Lambda's event source mapping does,
  7. print how to connect and write the connection settings to .local/<instance>.env,
  8. run until Ctrl-C / SIGTERM, then stop everything it started.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    HOST,
    LOG_DIR,
    ROOT,
    STATE_DIR,
    TEMPLATE,
    VENV_BIN,
    StackError,
    child_env,
    error,
    fmt_duration,
    http_get,
    local_aws_env,
    port_in_use,
    port_setting,
    require_free_ports,
    say,
    setting,
    wait_until,
    warn,
    write_env_file,
)
from procs import Child, Interrupted, Supervisor, ignore_signals, install_signal_handlers  # noqa: E402
import services  # noqa: E402
import resources  # noqa: E402
import queue_bridge  # noqa: E402
import gateway  # noqa: E402
import ws_gateway  # noqa: E402

P = "dev"

# The function behind the WebSocket API (infra/template.yaml's RealtimeFunction): not HTTP-routed, like
# `worker` and `jobs`; built, started and warmed up when it is a member of the workspace.
REALTIME_FUNCTION = "realtime"
# Stream's clients connect their WebSocket to the base URL's host with a literal `:3030` replaced by
# `:8800`, and keep any other port.
DEFAULT_API_PORT = 3030
DEFAULT_WS_PORT = 8800

# The browser demo on Stream's browser client: bundled on start, served by the HTTP stand-in at /demo/.
DEMO_SOURCE = ROOT / "examples" / "realtime-demo"

# Requests that reach each function without credentials; its JSON answer (a 401 error) proves it runs.
WARMUP_PATHS = {"users": "/api/v2/app", "activities": "/api/v2/feeds/activities/warmup"}


def router_functions() -> dict[str, Optional[str]]:
    """Functions named in [workspace.metadata.lambda.watch.router] of Cargo.toml -> one of their routes
    that answers GET (None when every route of the function is limited to other methods)."""
    text = (ROOT / "Cargo.toml").read_text()
    routes: dict[str, Optional[str]] = {}

    def add(path: str, name: str, methods) -> None:
        gets = methods is None or any(str(m).upper() in ("GET", "ANY", "*") for m in methods)
        if gets and routes.get(name) is None:
            routes[name] = path
        else:
            routes.setdefault(name, None)

    try:
        import tomllib

        table = tomllib.loads(text)
        router = table.get("workspace", {}).get("metadata", {}).get("lambda", {}).get("watch", {}).get("router", {})
        for path, target in router.items():
            if isinstance(target, str):
                add(path, target, None)
            elif isinstance(target, dict) and target.get("function"):
                add(path, target["function"], target.get("methods"))
    except ModuleNotFoundError:  # Python < 3.11: read the simple `"path" = "function"` lines
        section = re.search(r"^\[workspace\.metadata\.lambda\.watch\.router\]\s*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
        for path, name in re.findall(r'^\s*"([^"]+)"\s*=\s*"([^"]+)"', section.group(1) if section else "", re.M):
            add(path, name, None)
    if not routes:
        raise StackError("Cargo.toml has no [workspace.metadata.lambda.watch.router] entries")
    return routes


def workspace_has(function: str) -> bool:
    """Whether `functions/<function>` is a member of the workspace (so `cargo build --bin <function>`
    and cargo lambda watch can run it)."""
    if not (ROOT / "functions" / function / "Cargo.toml").is_file():
        return False
    text = (ROOT / "Cargo.toml").read_text()
    try:
        import tomllib

        members = tomllib.loads(text).get("workspace", {}).get("members", [])
    except ModuleNotFoundError:  # Python < 3.11
        section = re.search(r"^members\s*=\s*\[(.*?)\]", text, re.M | re.S)
        members = re.findall(r'"([^"]+)"', section.group(1) if section else "")
    return f"functions/{function}" in [str(m).rstrip("/") for m in members]


def warmup_path(function: str, routed: str) -> str:
    if function in WARMUP_PATHS:
        return WARMUP_PATHS[function]
    # `/a/b/{*rest}` -> `/a/b/warmup`
    return re.sub(r"\{\*?[^}]*\}", "warmup", routed)


def is_function_answer(answer) -> bool:
    """A JSON answer below 500 comes from the function; cargo lambda's own errors are 5xx or route misses."""
    if answer is None or answer.status >= 500 or answer.json() is None:
        return False
    body = answer.json()
    if answer.status == 404 and isinstance(body, dict) and set(body) == {"title", "detail"}:
        return False  # cargo lambda: no such route / function
    return True


class Settings:
    def __init__(self) -> None:
        self.port = port_setting("TRIBUTARY_PORT", 3030)
        # cargo lambda watch (its Lambda invoke API) listens here; the base URL is the gateway's.
        self.lambda_port = port_setting("TRIBUTARY_LAMBDA_PORT", self.port + 1)
        if self.lambda_port == self.port:
            raise StackError("TRIBUTARY_LAMBDA_PORT must differ from TRIBUTARY_PORT")
        # The WebSocket API stand-in: where Stream's clients look for it next to the default port,
        # else a port of its own (clients on another port reach it through the HTTP stand-in).
        ws_default = DEFAULT_WS_PORT if self.port == DEFAULT_API_PORT else self.port + 800
        if ws_default > 65535 and not setting("TRIBUTARY_WS_PORT", ""):
            raise StackError(f"TRIBUTARY_PORT={self.port}: its WebSocket port would be {ws_default}; set TRIBUTARY_WS_PORT")
        self.ws_port = port_setting("TRIBUTARY_WS_PORT", ws_default)
        if self.ws_port in (self.port, self.lambda_port):
            raise StackError("TRIBUTARY_WS_PORT must differ from TRIBUTARY_PORT and TRIBUTARY_LAMBDA_PORT")
        raw_concurrency = setting("TRIBUTARY_FUNCTION_CONCURRENCY", "2")
        try:
            self.concurrency = int(raw_concurrency)
        except ValueError:
            raise StackError(f"TRIBUTARY_FUNCTION_CONCURRENCY={raw_concurrency!r} is not a whole number") from None
        if not 1 <= self.concurrency <= 16:
            raise StackError(f"TRIBUTARY_FUNCTION_CONCURRENCY={self.concurrency} is outside 1-16")
        self.api_key = setting("TRIBUTARY_API_KEY", "tributary-dev-key")
        self.api_secret = setting("TRIBUTARY_API_SECRET", "tributary-dev-secret")
        self.dynamodb_port = port_setting("TRIBUTARY_DYNAMODB_PORT", 8100)
        self.sqs_port = port_setting("TRIBUTARY_SQS_PORT", 8200)
        self.table = setting("TRIBUTARY_TABLE", "tributary")
        self.instance = setting("TRIBUTARY_INSTANCE", "dev")
        # Local-only: how long a failed fan-out message stays invisible before it is retried (the queue's
        # VisibilityTimeout, 180 s, is what AWS waits).
        raw_retry = setting("TRIBUTARY_TASK_RETRY_SECONDS", "2")
        try:
            self.task_retry_seconds = int(raw_retry)
        except ValueError:
            raise StackError(f"TRIBUTARY_TASK_RETRY_SECONDS={raw_retry!r} is not a whole number of seconds") from None
        if not 0 <= self.task_retry_seconds <= 43200:
            raise StackError(f"TRIBUTARY_TASK_RETRY_SECONDS={self.task_retry_seconds} is outside 0-43200")
        raw_interval = setting("TRIBUTARY_JOBS_INTERVAL", "60")
        try:
            self.jobs_interval = float(raw_interval)
        except ValueError:
            raise StackError(f"TRIBUTARY_JOBS_INTERVAL={raw_interval!r} is not a number of seconds") from None
        self.jobs_log = LOG_DIR / f"{self.instance}-jobs.log"
        self.task_log = setting("TRIBUTARY_TASK_LOG", "info").lower()
        if self.task_log not in ("debug", "info", "warning"):
            raise StackError(f"TRIBUTARY_TASK_LOG={self.task_log!r}: use debug, info or warning")
        if not re.fullmatch(r"[A-Za-z0-9_.-]{3,255}", self.table):
            raise StackError(f"TRIBUTARY_TABLE={self.table!r} is not a valid DynamoDB table name")
        if not re.fullmatch(r"[A-Za-z0-9_-]+", self.instance):
            raise StackError(f"TRIBUTARY_INSTANCE={self.instance!r}: use letters, digits, - and _ only")
        self.base_url = f"http://{HOST}:{self.port}"
        self.lambda_url = f"http://{HOST}:{self.lambda_port}"
        # The management API the functions post frames to, and the URL clients connect to.
        self.realtime_endpoint = f"http://{HOST}:{self.ws_port}"
        self.ws_url = f"ws://{HOST}:{self.ws_port}/api/v2/connect"
        self.state_file = STATE_DIR / f"{self.instance}.env"
        self.functions_env_file = STATE_DIR / f"{self.instance}-functions.env"
        self.bridge_ready_file = STATE_DIR / f"{self.instance}-queue-bridge.ready"
        self.gateway_ready_file = STATE_DIR / f"{self.instance}-gateway.ready"
        self.ws_ready_file = STATE_DIR / f"{self.instance}-ws-gateway.ready"
        self.bridge_log = LOG_DIR / f"{self.instance}-queue-bridge.log"
        self.ws_log = LOG_DIR / f"{self.instance}-ws-gateway.log"
        # The demo's built files (index.html and the bundled app.js); never committed.
        self.demo_dir = STATE_DIR / f"{self.instance}-demo"
        self.demo_url = f"{self.base_url}/demo/"

    def ready_timeout(self, built: bool) -> float:
        # Without the up-front build the first requests wait for compilation.
        return float(setting("TRIBUTARY_READY_TIMEOUT", "600" if built else "3600"))

    def gateway_timeout(self, built: bool) -> float:
        # API Gateway gives up after 30 s; locally a request may also wait for a function to compile
        # (its first request without the up-front build, or after a code change).
        return float(setting("TRIBUTARY_GATEWAY_TIMEOUT", "300" if built else "3600"))


def build(sup: Supervisor, functions: list[str], env: dict[str, str]) -> None:
    # Every binary of the workspace, then `cargo build --bin X` per served function: the same command
    # line (so the same feature resolution and artifacts) as `cargo lambda watch` runs for it, so the
    # first request starts the function right away. When features agree, the second part is a no-op.
    commands = [["cargo", "build", "--workspace", "--bins"]] + [["cargo", "build", "--bin", f] for f in functions]
    for argv in commands:
        say(P, "$ " + " ".join(argv))
        child = sup.spawn(" ".join(argv), argv, env=env, cwd=ROOT)
        code = child.popen.wait()
        sup.stop(child)
        if code != 0:
            raise StackError(f"`{' '.join(argv)}` failed (exit {code}); fix the build, or use --no-build")


def wait_for_functions(
    settings: Settings,
    routes: dict[str, Optional[str]],
    sqs_functions: list[str],
    watch: Child,
    others: list[Child],
    timeout: float,
    realtime: Optional[str] = None,
) -> None:
    """/health, then one request per HTTP function, then an empty SQS batch per SQS-triggered function,
    then a $disconnect of no connection to the WebSocket function (cargo lambda watch compiles and
    starts a function on its first invocation)."""
    def alive() -> Optional[str]:
        for child in [watch] + others:
            note = child.death_note()
            if note:
                return note
        return None

    last: dict[str, str] = {}
    deadline = time.monotonic() + timeout

    def request_timeout() -> float:
        # A request can hang when the function crashed; never wait past the overall deadline.
        return min(300.0, max(deadline - time.monotonic(), 1.0))

    def healthy() -> bool:
        answer = http_get(settings.base_url + "/health", timeout=request_timeout())
        if answer is not None:
            last["/health"] = answer.short()
        body = answer.json() if answer is not None else None
        return answer is not None and answer.status == 200 and isinstance(body, dict) and body.get("status") == "ok"

    def check(path: str):
        def ok() -> bool:
            answer = http_get(settings.base_url + path, timeout=request_timeout())
            if answer is not None:
                last[path] = answer.short()
            return is_function_answer(answer)

        return ok

    try:
        wait_until("GET /health", healthy, timeout, alive=alive, interval=0.5)
        say(P, "GET /health -> 200 {\"status\":\"ok\"}")
        for name, routed in routes.items():
            if name not in WARMUP_PATHS and routed is None:
                say(P, f"function {name} has no GET route to warm it up; it starts on its first request")
                continue
            path = warmup_path(name, routed or "")
            remaining = max(deadline - time.monotonic(), 5)
            wait_until(f"function {name} (GET {path})", check(path), remaining, alive=alive, interval=0.5)
            say(P, f"function {name} is up (GET {path} -> {last.get(path, '')[:80]})")
        for name in sqs_functions:
            url = queue_bridge.invoke_url(settings.lambda_url, name)
            what = f"function {name} (invoke with {{\"Records\": []}})"

            def warm(name=name, url=url, what=what) -> bool:
                result = queue_bridge.invoke(url, {"Records": []}, timeout=request_timeout())
                last[what] = result.short()
                problem = queue_bridge.empty_batch_answer(result)
                body = result.json()
                if problem and result.status == 500 and isinstance(body, dict) and "errorType" in body:
                    # The function runs but fails an empty batch: waiting will not help.
                    raise StackError(f"{what}: the function answered with an error: {result.short()}")
                return problem is None

            remaining = max(deadline - time.monotonic(), 5)
            wait_until(what, warm, remaining, alive=alive, interval=0.5)
            say(P, f"function {name} is up (POST {url[len(settings.lambda_url):]} {{\"Records\": []}} -> {last[what][:80]})")
        if realtime is not None:
            warm_realtime(settings, realtime, last, deadline, alive, request_timeout)
    except StackError as exc:
        detail = "".join(f"\n  last answer to {p}: {a}" for p, a in last.items())
        raise StackError(f"{exc}{detail}\n  (the functions' own output is above; raise TRIBUTARY_READY_TIMEOUT to wait longer)") from None


def warm_realtime(settings: Settings, name: str, last: dict[str, str], deadline: float, alive, request_timeout) -> None:
    """Starts the WebSocket function with a `$disconnect` of a connection that does not exist (which
    it must take in its stride: API Gateway delivers $disconnect on a best-effort basis). A function
    error is reported, not fatal: the rest of the stack works without it."""
    url = queue_bridge.invoke_url(settings.lambda_url, name)
    what = f"function {name} (invoke with a $disconnect)"
    peer = ws_gateway.Peer(
        connection_id="warmup" + ws_gateway.new_id(),
        connected_at=ws_gateway.now_ms(),
        source_ip=HOST,
        user_agent="scripts/dev",
        domain_name=f"{HOST}:{settings.ws_port}",
    )
    event = ws_gateway.disconnect_event(peer, 1000, "scripts/dev warm-up")
    failed: list[str] = []

    def warm() -> bool:
        result = queue_bridge.invoke(url, event, timeout=request_timeout())
        last[what] = result.short()
        body = result.json()
        if result.status == 200 and isinstance(body, dict) and isinstance(body.get("statusCode"), int):
            return True
        if result.status == 500 and isinstance(body, dict) and "errorType" in body:
            failed.append(result.short())
            return True  # it runs; waiting will not change its answer
        return False

    wait_until(what, warm, max(deadline - time.monotonic(), 5), alive=alive, interval=0.5)
    if failed:
        say(P, f"function {name} answered its warm-up with an error (WebSocket handshakes may fail): {failed[0][:200]}")
    else:
        say(P, f"function {name} is up (invoke with a $disconnect -> {last[what][:80]})")


def start_ws_gateway(sup: Supervisor, settings: Settings, timeout: float, others: list[Child]) -> Child:
    """Starts the WebSocket API stand-in and waits until it listens."""
    settings.ws_ready_file.unlink(missing_ok=True)
    argv = [
        sys.executable, str(Path(ws_gateway.__file__).resolve()),
        "--port", str(settings.ws_port),
        "--lambda-url", settings.lambda_url,
        "--function", REALTIME_FUNCTION,
        "--timeout", f"{timeout:g}",
        "--ready-file", str(settings.ws_ready_file),
    ]
    front = sup.spawn("WebSocket gateway", argv, env=child_env({"PYTHONUNBUFFERED": "1"}), cwd=ROOT, log=settings.ws_log)

    def alive() -> Optional[str]:
        for child in [front] + others:
            note = child.death_note()
            if note:
                return note
        return None

    wait_until("WebSocket gateway", settings.ws_ready_file.is_file, 30, alive=alive, interval=0.1)
    return front


def start_bridge(
    sup: Supervisor,
    settings: Settings,
    mapping: "queue_bridge.Mapping",
    queue_url: str,
    sqs_endpoint: str,
    others: list[Child],
) -> Child:
    """Starts the queue bridge and waits until it polls the queue."""
    settings.bridge_ready_file.unlink(missing_ok=True)
    argv = [
        sys.executable, str(Path(queue_bridge.__file__).resolve()),
        "--queue-url", queue_url,
        "--sqs-endpoint", sqs_endpoint,
        "--invoke-url", settings.lambda_url,
        "--function", mapping.function_id,
        "--retry-seconds", str(settings.task_retry_seconds),
        "--ready-file", str(settings.bridge_ready_file),
        "--log-level", settings.task_log,
    ]
    env = child_env({**local_aws_env(settings.dynamodb_port, settings.sqs_port), "PYTHONUNBUFFERED": "1"})
    bridge = sup.spawn("queue bridge", argv, env=env, cwd=ROOT, log=settings.bridge_log)

    def alive() -> Optional[str]:
        for child in [bridge] + others:
            note = child.death_note()
            if note:
                return note
        return None

    wait_until("queue bridge", settings.bridge_ready_file.is_file, 30, alive=alive, interval=0.1)
    say(P, f"queue bridge polls {queue_url} -> {mapping.binary} ({mapping.describe()}; log: {settings.bridge_log.relative_to(ROOT)})")
    return bridge


def build_demo(settings: Settings) -> bool:
    """Bundles the browser demo into settings.demo_dir with esbuild (examples/realtime-demo/build.mjs).
    A failure is reported, not fatal: the API works without the demo."""
    script = DEMO_SOURCE / "build.mjs"
    if not script.is_file():
        return False
    try:
        done = subprocess.run(
            ["node", str(script), str(settings.demo_dir)], cwd=ROOT, capture_output=True, text=True, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        warn(P, f"could not build the demo ({exc}); /demo/ is not served")
        return False
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip()[-2000:]
        warn(P, f"could not build the demo (exit {done.returncode}); /demo/ is not served\n{detail}")
        return False
    say(P, f"demo bundled into {settings.demo_dir.relative_to(ROOT)}/ (served at {settings.demo_url})")
    return True


def start_gateway(
    sup: Supervisor, settings: Settings, timeout: float, others: list[Child], demo: bool = False
) -> Child:
    """Starts the HTTP API stand-in on the base URL (once cargo lambda watch listens) and waits until it
    listens. With `demo`, it also serves the built demo and mints user tokens for it."""
    def watch_alive() -> Optional[str]:
        for child in others:
            note = child.death_note()
            if note:
                return note
        return None

    wait_until(f"cargo lambda watch on {HOST}:{settings.lambda_port}", lambda: port_in_use(settings.lambda_port),
               120, alive=watch_alive, interval=0.2)
    settings.gateway_ready_file.unlink(missing_ok=True)
    argv = [
        sys.executable, str(Path(gateway.__file__).resolve()),
        "--port", str(settings.port),
        "--lambda-url", settings.lambda_url,
        "--timeout", f"{timeout:g}",
        "--cargo-toml", str(ROOT / "Cargo.toml"),
        "--template", str(TEMPLATE),
        "--ready-file", str(settings.gateway_ready_file),
        # Clients whose base URL port is not 3030 open their WebSocket on this port.
        "--ws-port", str(settings.ws_port),
    ]
    env = {"PYTHONUNBUFFERED": "1"}
    if demo:
        argv += ["--demo-dir", str(settings.demo_dir)]
        # The demo's token endpoint signs user tokens with the stack's secret (dev only).
        env.update({"TRIBUTARY_API_KEY": settings.api_key, "TRIBUTARY_API_SECRET": settings.api_secret})
    front = sup.spawn("gateway", argv, env=child_env(env), cwd=ROOT)

    def alive() -> Optional[str]:
        for child in [front] + others:
            note = child.death_note()
            if note:
                return note
        return None

    wait_until("gateway", settings.gateway_ready_file.is_file, 30, alive=alive, interval=0.1)
    return front


def banner(
    settings: Settings, queue_url: str, dlq_url: str, mapping: "queue_bridge.Mapping", realtime: bool, demo: bool
) -> str:
    snippet = (
        "from getstream import Stream\n"
        f'client = Stream(api_key="{settings.api_key}", api_secret="{settings.api_secret}", '
        f'base_url="{settings.base_url}")\n'
        'client.feeds.add_activity(type="post", feeds=["user:alice"], text="Hello", user_id="alice")'
    )
    v2_url = settings.base_url.replace("127.0.0.1", "localhost")
    v2_snippet = (
        "import stream\n"
        f'client = stream.connect("{settings.api_key}", "{settings.api_secret}", base_url="{v2_url}")\n'
        'client.feed("user", "alice").add_activity({"actor": "alice", "verb": "post", "object": "1"})'
    )
    width = 78
    lines = [
        "=" * width,
        "  Tributary is running (local stack, dev-only credentials)",
        "",
        f"  Base URL     {settings.base_url}",
        f"  API key      {settings.api_key}",
        f"  API secret   {settings.api_secret}",
        f"  Realtime     {settings.ws_url}",
        f"               (also ws://{HOST}:{settings.port}/api/v2/connect; management API {settings.realtime_endpoint};",
        f"               log: {settings.ws_log.relative_to(ROOT)}"
        + (")" if realtime else f"; the {REALTIME_FUNCTION} function is not in the workspace yet)"),
        *(
            [
                f"  Demo         {settings.demo_url}",
                f"               (Stream's browser client; open it twice: {settings.demo_url}?user=alice and ?user=bob)",
            ]
            if demo
            else ["  Demo         not served (its build failed; see above)"]
        ),
        "",
        f"  DynamoDB     http://{HOST}:{settings.dynamodb_port}   table {settings.table}",
        f"  SQS          http://{HOST}:{settings.sqs_port}   {queue_url}",
        f"               dead letters: {dlq_url}",
        f"  Fan-out      {mapping.binary} fed by the bridge (batch {mapping.batch_size}, window {mapping.batching_window}s, "
        f"retry after {min(settings.task_retry_seconds, mapping.visibility_timeout)}s)",
        f"               log: {settings.bridge_log.relative_to(ROOT)}",
        f"  Settings     {settings.state_file.relative_to(ROOT)}",
        "",
        "  Python (official SDK, pip install getstream):",
        *("    " + line for line in snippet.splitlines()),
        "",
        "  The v2 API (pip install stream-python; use localhost, not 127.0.0.1):",
        *("    " + line for line in v2_snippet.splitlines()),
        "",
        "  Ctrl-C stops everything.",
        "=" * width,
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    settings = Settings()
    routes = router_functions()
    require_free_ports(
        {
            "TRIBUTARY_PORT": settings.port,
            "TRIBUTARY_LAMBDA_PORT": settings.lambda_port,
            "TRIBUTARY_WS_PORT": settings.ws_port,
            "TRIBUTARY_DYNAMODB_PORT": settings.dynamodb_port,
            "TRIBUTARY_SQS_PORT": settings.sqs_port,
        }
    )
    template = resources.load_template(TEMPLATE)  # fail early on a missing or broken template
    # The SQS-triggered function and its event source mapping settings, from the template.
    mapping = queue_bridge.find_mapping(template)
    queue_env = resources.QUEUE_ENV.get(mapping.queue_id)
    if queue_env is None:
        raise StackError(f"template: {mapping.function_id} is triggered by {mapping.queue_id}, which the local stack does not create")
    if not (VENV_BIN / "cargo-lambda").exists():
        raise StackError(f"{VENV_BIN / 'cargo-lambda'} not found (run scripts/setup)")
    try:
        import aiohttp  # noqa: F401 - the WebSocket stand-in runs on it
    except ModuleNotFoundError:
        raise StackError(f"aiohttp is missing from {sys.executable} (run scripts/setup; scripts/dev uses .venv)") from None
    realtime = workspace_has(REALTIME_FUNCTION)
    # Functions cargo lambda watch serves besides the HTTP-routed ones (which are not routed).
    unrouted = [mapping.binary, "jobs"] + ([REALTIME_FUNCTION] if realtime else [])

    sup = Supervisor()
    wrote_state = False
    try:
        say(P, f"starting DynamoDB Local on {HOST}:{settings.dynamodb_port} and moto (SQS) on {HOST}:{settings.sqs_port}")
        log_prefix = LOG_DIR / settings.instance
        ddb = services.start_dynamodb(sup, settings.dynamodb_port, Path(f"{log_prefix}-dynamodb.log"))
        sqs = services.start_sqs(sup, settings.sqs_port, Path(f"{log_prefix}-sqs.log"))
        services.wait_ready(sqs, settings.sqs_port)
        services.wait_ready(ddb, settings.dynamodb_port)
        say(P, f"stand-ins up after {fmt_duration(time.monotonic() - started)} (logs: {LOG_DIR.relative_to(ROOT)}/)")

        aws = local_aws_env(settings.dynamodb_port, settings.sqs_port)
        queues = resources.provision(
            settings.table,
            aws["AWS_ENDPOINT_URL_DYNAMODB"],
            aws["AWS_ENDPOINT_URL_SQS"],
            log=lambda line: say(P, line),
        )
        function_env = {
            **aws,
            "TABLE_NAME": settings.table,
            "API_KEY": settings.api_key,
            "API_SECRET": settings.api_secret,
            **queues,
            "RUST_LOG": os.environ.get("RUST_LOG") or "info",
            "HIDE_ACTIVITIES_AFTER": os.environ.get("HIDE_ACTIVITIES_AFTER", ""),
            # Empty: Stream's 60 a minute per user, endpoint and platform; 0 turns the limit off.
            "USER_RATE_LIMIT": os.environ.get("USER_RATE_LIMIT", ""),
            # Empty: a write delivers to its first 50 followers before answering, the rest queued.
            "INLINE_FANOUT": os.environ.get("INLINE_FANOUT", ""),
            # Empty: feeds with 10,000 followers or more are pulled by their flat followers; 0: off.
            "PULL_FOLLOWER_THRESHOLD": os.environ.get("PULL_FOLLOWER_THRESHOLD", ""),
            # Usage counts (query_feeds_usage_stats) written after every request here, so the
            # figures are exact at once; deployed, each instance writes them every 10 s.
            "USAGE_FLUSH_SECONDS": os.environ.get("USAGE_FLUSH_SECONDS", "0"),
            # App settings (update_app) read on every request that needs them, so a change applies
            # at once; deployed, each instance keeps them 10 s.
            "APP_SETTINGS_TTL_SECONDS": os.environ.get("APP_SETTINGS_TTL_SECONDS", "0"),
            # The WebSocket API's management API (POST/GET/DELETE @connections/{id}).
            "REALTIME_ENDPOINT": settings.realtime_endpoint,
        }
        env = child_env(function_env)
        # RUST_LOG goes to the functions through --env-file only: in cargo lambda's own environment it
        # would turn on its internal logging (which prints every function's environment, secret included).
        watch_env = {k: v for k, v in env.items() if k != "RUST_LOG"}

        if args.no_build:
            say(P, "--no-build: each function compiles on its first request")
        else:
            build_started = time.monotonic()
            build(sup, list(routes) + unrouted, env)
            say(P, f"build done in {fmt_duration(time.monotonic() - build_started)}")

        # Functions inherit the environment of `cargo lambda watch`; the same variables also go in through
        # --env-file so that they reach the functions whatever cargo lambda does with its own environment.
        write_env_file(settings.functions_env_file, function_env)
        watch_cmd = [
            "cargo", "lambda", "watch",
            "--invoke-address", HOST,
            "--invoke-port", str(settings.lambda_port),
            "--env-file", str(settings.functions_env_file),
            # Instances per function, started when requests queue up (Lambda runs as many as it needs).
            "--concurrency", str(settings.concurrency),
        ]
        if args.no_reload:
            watch_cmd.append("--ignore-changes")
        say(P, f"serving the functions ({', '.join(list(routes) + unrouted)}) with: {' '.join(watch_cmd)}")
        watch = sup.spawn("cargo lambda watch", watch_cmd, env=watch_env, cwd=ROOT)
        demo = build_demo(settings)
        front = start_gateway(sup, settings, settings.gateway_timeout(built=not args.no_build), [watch, ddb, sqs], demo)
        ws_front = start_ws_gateway(sup, settings, settings.gateway_timeout(built=not args.no_build), [watch, front, ddb, sqs])
        say(P, f"WebSocket API stand-in on {settings.ws_url} (and through :{settings.port}) -> function {REALTIME_FUNCTION}"
               + ("" if realtime else " (not in the workspace yet: handshakes are refused with 500)"))
        wait_for_functions(
            settings, routes, [mapping.binary], watch, [front, ws_front, ddb, sqs], settings.ready_timeout(built=not args.no_build),
            realtime=REALTIME_FUNCTION if realtime else None,
        )
        sup.poll_descendants()

        bridge = start_bridge(sup, settings, mapping, queues[queue_env], aws["AWS_ENDPOINT_URL_SQS"], [watch, front, ws_front, ddb, sqs])
        if settings.jobs_interval > 0:
            # EventBridge's schedules, locally: every job on a short interval.
            sup.spawn(
                "job scheduler",
                [sys.executable, str(Path(__file__).resolve().parent / "jobs.py"), "schedule",
                 "--invoke-url", settings.lambda_url, "--interval", str(settings.jobs_interval)],
                env=child_env({"PYTHONUNBUFFERED": "1"}),
                cwd=ROOT,
                log=settings.jobs_log,
            )
            say(P, f"jobs (expiry, hiding) run every {settings.jobs_interval:g}s (log: {settings.jobs_log.relative_to(ROOT)}); "
                   "scripts/job <name> runs one now")

        write_env_file(
            settings.state_file,
            {
                "BASE_URL": settings.base_url,
                "LAMBDA_URL": settings.lambda_url,
                "API_KEY": settings.api_key,
                "API_SECRET": settings.api_secret,
                "TABLE_NAME": settings.table,
                "TASK_QUEUE_URL": queues["TASK_QUEUE_URL"],
                "TASK_DLQ_URL": queues["TASK_DLQ_URL"],
                "AWS_ENDPOINT_URL_DYNAMODB": aws["AWS_ENDPOINT_URL_DYNAMODB"],
                "AWS_ENDPOINT_URL_SQS": aws["AWS_ENDPOINT_URL_SQS"],
                "WS_URL": settings.ws_url,
                "REALTIME_ENDPOINT": settings.realtime_endpoint,
                "DEMO_URL": settings.demo_url if demo else "",
                "DEV_PID": str(os.getpid()),
                # What tests/conformance reads (`set -a; . .local/dev.env; set +a` before pytest).
                "TRIBUTARY_BASE_URL": settings.base_url,
                "TRIBUTARY_API_KEY": settings.api_key,
                "TRIBUTARY_API_SECRET": settings.api_secret,
                "TRIBUTARY_SQS_ENDPOINT": aws["AWS_ENDPOINT_URL_SQS"],
                "TRIBUTARY_TASK_QUEUE_URL": queues["TASK_QUEUE_URL"],
                "TRIBUTARY_TASK_DLQ_URL": queues["TASK_DLQ_URL"],
                "TRIBUTARY_REALTIME_ENDPOINT": settings.realtime_endpoint,
            },
        )
        wrote_state = True
        print(banner(settings, queues["TASK_QUEUE_URL"], queues["TASK_DLQ_URL"], mapping, realtime, demo), flush=True)
        say(P, f"ready in {fmt_duration(time.monotonic() - started)}")

        tick = 0
        while True:
            for child in (watch, front, ws_front, bridge, ddb, sqs):
                note = child.death_note()
                if note:
                    raise StackError(f"{note}; stopping the stack")
            tick += 1
            if tick % 10 == 0:
                sup.poll_descendants()  # remember function processes so they can be ended for sure
            time.sleep(0.5)
    except Interrupted as exc:
        say(P, f"{exc} received")
        return 0
    finally:
        ignore_signals()
        if wrote_state:
            settings.state_file.unlink(missing_ok=True)
        settings.functions_env_file.unlink(missing_ok=True)
        settings.bridge_ready_file.unlink(missing_ok=True)
        settings.gateway_ready_file.unlink(missing_ok=True)
        settings.ws_ready_file.unlink(missing_ok=True)
        say(P, "stopping (queue bridge, gateways, cargo lambda watch, functions, moto, DynamoDB Local)")
        sup.stop_all()
        say(P, "stopped")


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/dev", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--no-build", action="store_true", help="skip the up-front build; functions compile on first request")
    parser.add_argument("--no-reload", action="store_true", help="do not restart functions when their code changes")
    args = parser.parse_args()
    install_signal_handlers()
    try:
        return run(args)
    except Interrupted as exc:
        say(P, f"{exc} received")
        return 0 if exc.signum in (2, 15) else 1
    except StackError as exc:
        error(P, str(exc))
        return 1


if __name__ == "__main__":
    sys.exit(main())

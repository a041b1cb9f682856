"""`scripts/bench functions`: how lean the deployed functions are.

1. Size, on the deployed build: `cargo lambda build --release --arm64` (provided.al2023 arm64, the
   template's Architectures), each function's `target/lambda/<name>/bootstrap` beside the 8 MB budget.
2. Start-up and memory, on the same release build for this machine (x86_64: arm64 binaries do not run
   here): each function's bootstrap is started cold under a Lambda runtime API stand-in (this module)
   that hands it one typical event, and timed from process start to its first `next` call (init) and
   to its first answer; its peak resident memory (VmHWM) is read once it has answered. Each function
   is measured ROUNDS times, each a new process; the figures are the medians.

The typical events, in this order (later ones use what earlier ones made; each round uses new users):
  users          POST /api/v2/users (two users)
  follows        POST /api/v2/feeds/follows (timeline:b follows user:a)
  activities     POST /api/v2/feeds/activities (a post by a in user:a, delivered to b's timeline)
  feeds          POST /api/v2/feeds/feed_groups/timeline/feeds/b (get-or-create and a page of 25)
  reactions      POST /api/v2/feeds/activities/{id}/reactions (a like)
  comments       POST /api/v2/feeds/comments (a comment on the post)
  worker         an SQS batch of the fan-out task a post queues (made by an unmeasured add with
                 INLINE_FANOUT=0)
  jobs           the scheduled {"job": "expiry"}
  realtime       a WebSocket sign-in ($default with a user token; its frame goes to the management
                 API, which this module also answers)
  v2_users       POST /api/v1.0/user/
  v2_feeds       GET /api/v1.0/feed/timeline/b/?limit=25
  v2_activities  GET /api/v1.0/activities/?ids={id}
  v2_reactions   POST /api/v1.0/reaction/ (a like)

HTTP events are API Gateway v2 events built by the HTTP API stand-in (gateway.py) for the route
Cargo.toml gives the path, so the route must lead to the function measured.

The builds go to a target dir of their own (target/functions); the
bootstraps to target/lambda/<name>/ and target/lambda-x86_64/<name>/. Settings (environment):
TRIBUTARY_BENCH_RUNTIME_PORT (18530), the runtime API stand-in's port; TRIBUTARY_BENCH_FUNCTIONS_BUILD=0
measures the bootstraps already built instead of building first.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    HOST,
    LOG_DIR,
    ROOT,
    VENV_BIN,
    StackError,
    error,
    port_setting,
    require_free_ports,
    say,
    setting,
)
from procs import Interrupted, Supervisor, ignore_signals, install_signal_handlers  # noqa: E402
import gateway  # noqa: E402
import loadgen  # noqa: E402
import queue_bridge  # noqa: E402
import ws_gateway  # noqa: E402

P = "bench"
ARM64 = "aarch64-unknown-linux-gnu"
# In the order they are measured (see the module's description).
FUNCTIONS = (
    "users", "follows", "activities", "feeds", "reactions", "comments", "worker", "jobs", "realtime",
    "v2_users", "v2_feeds", "v2_activities", "v2_reactions",
)
BUDGET_BYTES = 8_000_000  # 8 MB (decimal: the stricter reading)
ROUNDS = 5
# The release builds (one after the other) get a target directory of their own, so they neither wait
# for nor disturb the benchmarks' and tests' builds in target/.
TARGET_DIR = ROOT / "target" / "functions"
ARM64_LAMBDA_DIR = ROOT / "target" / "lambda"
HOST_LAMBDA_DIR = ROOT / "target" / "lambda-x86_64"
API_KEY = "tributary-bench-key"
API_SECRET = "tributary-bench-secret"
ANSWER_TIMEOUT = 60.0
RUNTIME_PREFIX = "/2018-06-01/runtime"


# ---- building ---------------------------------------------------------------------------------------

def ensure_target(sup: Supervisor, env: dict[str, str]) -> None:
    """`rustup target add aarch64-unknown-linux-gnu` when it is not installed."""
    try:
        installed = subprocess.run(
            ["rustup", "target", "list", "--installed"], capture_output=True, text=True, check=True, env=env
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError) as exc:
        raise StackError(f"rustup is needed to add the {ARM64} target: {exc}") from None
    if ARM64 in installed:
        return
    run(sup, ["rustup", "target", "add", ARM64], env)


def run(sup: Supervisor, argv: list[str], env: dict[str, str]) -> None:
    say(P, "$ " + " ".join(argv))
    child = sup.spawn(argv[0], argv, env=env, cwd=ROOT)
    code = child.popen.wait()
    sup.stop(child)
    if code != 0:
        raise StackError(f"`{' '.join(argv)}` failed (exit {code})")


def build_argv(arch_flag: str, lambda_dir: Path) -> list[str]:
    argv = ["nice", "-n", "10", str(VENV_BIN / "cargo-lambda"), "lambda", "build", "--release", arch_flag,
            "--lambda-dir", str(lambda_dir)]
    for name in FUNCTIONS:
        argv += ["--bin", name]
    return argv


def build(sup: Supervisor, env: dict[str, str]) -> None:
    if not (VENV_BIN / "cargo-lambda").exists():
        raise StackError(f"{VENV_BIN / 'cargo-lambda'} not found (run scripts/setup)")
    ensure_target(sup, env)
    started = time.monotonic()
    build_env = {**env, "CARGO_TARGET_DIR": str(TARGET_DIR)}
    run(sup, build_argv("--arm64", ARM64_LAMBDA_DIR), build_env)
    run(sup, build_argv("--x86-64", HOST_LAMBDA_DIR), build_env)
    say(P, f"release builds done in {time.monotonic() - started:.0f}s")


def bootstrap(lambda_dir: Path, name: str) -> Path:
    return lambda_dir / name / "bootstrap"


# ---- the Lambda runtime API, for one invocation at a time --------------------------------------------

@dataclass
class Invocation:
    event: dict
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    handed_at: Optional[float] = None  # the first `next` (init done)
    answered_at: Optional[float] = None
    answer: Optional[bytes] = None
    error: Optional[str] = None
    done: threading.Event = field(default_factory=threading.Event)


class RuntimeApi:
    """Serves /2018-06-01/runtime/ (next, response, error, init error) to one function process, and
    answers the WebSocket management API (POST/GET/DELETE /@connections/{id}) with 200. Each process
    gets a server of its own, so that a stopped process's last `next` cannot take the next one's event."""

    def __init__(self, port: int):
        self.port = port
        self.lock = threading.Lock()
        self.current: Optional[Invocation] = None
        self.closed = threading.Event()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args) -> None:
                pass

            def _reply(self, status: int, body: bytes = b"{}", headers: Optional[dict[str, str]] = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def _body(self) -> bytes:
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def do_GET(self) -> None:  # noqa: N802
                if self.path == f"{RUNTIME_PREFIX}/invocation/next":
                    api.next(self)
                elif "/@connections/" in self.path:
                    self._reply(200, b'{"ConnectedAt": "2024-01-01T00:00:00Z"}')
                else:
                    self._reply(404)

            def do_POST(self) -> None:  # noqa: N802
                body = self._body()
                if "/@connections/" in self.path:
                    self._reply(200, b"")
                    return
                finished = api.post(self.path, body)
                self._reply(202, b'{"status": "OK"}')
                if finished is not None:
                    # Only now may the process be stopped: its answer has been taken.
                    finished.done.set()

            def do_DELETE(self) -> None:  # noqa: N802
                self._reply(204 if "/@connections/" in self.path else 404, b"")

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address) -> None:
                # A stopped function's pending `next` connection: nothing to report.
                if not isinstance(sys.exc_info()[1], (ConnectionError, BrokenPipeError)):
                    super().handle_error(request, client_address)

        self.server = Server((HOST, port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, name="runtime-api", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.closed.set()
        self.server.shutdown()
        self.server.server_close()

    def expect(self, invocation: Invocation) -> None:
        with self.lock:
            self.current = invocation

    def next(self, handler) -> None:
        with self.lock:
            invocation = self.current
            fresh = invocation is not None and invocation.handed_at is None
            if fresh:
                invocation.handed_at = time.monotonic()
        if not fresh:
            # The function waits for its next event, which never comes: it is stopped meanwhile.
            while not self.closed.wait(0.5):
                with self.lock:
                    if self.current is not invocation:
                        break
            handler.close_connection = True
            return
        deadline_ms = int((time.time() + 30) * 1000)
        handler._reply(
            200,
            json.dumps(invocation.event).encode(),
            {
                "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
                "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:us-east-1:000000000000:function:bench",
                "Lambda-Runtime-Trace-Id": "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0",
            },
        )

    def post(self, path: str, body: bytes) -> Optional[Invocation]:
        """Takes an answer (or error) to the current invocation; answers the invocation it finished."""
        now = time.monotonic()
        with self.lock:
            invocation = self.current
        if invocation is None:
            return None
        if path == f"{RUNTIME_PREFIX}/invocation/{invocation.request_id}/response":
            invocation.answer = body
        elif path.endswith("/error"):  # the invocation's error or an init error
            invocation.error = body.decode("utf-8", "replace")[:500]
        else:
            return None
        invocation.answered_at = now
        return invocation


# ---- one measured start ------------------------------------------------------------------------------

@dataclass
class Sample:
    init_ms: float
    answer_ms: float
    peak_kib: int


def vm_hwm_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise StackError(f"no VmHWM for process {pid}")


def invoke_cold(port: int, binary: Path, name: str, event: dict, env: dict[str, str], log) -> tuple[Sample, Any]:
    """Starts `binary` as a new process under a runtime API on `port`, hands it `event`, and measures
    it; answers the sample and the function's answer (parsed JSON)."""
    invocation = Invocation(event)
    api = RuntimeApi(port)
    api.expect(invocation)
    api.start()
    function_env = {
        **env,
        "AWS_LAMBDA_RUNTIME_API": f"{HOST}:{api.port}",
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
        "_HANDLER": "bootstrap",
    }
    try:
        started = time.monotonic()
        process = subprocess.Popen([str(binary)], env=function_env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    except OSError:
        api.stop()
        raise
    try:
        while not invocation.done.wait(0.05):
            if process.poll() is not None:
                raise StackError(f"{name} exited with status {process.returncode} before answering (log: {log.name})")
            if time.monotonic() - started > ANSWER_TIMEOUT:
                raise StackError(f"{name} did not answer within {ANSWER_TIMEOUT:.0f}s (log: {log.name})")
        peak = vm_hwm_kib(process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        api.stop()
    if invocation.error is not None:
        raise StackError(f"{name} answered with an error: {invocation.error}")
    assert invocation.handed_at is not None and invocation.answered_at is not None
    sample = Sample(
        init_ms=(invocation.handed_at - started) * 1000,
        answer_ms=(invocation.answered_at - started) * 1000,
        peak_kib=peak,
    )
    try:
        answer = json.loads(invocation.answer or b"null")
    except ValueError:
        answer = None
    return sample, answer


# ---- the typical events ------------------------------------------------------------------------------

class Events:
    """Builds each function's event for one round, checking that the HTTP routes lead to it."""

    def __init__(self, round_id: str):
        self.routes = gateway.load_routes(ROOT / "Cargo.toml")
        self.a = f"bench-{round_id}-a"
        self.b = f"bench-{round_id}-b"
        self.token = loadgen.server_token(API_SECRET)
        self.v2_token = v2_server_token()
        self.activity_id: Optional[str] = None
        self.task_records: list[dict] = []

    def http(self, function: str, method: str, path: str, body: Any = None, v2: bool = False) -> dict:
        sep = "&" if "?" in path else "?"
        target = f"{path}{sep}api_key={urllib.parse.quote(API_KEY)}"
        headers = {"host": f"{HOST}:3030", "user-agent": "scripts/bench", "authorization": self.v2_token if v2 else self.token}
        if not v2:
            headers["stream-auth-type"] = "jwt"
        raw = b""
        if body is not None:
            raw = json.dumps(body).encode()
            headers["content-type"] = "application/json"
        route_path = urllib.parse.urlsplit(target).path
        for route in self.routes:
            params = route.match(method, route_path)
            if params is not None:
                break
        else:
            raise StackError(f"no route takes {method} {route_path}")
        if route.function != function:
            raise StackError(f"{method} {route_path} is routed to {route.function}, not {function}")
        request = SimpleNamespace(
            path=target, headers=headers, command=method, request_version="HTTP/1.1", client_address=(HOST, 0)
        )
        return gateway.build_event(request, route, params, raw, str(uuid.uuid4()))

    def event(self, function: str) -> dict:
        a, b = self.a, self.b
        if function == "users":
            return self.http(function, "POST", "/api/v2/users", {"users": {u: {"id": u, "name": u} for u in (a, b)}})
        if function == "follows":
            return self.http(function, "POST", "/api/v2/feeds/follows", {"source": f"timeline:{b}", "target": f"user:{a}"})
        if function == "activities":
            return self.http(function, "POST", "/api/v2/feeds/activities", self.post_body())
        if function == "feeds":
            return self.http(function, "POST", f"/api/v2/feeds/feed_groups/timeline/feeds/{b}", {"user_id": b, "limit": 25})
        if function == "reactions":
            body = {"type": "like", "user_id": b, "enforce_unique": True}
            return self.http(function, "POST", f"/api/v2/feeds/activities/{self.need_activity()}/reactions", body)
        if function == "comments":
            body = {"object_id": self.need_activity(), "object_type": "activity", "comment": "nice", "user_id": b}
            return self.http(function, "POST", "/api/v2/feeds/comments", body)
        if function == "worker":
            if not self.task_records:
                raise StackError("no fan-out task was queued for the worker")
            return {"Records": self.task_records[:1]}
        if function == "jobs":
            return {"job": "expiry"}
        if function == "realtime":
            peer = ws_gateway.Peer(
                connection_id="bench" + ws_gateway.new_id(),
                connected_at=ws_gateway.now_ms(),
                source_ip=HOST,
                user_agent="scripts/bench",
                domain_name=f"{HOST}:8800",
            )
            sign_in = {"token": gateway.user_token(b, API_SECRET), "user_details": {"id": b}}
            return ws_gateway.message_event(peer, json.dumps(sign_in))
        if function == "v2_users":
            return self.http(function, "POST", "/api/v1.0/user/", {"id": f"{a}-v2", "data": {"name": a}}, v2=True)
        if function == "v2_feeds":
            return self.http(function, "GET", f"/api/v1.0/feed/timeline/{b}/?limit=25", v2=True)
        if function == "v2_activities":
            return self.http(function, "GET", f"/api/v1.0/activities/?ids={self.need_activity()}", v2=True)
        if function == "v2_reactions":
            body = {"kind": "like", "activity_id": self.need_activity(), "user_id": a}
            return self.http(function, "POST", "/api/v1.0/reaction/", body, v2=True)
        raise StackError(f"no typical event for {function}")

    def post_body(self) -> dict:
        return {"type": "post", "feeds": [f"user:{self.a}"], "text": "a typical post", "user_id": self.a}

    def need_activity(self) -> str:
        if self.activity_id is None:
            raise StackError("no activity was added")
        return self.activity_id


def v2_server_token() -> str:
    """The v2 server clients' token: all resources, actions and feeds."""
    import base64
    import hashlib
    import hmac

    def b64(raw: bytes) -> bytes:
        return base64.urlsafe_b64encode(raw).rstrip(b"=")

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps({"resource": "*", "action": "*", "feed_id": "*"}).encode())
    sig = b64(hmac.new(API_SECRET.encode(), head + b"." + body, hashlib.sha256).digest())
    return (head + b"." + body + b"." + sig).decode()


def check_answer(function: str, answer: Any) -> None:
    """The answer of a typical event is a success: 2xx for HTTP and WebSocket events, no failed
    messages for the worker, a report for a job."""
    if function == "worker":
        ok = isinstance(answer, dict) and not answer.get("batchItemFailures")
    elif function == "jobs":
        ok = isinstance(answer, dict) and "done" in answer
    else:
        ok = isinstance(answer, dict) and isinstance(answer.get("statusCode"), int) and 200 <= answer["statusCode"] < 300
    if not ok:
        raise StackError(f"{function} did not succeed: {json.dumps(answer)[:400]}")


def answer_body(answer: dict) -> Any:
    body = answer.get("body") or ""
    if answer.get("isBase64Encoded"):
        import base64

        body = base64.b64decode(body).decode("utf-8", "replace")
    return json.loads(body)


# ---- the benchmark -----------------------------------------------------------------------------------

def measure(env: dict[str, str], port: int, sqs_endpoint: str, queue_url: str, log_path: Path,
            on_sample: Callable[[str, int, Sample], None] = lambda *_: None) -> dict[str, list[Sample]]:
    """ROUNDS cold starts of each function (host build) against the stand-ins in `env`."""
    sqs = queue_bridge.sqs_client(sqs_endpoint)
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    base = {
        **env,
        "API_KEY": API_KEY,
        "API_SECRET": API_SECRET,
        "REALTIME_ENDPOINT": f"http://{HOST}:{port}",
        "RUST_LOG": "warn",
    }
    samples: dict[str, list[Sample]] = {name: [] for name in FUNCTIONS}
    with open(log_path, "ab") as log:
        for round_no in range(ROUNDS):
            events = Events(f"{int(time.time()):x}{round_no}")
            for name in FUNCTIONS:
                if name == "worker":
                    # The fan-out task a post to a followed feed queues when it delivers nothing inline.
                    post = events.http("activities", "POST", "/api/v2/feeds/activities", events.post_body())
                    _, answer = invoke_cold(port, bootstrap(HOST_LAMBDA_DIR, "activities"), "activities", post,
                                            {**base, "INLINE_FANOUT": "0"}, log)
                    check_answer("activities", answer)
                    messages = sqs.receive_message(
                        QueueUrl=queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=5,
                        AttributeNames=["All"], MessageAttributeNames=["All"],
                    ).get("Messages", [])
                    region = base.get("AWS_REGION", "us-east-1")
                    events.task_records = [queue_bridge.sqs_record(m, queue_arn, region) for m in messages]
                sample, answer = invoke_cold(port, bootstrap(HOST_LAMBDA_DIR, name), name, events.event(name), base, log)
                check_answer(name, answer)
                if name == "activities":
                    events.activity_id = answer_body(answer)["activity"]["id"]
                samples[name].append(sample)
                on_sample(name, round_no, sample)
    return samples


def report(sizes: dict[str, int], host_sizes: dict[str, int], samples: dict[str, list[Sample]]) -> tuple[str, bool]:
    """The table, and whether every bootstrap is within the budget."""
    lines = [
        f"  size: `cargo lambda build --release --arm64` (provided.al2023 arm64), budget {BUDGET_BYTES / 1e6:g} MB per bootstrap;",
        f"  init / first answer / peak RSS: the same release build for this machine (x86_64), a new process",
        f"  per start under a Lambda runtime API stand-in, median of {ROUNDS} starts; 1 MB = 10^6 bytes, 1 MiB = 2^20",
        "",
        f"  {'function':<14} {'arm64 MB':>9} {'budget':>7} {'x86_64 MB':>10} {'init ms':>8} {'first answer ms':>16} {'peak RSS MiB':>13}",
    ]
    within = True
    for name in FUNCTIONS:
        size = sizes[name]
        ok = size <= BUDGET_BYTES
        within = within and ok
        runs = samples.get(name) or []
        init = f"{statistics.median(s.init_ms for s in runs):.0f}" if runs else "-"
        first = f"{statistics.median(s.answer_ms for s in runs):.0f}" if runs else "-"
        peak = f"{statistics.median(s.peak_kib for s in runs) / 1024:.1f}" if runs else "-"
        lines.append(
            f"  {name:<14} {size / 1e6:>9.2f} {'ok' if ok else 'OVER':>7} {host_sizes[name] / 1e6:>10.2f} {init:>8} {first:>16} {peak:>13}"
        )
    total = sum(sizes.values())
    lines.append(f"  {'largest':<14} {max(sizes.values()) / 1e6:>9.2f}   (all {len(sizes)}: {total / 1e6:.1f} MB)")
    return "\n".join(lines), within


def sizes_of(lambda_dir: Path) -> dict[str, int]:
    out = {}
    for name in FUNCTIONS:
        path = bootstrap(lambda_dir, name)
        if not path.is_file():
            raise StackError(f"{path.relative_to(ROOT)} is missing after the build")
        out[name] = path.stat().st_size
    return out


def figures(sizes: dict[str, int], samples: dict[str, list[Sample]]) -> list[dict[str, Any]]:
    """One `BENCH-FIGURE` object per function and measure (scripts/bench keeps them in its JSON)."""
    out: list[dict[str, Any]] = []
    for name in FUNCTIONS:
        out.append({"bench": "functions", "measure": f"{name} bootstrap (arm64)", "value": round(sizes[name] / 1e6, 3), "unit": "MB"})
        runs = samples.get(name) or []
        if runs:
            out.append({"bench": "functions", "measure": f"{name} init", "value": round(statistics.median(s.init_ms for s in runs), 1), "unit": "ms"})
            out.append({"bench": "functions", "measure": f"{name} start to first answer", "value": round(statistics.median(s.answer_ms for s in runs), 1), "unit": "ms"})
            out.append({"bench": "functions", "measure": f"{name} peak RSS", "value": round(statistics.median(s.peak_kib for s in runs) / 1024, 1), "unit": "MiB"})
    return out


def main() -> int:
    """Run by scripts/bench (bench.py) with the stand-ins' environment: AWS_ENDPOINT_URL_*, TABLE_NAME,
    TASK_QUEUE_URL. Builds, measures and prints; non-zero when a bootstrap is over the budget."""
    port = port_setting("TRIBUTARY_BENCH_RUNTIME_PORT", 18530)
    require_free_ports({"TRIBUTARY_BENCH_RUNTIME_PORT": port})
    for name in ("AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_DYNAMODB", "TABLE_NAME", "TASK_QUEUE_URL"):
        if not os.environ.get(name):
            raise SystemExit(f"{name} is not set: run this as `scripts/bench functions`")
    env = dict(os.environ)
    install_signal_handlers()
    sup = Supervisor()
    try:
        if setting("TRIBUTARY_BENCH_FUNCTIONS_BUILD", "1") == "0":
            say(P, "TRIBUTARY_BENCH_FUNCTIONS_BUILD=0: measuring the bootstraps built before")
        else:
            build(sup, env)
        sizes = sizes_of(ARM64_LAMBDA_DIR)
        host_sizes = sizes_of(HOST_LAMBDA_DIR)
        log_path = LOG_DIR / "bench-functions.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        say(P, f"starting each function {ROUNDS} times under the runtime API stand-in on {HOST}:{port} (output: {log_path.relative_to(ROOT)})")
        samples = measure(
            env, port, env["AWS_ENDPOINT_URL_SQS"], env["TASK_QUEUE_URL"], log_path,
            on_sample=lambda name, n, s: say(P, f"{name} #{n + 1}: init {s.init_ms:.0f} ms, first answer {s.answer_ms:.0f} ms, peak {s.peak_kib / 1024:.1f} MiB"),
        )
    except Interrupted as exc:
        say(P, f"{exc} received: stopped")
        return 130
    except StackError as exc:
        error(P, str(exc))
        return 1
    finally:
        ignore_signals()
        sup.stop_all()
    table, within = report(sizes, host_sizes, samples)
    print(table, flush=True)
    for figure in figures(sizes, samples):
        print("BENCH-FIGURE " + json.dumps(figure), flush=True)
    if not within:
        error(P, f"a bootstrap is over the {BUDGET_BYTES / 1e6:g} MB budget")
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())

"""A mixed read/write load against a running Tributary, from N client threads at a set total rate.

Used by `scripts/bench load` (which starts its own local stack first); as a command it drives a stack
that is already running, e.g. the one of scripts/dev:

    set -a; . .local/dev.env; set +a
    .venv/bin/python scripts/lib/loadgen.py --base-url "$BASE_URL" --clients 20 --rate 40 --duration 30

Stdlib only (threads + urllib), loopback only. The operations, each a request the official SDKs send:

    add_activity   POST /api/v2/feeds/activities                       (activities)
    read_feed      POST /api/v2/feeds/feed_groups/timeline/feeds/{id}  (feeds: get-or-create, read)
    follow         POST /api/v2/feeds/follows                          (follows; queues history copies)
    comment        POST /api/v2/feeds/comments                         (comments)
    react          POST /api/v2/feeds/activities/{id}/reactions        (reactions, enforce_unique)
    query          POST /api/v2/feeds/activities/query                 (activities)

A dispatcher hands out send times at the total rate; each of the clients takes the next one, waits for it
and sends (so the rate holds as long as the clients keep up; `achieved` says when they did not). Every
answer that is not 2xx, every transport error and every answer that is not JSON counts as an error.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import queue
import random
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Callable, Optional

# Share of each operation in the mix (sums to 100).
MIX = {"add_activity": 25, "read_feed": 25, "follow": 10, "comment": 15, "react": 15, "query": 10}
REQUEST_TIMEOUT = 30.0


def server_token(secret: str) -> str:
    """An HS256 JWT without user_id: a server token, as the server SDKs make."""

    def b64(raw: bytes) -> bytes:
        return base64.urlsafe_b64encode(raw).rstrip(b"=")

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps({"server": True}).encode())
    sig = b64(hmac.new(secret.encode(), head + b"." + body, hashlib.sha256).digest())
    return (head + b"." + body + b"." + sig).decode()


@dataclass
class Answer:
    status: int  # 0: no HTTP answer (transport error, timeout)
    body: bytes
    content_type: str
    seconds: float
    error: str = ""

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None


class Api:
    """A urllib client for one base URL; one per thread is not needed (urllib keeps no shared state)."""

    def __init__(self, base_url: str, api_key: str, api_secret: str):
        parsed = urllib.parse.urlparse(base_url)
        if parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit(f"loadgen: {base_url} is not a loopback address; this load is for the local stack only")
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.token = server_token(api_secret)

    def call(self, method: str, path: str, body=None, raw: Optional[bytes] = None, content_type="application/json") -> Answer:
        sep = "&" if "?" in path else "?"
        url = f"{self.base_url}{path}{sep}api_key={urllib.parse.quote(self.api_key)}"
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", self.token)
        request.add_header("stream-auth-type", "jwt")
        if data is not None:
            request.add_header("Content-Type", content_type)
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
                payload = response.read()
                return Answer(response.status, payload, response.headers.get("Content-Type", ""), time.perf_counter() - started)
        except urllib.error.HTTPError as exc:
            payload = exc.read()
            return Answer(exc.code, payload, exc.headers.get("Content-Type", ""), time.perf_counter() - started)
        except Exception as exc:  # noqa: BLE001 - any transport failure is an error of this request
            return Answer(0, b"", "", time.perf_counter() - started, error=f"{type(exc).__name__}: {exc}")


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter = field(default_factory=Counter)  # (op, status) -> count
    errors: Counter = field(default_factory=Counter)  # (op, status, detail) -> count
    late: int = 0  # sends that started more than 1 s after their slot

    def record(self, op: str, answer: Answer) -> None:
        ok = 200 <= answer.status < 300 and answer.content_type.startswith("application/json") and answer.json() is not None
        with self.lock:
            self.latencies[op].append(answer.seconds)
            self.statuses[(op, answer.status)] += 1
            if not ok:
                detail = answer.error or answer.body[:160].decode("utf-8", "replace")
                self.errors[(op, answer.status, f"{answer.content_type or '-'} {detail}")] += 1


class Workload:
    """The shared state of the mix: users, the activities made so far, the follows still to make."""

    def __init__(self, api: Api, users: int, seed: int):
        self.api = api
        self.rng = random.Random(seed)
        self.run = f"{int(time.time()):x}{self.rng.randrange(1 << 16):04x}"
        self.users = [f"load-{self.run}-{i}" for i in range(users)]
        pairs = [(a, b) for a in self.users for b in self.users if a != b]
        self.rng.shuffle(pairs)
        self.pairs = pairs
        self.activities: list[str] = []
        self.lock = threading.Lock()

    def setup(self) -> None:
        """Creates the users and one activity each, so that every operation has something to act on."""
        for start in range(0, len(self.users), 25):
            chunk = self.users[start : start + 25]
            answer = self.api.call("POST", "/api/v2/users", {"users": {u: {"id": u, "name": u} for u in chunk}})
            if answer.status != 200:
                raise SystemExit(f"loadgen: creating users failed: {answer.status} {answer.body[:300]!r} {answer.error}")
        for user in self.users:
            answer = self.api.call("POST", "/api/v2/feeds/activities", self._activity(user))
            data = answer.json() if answer.status == 200 else None
            if not isinstance(data, dict) or "activity" not in data:
                raise SystemExit(f"loadgen: adding an activity failed: {answer.status} {answer.body[:300]!r} {answer.error}")
            self.activities.append(data["activity"]["id"])

    def _activity(self, user: str) -> dict:
        return {"type": "post", "feeds": [f"user:{user}"], "text": f"load {time.time():.3f}", "user_id": user}

    def pick_user(self, rng: random.Random) -> str:
        return rng.choice(self.users)

    def pick_activity(self, rng: random.Random) -> str:
        with self.lock:
            # Mostly recent activities, as in a feed; sometimes any.
            recent = self.activities[-200:]
            return rng.choice(recent if rng.random() < 0.8 else self.activities)

    def next_pair(self) -> Optional[tuple[str, str]]:
        with self.lock:
            return self.pairs.pop() if self.pairs else None

    # ---- the operations --------------------------------------------------------------------------------
    def op(self, name: str, rng: random.Random) -> Answer:
        return getattr(self, "op_" + name)(rng)

    def op_add_activity(self, rng: random.Random) -> Answer:
        answer = self.api.call("POST", "/api/v2/feeds/activities", self._activity(self.pick_user(rng)))
        data = answer.json() if answer.status == 200 else None
        if isinstance(data, dict) and isinstance(data.get("activity"), dict):
            with self.lock:
                self.activities.append(data["activity"]["id"])
        return answer

    def op_read_feed(self, rng: random.Random) -> Answer:
        user = self.pick_user(rng)
        return self.api.call("POST", f"/api/v2/feeds/feed_groups/timeline/feeds/{user}", {"user_id": user, "limit": 25})

    def op_follow(self, rng: random.Random) -> Answer:
        pair = self.next_pair()
        if pair is None:  # every pair follows already: read instead
            return self.op_read_feed(rng)
        source, target = pair
        return self.api.call("POST", "/api/v2/feeds/follows", {"source": f"timeline:{source}", "target": f"user:{target}"})

    def op_comment(self, rng: random.Random) -> Answer:
        body = {"object_id": self.pick_activity(rng), "object_type": "activity", "comment": "load", "user_id": self.pick_user(rng)}
        return self.api.call("POST", "/api/v2/feeds/comments", body)

    def op_react(self, rng: random.Random) -> Answer:
        body = {"type": rng.choice(["like", "love", "wow"]), "user_id": self.pick_user(rng), "enforce_unique": True}
        return self.api.call("POST", f"/api/v2/feeds/activities/{self.pick_activity(rng)}/reactions", body)

    def op_query(self, rng: random.Random) -> Answer:
        return self.api.call("POST", "/api/v2/feeds/activities/query", {"filter": {"user_id": self.pick_user(rng)}, "limit": 10})


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, int(round(p / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[index]


@dataclass
class Result:
    requests: int
    errors: int
    seconds: float
    stats: Stats

    @property
    def achieved(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run_load(
    api: Api,
    clients: int,
    rate: float,
    duration: float,
    users: int = 50,
    seed: int = 12,
    on_tick: Optional[Callable[[], None]] = None,
    log: Callable[[str], None] = print,
) -> Result:
    workload = Workload(api, users, seed)
    log(f"setting up: {users} users and an activity each (run {workload.run})")
    workload.setup()
    stats = Stats()
    slots: "queue.Queue[Optional[float]]" = queue.Queue(maxsize=max(clients * 4, 16))
    ops = list(MIX)
    weights = [MIX[o] for o in ops]
    stop = threading.Event()

    def client(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        while True:
            slot = slots.get()
            if slot is None:
                return
            delay = slot - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            elif delay < -1.0:
                with stats.lock:
                    stats.late += 1
            name = rng.choices(ops, weights)[0]
            stats.record(name, workload.op(name, rng))

    threads = [threading.Thread(target=client, args=(i,), name=f"load-client-{i}", daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    log(f"driving {clients} clients at {rate:g} req/s for {duration:g}s")
    started = time.monotonic()
    total = int(rate * duration)
    next_report = started + 10
    try:
        for k in range(total):
            slot = started + k / rate
            while True:  # put() with a timeout, so that Ctrl-C and the tick callback still run
                try:
                    slots.put(slot, timeout=0.5)
                    break
                except queue.Full:
                    pass
                if on_tick:
                    on_tick()
            now = time.monotonic()
            if now >= next_report:
                next_report += 10
                with stats.lock:
                    done = sum(stats.statuses.values())
                    errs = sum(stats.errors.values())
                log(f"  {now - started:5.0f}s  {done} requests, {errs} errors")
                if on_tick:
                    on_tick()
    finally:
        stop.set()
        for _ in threads:
            slots.put(None)
        deadline = time.monotonic() + REQUEST_TIMEOUT + 5
        for thread in threads:
            thread.join(timeout=max(deadline - time.monotonic(), 0.1))
    seconds = time.monotonic() - started
    requests = sum(stats.statuses.values())
    return Result(requests, sum(stats.errors.values()), seconds, stats)


def report(result: Result, clients: int, rate: float, duration: float, rss: Optional[dict[str, int]] = None) -> str:
    stats = result.stats
    everything = sorted(x for values in stats.latencies.values() for x in values)
    lines = [
        f"load: {clients} clients, {rate:g} req/s asked for {duration:g}s",
        f"  requests   {result.requests} in {result.seconds:.1f}s ({result.achieved:.1f} req/s achieved"
        + (f", {stats.late} sent more than 1 s late" if stats.late else "")
        + ")",
        f"  errors     {result.errors}" + (f" ({100 * result.errors / result.requests:.2f}%)" if result.requests else ""),
        f"  latency    p50 {1000 * percentile(everything, 50):.1f} ms   p99 {1000 * percentile(everything, 99):.1f} ms"
        f"   max {1000 * (everything[-1] if everything else 0):.1f} ms",
        "",
        f"  {'operation':<14}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p99 ms':>9}",
    ]
    by_op_errors: Counter = Counter()
    for (op, _status, _detail), n in stats.errors.items():
        by_op_errors[op] += n
    for op in MIX:
        values = sorted(stats.latencies.get(op, []))
        lines.append(
            f"  {op:<14}{len(values):>9}{by_op_errors[op]:>8}{1000 * percentile(values, 50):>9.1f}{1000 * percentile(values, 99):>9.1f}"
        )
    if stats.errors:
        lines += ["", "  errors by operation and answer:"]
        for (op, status, detail), n in stats.errors.most_common(12):
            lines.append(f"    {n:>5} x {op} -> {status or 'no answer'} {detail}")
    if rss is not None:
        lines += ["", "  function peak RSS (VmHWM):" if rss else "  function peak RSS: no function processes found"]
        for name, kib in sorted(rss.items()):
            lines.append(f"    {name:<12}{kib / 1024:>8.1f} MiB")
    return "\n".join(lines)


def figures(result: Result, rss: Optional[dict[str, int]] = None) -> list[dict]:
    """The report's figures for scripts/bench's JSON record: {"measure", "value", "unit"} each."""
    stats = result.stats
    everything = sorted(x for values in stats.latencies.values() for x in values)
    out = [
        {"measure": "requests", "value": result.requests, "unit": "requests"},
        {"measure": "throughput", "value": round(result.achieved, 3), "unit": "req/s"},
        {"measure": "errors", "value": result.errors, "unit": "requests"},
        {"measure": "latency: p50", "value": round(1000 * percentile(everything, 50), 3), "unit": "ms"},
        {"measure": "latency: p99", "value": round(1000 * percentile(everything, 99), 3), "unit": "ms"},
    ]
    for op in MIX:
        values = sorted(stats.latencies.get(op, []))
        out.append({"measure": f"{op}: p50", "value": round(1000 * percentile(values, 50), 3), "unit": "ms"})
        out.append({"measure": f"{op}: p99", "value": round(1000 * percentile(values, 99), 3), "unit": "ms"})
    for name, kib in sorted((rss or {}).items()):
        out.append({"measure": f"{name}: peak RSS", "value": round(kib / 1024, 1), "unit": "MiB"})
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--api-key", default="tributary-dev-key")
    parser.add_argument("--api-secret", default="tributary-dev-secret")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rate", type=float, default=40.0)
    parser.add_argument("--duration", type=float, default=120.0)
    parser.add_argument("--users", type=int, default=50)
    args = parser.parse_args()
    api = Api(args.base_url, args.api_key, args.api_secret)
    result = run_load(api, args.clients, args.rate, args.duration, args.users)
    print(report(result, args.clients, args.rate, args.duration))
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())

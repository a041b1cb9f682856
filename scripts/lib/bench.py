"""The benchmarks (scripts/bench runs scripts/setup first, then this).

Starts its own DynamoDB Local and SQS stand-in, creates the table and queues from
infra/template.yaml, and runs the Rust benchmarks against them (release build):

  activities   read/write units and round trips of each activities operation
  enrich       a feed page of 25 activities with 100 reactions and 20 comments each,
               enriched and bare
  fanout       fan-out to 1,000 and 10,000 followers and reading pages of 25 from a
               10,000-entry timeline, each beside a bare-SDK baseline
  permissions  read/write units and round trips of the permission work: feed reads with
               the own fields, own_batch, members, counts, and user-token writes beside
               the same calls by the server
  inline_fanout  add_activity's latency, write units and round trips with 0 to 500 followers,
               delivered before the add answers beside queued (the INLINE_FANOUT default)
  pull         hybrid push/pull: a post into a 1,000,000-follower feed (write units, round
               trips), pages of 25 of timelines pulling 0, 1, 5 and 20 large feeds beside a
               pure push read, and push delivery's cost (the PULL_FOLLOWER_THRESHOLD default)
  v2           read/write units and round trips of each v2 request
  ranking      pages of 25 from feeds of 25, 200 and 1,000 activities, ranked by an expression
               beside time order: read units, round trips, latency
  realtime     read/write units of signing a connection in, a watched read, delivering an
               event to 1 and 10 watchers and through 10 and 100 followers, closing
  functions    (only when named) the deployed functions: each bootstrap's size from
               `cargo lambda build --release --arm64` beside the 8 MB budget, and, on the same
               release build for this machine (x86_64), each function's time from process start to
               its first answer to a typical event and its peak RSS (scripts/lib/functions_bench.py)
  realtime_latency  (only when named) the whole local stack (as for load): a browser client
               watching a feed, timed from each of 50 server-side adds to its event
  load         (only when named) the whole local stack (scripts/dev on its own ports) under a
               mixed read/write load: add activity, read feed, follow, comment, react, query
               from --clients threads at --rate requests/s in total for --duration seconds;
               prints requests, errors, p50/p99 latency and the functions' peak RSS

Ports (environment): TRIBUTARY_BENCH_DYNAMODB_PORT=18300, TRIBUTARY_BENCH_SQS_PORT=18400; for
`load`: TRIBUTARY_BENCH_PORT=18500 (and 18501 for cargo lambda watch),
TRIBUTARY_BENCH_LOAD_DYNAMODB_PORT=18510, TRIBUTARY_BENCH_LOAD_SQS_PORT=18520; for `functions`:
TRIBUTARY_BENCH_RUNTIME_PORT=18530 (its Lambda runtime API stand-in).
Pass benchmark names to run only those: scripts/bench fanout; scripts/bench load --clients 20 --rate 40 --duration 120

Each run also writes its figures as JSON: .local/bench/<UTC start time>-<benchmarks>.json.
scripts/bench compare [A.json B.json] [--threshold 5] [--changed] sets two runs side by side
(without files: the two newest).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    LOG_DIR,
    ROOT,
    STATE_DIR,
    StackError,
    child_env,
    error,
    header,
    local_aws_env,
    port_setting,
    read_env_file,
    require_free_ports,
    say,
    setting,
    warn,
)
from procs import Interrupted, Supervisor, descendants, ignore_signals, install_signal_handlers  # noqa: E402
import bench_results  # noqa: E402
import resources  # noqa: E402
import services  # noqa: E402

P = "bench"
BENCHES = ("activities", "fanout", "enrich", "permissions", "inline_fanout", "pull", "v2", "ranking", "realtime")
LOAD_INSTANCE = "bench-load"
# Benchmarks that need the whole local stack (run only when named).
STACK_BENCHES = ("load", "realtime_latency")
# Benchmarks that run only when named: `functions` makes two release builds of every function.
NAMED_BENCHES = ("functions",)
RESULTS_DIR = STATE_DIR / "bench"


class PeakRss:
    """The functions' peak resident memory: VmHWM of each function process under the stack, sampled
    while the load runs (a process that exits keeps the last value read)."""

    def __init__(self, stack_pid: int, functions: set[str]):
        self.stack_pid = stack_pid
        self.functions = functions
        self.per_process: dict[int, tuple[str, int]] = {}  # pid -> (function, VmHWM KiB)
        self.last = 0.0

    def sample(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < 2.0:
            return
        self.last = now
        for pid, comm in descendants(self.stack_pid).items():
            if comm not in self.functions:
                continue
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    kib = int(line.split()[1])
                    old = self.per_process.get(pid, (comm, 0))[1]
                    self.per_process[pid] = (comm, max(old, kib))

    def by_function(self) -> dict[str, tuple[int, int]]:
        """function -> (largest peak of its processes in KiB, number of processes)."""
        out: dict[str, tuple[int, int]] = {}
        for comm, kib in self.per_process.values():
            peak, count = out.get(comm, (0, 0))
            out[comm] = (max(peak, kib), count + 1)
        return out


def run_collecting(sup: Supervisor, bench: str, argv: list[str], env: dict[str, str], run: bench_results.Run) -> int:
    """Runs one benchmark, echoing its output but for the figure lines, which go into `run`."""
    child = sup.spawn(bench, argv, env=env, cwd=ROOT, log="pipe")
    assert child.popen.stdout is not None
    for raw in iter(child.popen.stdout.readline, b""):
        line = raw.decode(errors="replace")
        if not run.line(bench, line.rstrip("\r\n")):
            sys.stdout.write(line)
            sys.stdout.flush()
    code = child.popen.wait()
    sup.stop(child)
    run.finish(bench, code)
    say(P, f"{run.count(bench)} figures of {bench} in {run.path.relative_to(ROOT)}")
    return code


def run_load(sup: Supervisor, args: argparse.Namespace, run: bench_results.Run) -> int:
    """Starts scripts/dev on the bench ports, drives the load, prints the figures, stops the stack."""
    return with_stack(sup, lambda stack, state, stack_log: drive_load(stack, state, stack_log, args, run))


def run_realtime_latency(sup: Supervisor, run: bench_results.Run) -> int:
    """Starts scripts/dev on the bench ports and times realtime events from write to client."""

    def measure(_stack, state: dict, _log) -> int:
        header("Benchmark: realtime_latency")
        env = child_env(
            {"BASE_URL": state["BASE_URL"], "API_KEY": state["API_KEY"], "API_SECRET": state["API_SECRET"]}
        )
        argv = ["node", str(ROOT / "scripts" / "lib" / "realtime_latency.mjs")]
        return run_collecting(sup, "realtime_latency", argv, env, run)

    return with_stack(sup, measure)


def with_stack(sup: Supervisor, body) -> int:
    """Runs `body(stack, state, stack_log)` against scripts/dev started on the bench ports, then stops it."""
    from testrun import StackLog  # noqa: E402

    port = port_setting("TRIBUTARY_BENCH_PORT", 18500)
    ddb_port = port_setting("TRIBUTARY_BENCH_LOAD_DYNAMODB_PORT", 18510)
    sqs_port = port_setting("TRIBUTARY_BENCH_LOAD_SQS_PORT", 18520)
    require_free_ports(
        {
            "TRIBUTARY_BENCH_PORT": port,
            "TRIBUTARY_BENCH_PORT + 1 (cargo lambda watch)": port + 1,
            "TRIBUTARY_BENCH_LOAD_DYNAMODB_PORT": ddb_port,
            "TRIBUTARY_BENCH_LOAD_SQS_PORT": sqs_port,
        }
    )
    state_file = STATE_DIR / f"{LOAD_INSTANCE}.env"
    state_file.unlink(missing_ok=True)
    stack_env = child_env(
        {
            "TRIBUTARY_PORT": str(port),
            "TRIBUTARY_LAMBDA_PORT": str(port + 1),
            "TRIBUTARY_DYNAMODB_PORT": str(ddb_port),
            "TRIBUTARY_SQS_PORT": str(sqs_port),
            "TRIBUTARY_TABLE": "tributary-load",
            "TRIBUTARY_API_KEY": "tributary-bench-key",
            "TRIBUTARY_API_SECRET": "tributary-bench-secret",
            "TRIBUTARY_INSTANCE": LOAD_INSTANCE,
            "TRIBUTARY_ROOT": str(ROOT),
            "TRIBUTARY_JOBS_INTERVAL": "0",
            # Usage counts written as deployed (every 10 s per instance), not after every request.
            "USAGE_FLUSH_SECONDS": "10",
            "APP_SETTINGS_TTL_SECONDS": "10",
            "RUST_LOG": setting("RUST_LOG", "warn"),
        }
    )
    argv = [str(ROOT / "scripts" / "dev"), "--no-reload"]
    header("Local stack")
    say(P, f"starting {' '.join(argv)} on port {port} (output: .local/logs/{LOAD_INSTANCE}.log)")
    stack = sup.spawn("scripts/dev", argv, env=stack_env, cwd=ROOT, log="pipe")
    stack_log = StackLog(stack, LOG_DIR / f"{LOAD_INSTANCE}.log")
    try:
        deadline = time.monotonic() + float(setting("TRIBUTARY_BENCH_STACK_TIMEOUT", "1800"))
        while not state_file.is_file():
            if not stack.running():
                stack_log.thread.join(timeout=5)
                raise StackError(f"scripts/dev exited with status {stack.popen.returncode} before it was ready")
            if time.monotonic() > deadline:
                raise StackError("the local stack was not ready in time")
            time.sleep(0.5)
        stack_log.echo = False
        return body(stack, read_env_file(state_file), stack_log)
    finally:
        stack_log.echo = False
        sup.stop(stack, grace=30)
        stack_log.thread.join(timeout=10)


def drive_load(stack, state: dict, stack_log, args: argparse.Namespace, run: bench_results.Run) -> int:
    """The mixed load against a started stack, with the functions' peak memory."""
    import dev  # noqa: E402 - the router's functions
    import loadgen  # noqa: E402

    functions = set(dev.router_functions()) | {"worker"}
    rss = PeakRss(stack.pid, functions)
    rss.sample(force=True)

    def tick() -> None:
        if not stack.running():
            raise StackError(f"scripts/dev stopped during the load:\n{stack_log.tail()}")
        rss.sample()

    header(f"Benchmark: load ({args.clients} clients, {args.rate:g} req/s, {args.duration:g}s)")
    api = loadgen.Api(state["BASE_URL"], state["API_KEY"], state["API_SECRET"])
    result = loadgen.run_load(
        api, args.clients, args.rate, args.duration, users=args.users, on_tick=tick, log=lambda line: say(P, line)
    )
    rss.sample(force=True)
    peaks = {name: kib for name, (kib, _count) in rss.by_function().items()}
    print(loadgen.report(result, args.clients, args.rate, args.duration, peaks), flush=True)
    counts = rss.by_function()
    if counts:
        print("  (processes seen per function: " + ", ".join(f"{n} {c[1]}" for n, c in sorted(counts.items())) + ")")
    for figure in loadgen.figures(result, peaks):
        run.add("load", figure)
    status = 1 if result.errors else 0
    run.finish("load", status)
    say(P, f"{run.count('load')} figures of load in {run.path.relative_to(ROOT)}")
    return status


def main() -> int:
    if sys.argv[1:2] == ["compare"]:
        return bench_results.main(sys.argv[2:], RESULTS_DIR)
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "benches",
        nargs="*",
        metavar="BENCH",
        help=f"which benchmarks: {', '.join(BENCHES)}, load (default: all but load); "
        "or `compare [A.json B.json]` to compare two runs",
    )
    load = parser.add_argument_group("load (scripts/bench load)")
    load.add_argument("--clients", type=int, default=20, help="client threads (default 20)")
    load.add_argument("--rate", type=float, default=40.0, help="requests per second in total (default 40)")
    load.add_argument("--duration", type=float, default=120.0, help="seconds of load (default 120)")
    load.add_argument("--users", type=int, default=50, help="users the load acts as (default 50)")
    args = parser.parse_args()
    unknown = [b for b in args.benches if b not in BENCHES + STACK_BENCHES + NAMED_BENCHES]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    if not 1 <= args.clients <= 200 or not 0 < args.rate <= 2000 or not 0 < args.duration <= 3600 or not 2 <= args.users <= 1000:
        parser.error("bounds: --clients 1-200, --rate up to 2000, --duration up to 3600 s, --users 2-1000")
    benches = args.benches or list(BENCHES)
    install_signal_handlers()
    sup = Supervisor()
    run = bench_results.Run(RESULTS_DIR, args.benches, ROOT)
    try:
        status = 0
        if "load" in benches:
            status = run_load(sup, args, run)
        if "realtime_latency" in benches:
            status = run_realtime_latency(sup, run) or status
        benches = [b for b in benches if b not in STACK_BENCHES]
        if not benches:
            return status
        ddb_port = port_setting("TRIBUTARY_BENCH_DYNAMODB_PORT", 18300)
        sqs_port = port_setting("TRIBUTARY_BENCH_SQS_PORT", 18400)
        require_free_ports({"TRIBUTARY_BENCH_DYNAMODB_PORT": ddb_port, "TRIBUTARY_BENCH_SQS_PORT": sqs_port})
        aws = local_aws_env(ddb_port, sqs_port)
        header("Stand-ins")
        ddb = services.start_dynamodb(sup, ddb_port, LOG_DIR / "bench-dynamodb.log")
        sqs = services.start_sqs(sup, sqs_port, LOG_DIR / "bench-sqs.log")
        services.wait_ready(sqs, sqs_port)
        services.wait_ready(ddb, ddb_port)
        queues = resources.provision(
            "tributary-bench", aws["AWS_ENDPOINT_URL_DYNAMODB"], aws["AWS_ENDPOINT_URL_SQS"], log=lambda line: say(P, line)
        )
        env = child_env({**aws, "TABLE_NAME": "tributary-bench", **queues})
        if sys.stdout.isatty():
            env.setdefault("CARGO_TERM_COLOR", "always")
        for bench in benches:
            header(f"Benchmark: {bench}")
            argv = ["cargo", "bench", "-q", "-p", "tributary-integration-tests", "--bench", bench]
            if bench == "functions":
                argv = [sys.executable, str(Path(__file__).resolve().parent / "functions_bench.py")]
            say(P, "$ " + " ".join(argv))
            code = run_collecting(sup, bench, argv, env, run)
            status = status or code
        return status
    except Interrupted as exc:
        warn(P, f"{exc} received: stopped")
        return 130
    except StackError as exc:
        error(P, str(exc))
        return 1
    finally:
        ignore_signals()
        sup.stop_all()


if __name__ == "__main__":
    sys.exit(main())

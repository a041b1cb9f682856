"""Every test, in order (scripts/test runs scripts/setup first, then this):

  1. formatting       cargo fmt --all -- --check
     lint             cargo clippy --all-targets -- -D warnings; cargo-machete (unused dependencies)
     script tests     pytest tests/scripts (unit tests of scripts/lib, such as the benchmark records)
  2. Rust tests       cargo test --workspace, against DynamoDB Local + moto (table tributary-it)
  3. conformance      scripts/dev on port 18000 (queue bridge included), then pytest tests/conformance
                      (official Python SDK; boto3 for the task queues), then, against the same stack,
                      node --test tests/conformance-node (official Node SDK, @stream-io/node-sdk), then
                      node --test tests/browser (the realtime demo in headless Chromium, driven by
                      playwright-core; screenshots in .local/artifacts/), then
                      schemathesis with openapi/tributary.json (scripts/lib/fuzz.py: no 5xx, every 4xx
                      in Stream's error envelope, no hang; at most TRIBUTARY_FUZZ_TIMEOUT=240 seconds)
  4. SAM template     scripts/validate-template, when present

All steps run even when an earlier one fails; the exit status is non-zero if any failed.
Ports (environment): TRIBUTARY_TEST_PORT=18000 (and the WebSocket stand-in on that port + 800, also
reachable through 18000), TRIBUTARY_TEST_DYNAMODB_PORT=18100, TRIBUTARY_TEST_SQS_PORT=18200. Logs: .local/logs/.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    LOG_DIR,
    ROOT,
    STATE_DIR,
    VENV_BIN,
    StackError,
    child_env,
    error,
    fmt_duration,
    header,
    local_aws_env,
    port_setting,
    read_env_file,
    require_free_ports,
    say,
    setting,
    warn,
)
from procs import Child, Interrupted, Supervisor, ignore_signals, install_signal_handlers  # noqa: E402
import services  # noqa: E402
import resources  # noqa: E402

P = "test"
IT_TABLE = "tributary-it"
STACK_INSTANCE = "test-stack"


class Results:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, float]] = []

    def add(self, name: str, status: str, seconds: float) -> None:
        self.rows.append((name, status, seconds))

    @property
    def failed(self) -> bool:
        return any(status.startswith("FAIL") for _, status, _ in self.rows)

    def print(self, total: float) -> None:
        header("Summary")
        for name, status, seconds in self.rows:
            print(f"  {name:<42} {fmt_duration(seconds):>7}  {status}")
        verdict = "FAILED" if self.failed else "all passed"
        print(f"\n  {verdict} in {fmt_duration(total)}", flush=True)


def run_step(results: Results, name: str, fn: Callable[[], str]) -> str:
    """fn returns a status text ("passed", "skipped (...)", "FAILED (...)") or raises StackError."""
    header(name)
    started = time.monotonic()
    try:
        status = fn()
    except StackError as exc:
        error(P, str(exc))
        status = "FAILED"
    results.add(name, status, time.monotonic() - started)
    say(P, f"{name}: {status} ({fmt_duration(time.monotonic() - started)})")
    return status


def run_command(sup: Supervisor, name: str, argv: list[str], env: dict[str, str]) -> int:
    """Run argv to completion as a supervised child (so Ctrl-C stops it too); output goes to the console."""
    say(P, "$ " + " ".join(argv))
    child = sup.spawn(name, argv, env=env, cwd=ROOT)
    code = child.popen.wait()
    sup.stop(child)
    return code


class StackLog:
    """Copies scripts/dev output into a log file, and to the console while `echo` is set."""

    def __init__(self, child: Child, path: Path):
        self.child = child
        self.path = path
        self.echo = True
        path.parent.mkdir(parents=True, exist_ok=True)
        self.file = open(path, "wb")
        self.thread = threading.Thread(target=self._pump, daemon=True)
        self.thread.start()

    def _pump(self) -> None:
        assert self.child.popen.stdout is not None
        for line in iter(self.child.popen.stdout.readline, b""):
            self.file.write(line)
            self.file.flush()
            if self.echo:
                sys.stdout.buffer.write(b"  | " + line)
                sys.stdout.flush()
        self.file.close()

    def tail(self, lines: int = 60) -> str:
        try:
            text = self.path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join("  | " + line for line in text[-lines:])


PYTEST_PATTERNS = ("test_*.py", "*_test.py")
# The files `node --test <directory>` picks up (Node 20's default patterns, less the `test/` dirs).
NODE_TEST_PATTERNS = tuple(
    f"{stem}.{ext}"
    for stem in ("*.test", "*-test", "*_test", "test-*", "test")
    for ext in ("js", "cjs", "mjs")
)


def has_test_files(directory: Path, patterns: tuple[str, ...] = PYTEST_PATTERNS) -> bool:
    return directory.is_dir() and any(p.is_file() for pattern in patterns for p in directory.rglob(pattern))


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/test", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.parse_args()
    install_signal_handlers()

    results = Results()
    setup_seconds = float(os.environ.get("TRIBUTARY_SETUP_SECONDS") or 0)
    started = time.monotonic() - setup_seconds  # the total includes scripts/setup, run before this
    if os.environ.get("TRIBUTARY_SETUP_SECONDS"):
        results.add("Setup (scripts/setup)", "passed", setup_seconds)
    sup = Supervisor()
    interrupted: Optional[Interrupted] = None
    try:
        port = port_setting("TRIBUTARY_TEST_PORT", 18000)
        ddb_port = port_setting("TRIBUTARY_TEST_DYNAMODB_PORT", 18100)
        sqs_port = port_setting("TRIBUTARY_TEST_SQS_PORT", 18200)
        aws = local_aws_env(ddb_port, sqs_port)

        # ---- 1. formatting -------------------------------------------------------------------------
        def fmt() -> str:
            code = run_command(sup, "cargo fmt", ["cargo", "fmt", "--all", "--", "--check"], child_env({}))
            return "passed" if code == 0 else "FAILED (run `cargo fmt --all`)"

        run_step(results, "Formatting (cargo fmt --check)", fmt)

        def lint() -> str:
            clippy = ["cargo", "clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]
            if run_command(sup, "cargo clippy", clippy, child_env({})) != 0:
                return "FAILED (cargo clippy)"
            machete = str(ROOT / ".local" / "tools" / "bin" / "cargo-machete")
            if run_command(sup, "cargo-machete", [machete], child_env({})) != 0:
                return "FAILED (cargo-machete: unused dependencies)"
            return "passed"

        run_step(results, "Lint (clippy, unused dependencies)", lint)

        def script_tests() -> str:
            argv = [str(VENV_BIN / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/scripts"]
            code = run_command(sup, "pytest tests/scripts", argv, child_env({}))
            return "passed" if code == 0 else f"FAILED (pytest tests/scripts exit {code})"

        run_step(results, "Script tests (pytest tests/scripts)", script_tests)

        # ---- 2. Rust tests against DynamoDB Local + moto -----------------------------------------------
        def rust_tests() -> str:
            require_free_ports({"TRIBUTARY_TEST_DYNAMODB_PORT": ddb_port, "TRIBUTARY_TEST_SQS_PORT": sqs_port})
            say(P, f"starting DynamoDB Local on :{ddb_port} and moto (SQS) on :{sqs_port}")
            ddb = services.start_dynamodb(sup, ddb_port, LOG_DIR / "test-dynamodb.log")
            sqs = services.start_sqs(sup, sqs_port, LOG_DIR / "test-sqs.log")
            try:
                services.wait_ready(sqs, sqs_port)
                services.wait_ready(ddb, ddb_port)
                queues = resources.provision(
                    IT_TABLE,
                    aws["AWS_ENDPOINT_URL_DYNAMODB"],
                    aws["AWS_ENDPOINT_URL_SQS"],
                    log=lambda line: say(P, line),
                )
                env = child_env({**aws, "TABLE_NAME": IT_TABLE, **queues})
                for key in ("TABLE_NAME", "TASK_QUEUE_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SQS", "AWS_REGION"):
                    say(P, f"  {key}={env[key]}")
                code = run_command(sup, "cargo test", ["cargo", "test", "--workspace", "--no-fail-fast"], env)
                return "passed" if code == 0 else f"FAILED (cargo test exit {code})"
            finally:
                # Free the ports: the conformance stack below starts its own stand-ins on them.
                sup.stop(sqs)
                sup.stop(ddb)

        run_step(results, "Rust tests (cargo test --workspace)", rust_tests)

        # ---- 3. conformance tests against the full local stack -------------------------------------------
        def conformance() -> str:
            conformance_dir = ROOT / "tests" / "conformance"
            node_dir = ROOT / "tests" / "conformance-node"
            browser_dir = ROOT / "tests" / "browser"
            run_pytest = has_test_files(conformance_dir)
            run_node = has_test_files(node_dir, NODE_TEST_PATTERNS)
            run_browser = has_test_files(browser_dir, NODE_TEST_PATTERNS)
            if not run_pytest and not run_node and not run_browser:
                return "skipped (no tests in tests/conformance, tests/conformance-node or tests/browser)"
            state_file = STATE_DIR / f"{STACK_INSTANCE}.env"
            state_file.unlink(missing_ok=True)
            api_key = setting("TRIBUTARY_TEST_API_KEY", "tributary-test-key")
            api_secret = setting("TRIBUTARY_TEST_API_SECRET", "tributary-test-secret")
            stack_env = child_env(
                {
                    "TRIBUTARY_PORT": str(port),
                    "TRIBUTARY_DYNAMODB_PORT": str(ddb_port),
                    "TRIBUTARY_SQS_PORT": str(sqs_port),
                    "TRIBUTARY_TABLE": "tributary",
                    "TRIBUTARY_API_KEY": api_key,
                    "TRIBUTARY_API_SECRET": api_secret,
                    "TRIBUTARY_INSTANCE": STACK_INSTANCE,
                    "TRIBUTARY_ROOT": str(ROOT),
                    # Tests run the jobs themselves, when they mean to: a scheduled run could remove
                    # what another test is still looking at.
                    "TRIBUTARY_JOBS_INTERVAL": "0",
                }
            )
            argv = [str(ROOT / "scripts" / "dev"), "--no-reload"]
            say(P, f"starting the local stack: {' '.join(argv)} (port {port}; output also in .local/logs/{STACK_INSTANCE}.log)")
            stack = sup.spawn("scripts/dev", argv, env=stack_env, cwd=ROOT, log="pipe")
            stack_log = StackLog(stack, LOG_DIR / f"{STACK_INSTANCE}.log")
            try:
                deadline = time.monotonic() + float(setting("TRIBUTARY_TEST_STACK_TIMEOUT", "3600"))
                while not state_file.is_file():
                    if not stack.running():
                        stack_log.thread.join(timeout=5)
                        return f"FAILED (scripts/dev exited with status {stack.popen.returncode} before it was ready)"
                    if time.monotonic() > deadline:
                        return "FAILED (the local stack was not ready in time)"
                    time.sleep(0.5)
                stack_log.echo = False
                state = read_env_file(state_file)
                say(P, f"local stack ready at {state['BASE_URL']}; its further output goes to {stack_log.path.relative_to(ROOT)}")
                env = child_env(
                    {
                        "TRIBUTARY_BASE_URL": state["BASE_URL"],
                        "TRIBUTARY_API_KEY": state["API_KEY"],
                        "TRIBUTARY_API_SECRET": state["API_SECRET"],
                        # The task queues, for the tests that check the queue plumbing with boto3.
                        "TRIBUTARY_SQS_ENDPOINT": state["AWS_ENDPOINT_URL_SQS"],
                        "TRIBUTARY_TASK_QUEUE_URL": state["TASK_QUEUE_URL"],
                        "TRIBUTARY_TASK_DLQ_URL": state["TASK_DLQ_URL"],
                        # The WebSocket API's management API, for tests that look at connections.
                        "TRIBUTARY_REALTIME_ENDPOINT": state.get("REALTIME_ENDPOINT", ""),
                        "PYTHONDONTWRITEBYTECODE": "1",
                    }
                )
                failures = []
                if run_pytest:
                    argv = [str(VENV_BIN / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/conformance"]
                    code = run_command(sup, "pytest", argv, env)
                    if code != 0:
                        failures.append(f"pytest exit {code}")
                if run_node:
                    # The official Node SDK (scripts/node_modules, from scripts/package.json), against the
                    # same stack. One file at a time: a test that changes app-wide settings (feed
                    # visibility grants) must not race the others.
                    argv = ["node", "--test", "--test-concurrency=1", "--test-reporter=spec", "tests/conformance-node/"]
                    code = run_command(sup, "node --test", argv, env)
                    if code != 0:
                        failures.append(f"node --test exit {code}")
                if run_browser:
                    # The realtime demo the stack serves at /demo/, in headless Chromium (Debian's, from
                    # scripts/setup), against the same stack.
                    argv = ["node", "--test", "--test-concurrency=1", "--test-reporter=spec", "tests/browser/"]
                    code = run_command(sup, "browser tests", argv, env)
                    if code != 0:
                        failures.append(f"browser tests exit {code}")
                # Schemathesis, driven by the API description, against the same stack: any 5xx, any
                # 4xx outside Stream's error envelope, or a request or run over its time fails.
                argv = [str(VENV_BIN / "python"), str(ROOT / "scripts" / "lib" / "fuzz.py")]
                code = run_command(sup, "schemathesis", argv, env)
                if code != 0:
                    failures.append(f"schemathesis exit {code}")
                if not failures:
                    return "passed"
                if not stack.running():
                    print(f"\nscripts/dev stopped during the tests; last lines of its output:\n{stack_log.tail()}")
                return f"FAILED ({'; '.join(failures)})"
            finally:
                stack_log.echo = False
                sup.stop(stack, grace=30)
                stack_log.thread.join(timeout=10)

        run_step(results, "Conformance tests (SDKs, browser, fuzzing)", conformance)

        # ---- 4. SAM template ----------------------------------------------------------------------------
        def validate_template() -> str:
            script = ROOT / "scripts" / "validate-template"
            if not script.is_file():
                return "skipped (scripts/validate-template not present)"
            argv = [str(script)] if os.access(script, os.X_OK) else ["bash", str(script)]
            code = run_command(sup, "validate-template", argv, child_env({}))
            return "passed" if code == 0 else f"FAILED (exit {code})"

        run_step(results, "SAM template (scripts/validate-template)", validate_template)
    except Interrupted as exc:
        interrupted = exc
    except StackError as exc:
        error(P, str(exc))
        results.add("test run", "FAILED", 0)
    finally:
        ignore_signals()
        sup.stop_all()

    if interrupted is not None:
        warn(P, f"{interrupted} received: stopped; everything started has been shut down")
        return 130
    results.print(time.monotonic() - started)
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main())

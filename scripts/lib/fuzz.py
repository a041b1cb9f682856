"""Fuzzes a running local stack with schemathesis, driven by the API description the code
generates (openapi/tributary.json).

Every operation is called with generated (valid and invalid) input as the server: `api_key`,
`stream-auth-type: jwt` and a server token signed with the stack's secret
(tests/fuzz/schemathesis.toml). Checks: `not_a_server_error` (no 5xx) and
`stream_error_envelope` (tests/fuzz/hooks.py: every 4xx is Stream's error envelope). A request
that takes longer than TRIBUTARY_FUZZ_REQUEST_TIMEOUT seconds (10) fails the run, and so does
the whole run taking longer than TRIBUTARY_FUZZ_TIMEOUT seconds (240). Test cases per operation:
TRIBUTARY_FUZZ_MAX_EXAMPLES (5); TRIBUTARY_FUZZ_SEED makes a run repeatable. Each family
(the description's tags) is fuzzed by its own schemathesis process, all at once.

scripts/test runs it in its conformance step; by hand, against scripts/dev:

    .venv/bin/python scripts/lib/fuzz.py            # reads .local/dev.env
    TRIBUTARY_BASE_URL=... TRIBUTARY_API_KEY=... TRIBUTARY_API_SECRET=... .venv/bin/python scripts/lib/fuzz.py

Prints the counts (operations, test cases, failures) and each failure; exits non-zero on any.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
SPEC = ROOT / "openapi" / "tributary.json"
FUZZ_DIR = ROOT / "tests" / "fuzz"
CHECKS = "not_a_server_error,stream_error_envelope"


def server_token(secret: str) -> str:
    """An HS256 JWT without claims: a server token (what Stream's Python SDK signs)."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = f"{b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}.{b64(b'{}')}"
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def _int_setting(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def families() -> list[str]:
    """The description's tags: one per family (function), in the order they first appear."""
    tags: dict[str, None] = {}
    for item in json.loads(SPEC.read_text())["paths"].values():
        for operation in item.values():
            for tag in operation.get("tags", []):
                tags[tag] = None
    return list(tags)


def run(base_url: str, api_key: str, api_secret: str, report_dir: Optional[Path] = None) -> tuple[bool, str]:
    """Runs schemathesis against base_url, one process per family, all at once (each family is
    its own function, so they run in parallel); prints what it found. Returns (passed, status)."""
    total_timeout = _int_setting("TRIBUTARY_FUZZ_TIMEOUT", 240)
    max_examples = _int_setting("TRIBUTARY_FUZZ_MAX_EXAMPLES", 5)
    request_timeout = _int_setting("TRIBUTARY_FUZZ_REQUEST_TIMEOUT", 10)
    report_dir = report_dir or Path(tempfile.mkdtemp(prefix="tributary-fuzz-"))
    report_dir.mkdir(parents=True, exist_ok=True)
    base = [
        str(VENV_BIN / "schemathesis"),
        "--config-file",
        str(FUZZ_DIR / "schemathesis.toml"),
        "--no-color",
        "run",
        str(SPEC),
        "--url",
        base_url,
        "--checks",
        CHECKS,
        "--max-examples",
        str(max_examples),
        "--request-timeout",
        str(request_timeout),
        # One worker per process: with more, schemathesis 4.32.5 (hypothesis) now and then stops
        # an operation with an internal error ("AST constructor recursion depth mismatch").
        "--workers",
        "1",
        "--phases",
        "examples,coverage,fuzzing",
        # The database of earlier failures would make runs differ between machines.
        "--generation-database",
        "none",
        "--report",
        "json",
    ]
    seed = os.environ.get("TRIBUTARY_FUZZ_SEED", "").strip()
    if seed:
        base += ["--seed", seed]
    env = {
        **os.environ,
        "TRIBUTARY_API_KEY": api_key,
        "TRIBUTARY_FUZZ_TOKEN": server_token(api_secret),
        "SCHEMATHESIS_HOOKS": "hooks",
        "PYTHONPATH": os.pathsep.join(p for p in (str(FUZZ_DIR), os.environ.get("PYTHONPATH", "")) if p),
    }
    print(f"$ schemathesis run {SPEC.relative_to(ROOT)} --url {base_url} --checks {CHECKS} "
          f"--max-examples {max_examples} --request-timeout {request_timeout} --include-tag <family> "
          f"(one process per family; at most {total_timeout}s; output in {report_dir}/schemathesis-<family>.log)",
          flush=True)
    started = time.monotonic()
    runs: dict[str, tuple[subprocess.Popen, Path, Path]] = {}
    try:
        for family in families():
            work = report_dir / f"schemathesis-{family}"
            # schemathesis keeps a cache in `.schemathesis/` under its working directory.
            work.mkdir(parents=True, exist_ok=True)
            report = report_dir / f"schemathesis-{family}.json"
            log = report_dir / f"schemathesis-{family}.log"
            report.unlink(missing_ok=True)
            argv = base + ["--include-tag", family, "--report-json-path", str(report)]
            with open(log, "wb") as out:
                # In this process's group: scripts/test's supervisor (or Ctrl-C) stops them too.
                child = subprocess.Popen(argv, env=env, cwd=work, stdout=out, stderr=subprocess.STDOUT)
            runs[family] = (child, report, log)
        deadline = started + total_timeout
        for family, (child, _, _) in runs.items():
            try:
                child.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                break
    finally:
        unfinished = [family for family, (child, _, _) in runs.items() if child.poll() is None]
        for family in unfinished:
            runs[family][0].kill()
            runs[family][0].wait()
    elapsed = time.monotonic() - started

    totals = {"operations": 0, "tested": 0, "cases": 0, "failures": 0, "errors": 0}
    problems: list[str] = []
    for family, (child, report, log) in runs.items():
        if family in unfinished:
            problems.append(f"{family}: had not finished after {total_timeout}s (a hang, or a machine "
                            f"slower than TRIBUTARY_FUZZ_TIMEOUT allows)")
            print(f"\n---- {family}: unfinished; last lines of {log}:\n{_tail(log)}")
            continue
        try:
            data = json.loads(report.read_text())
        except (OSError, ValueError) as exc:
            problems.append(f"{family}: schemathesis exit {child.returncode}, no report ({exc})")
            print(f"\n---- {family}: no report; last lines of {log}:\n{_tail(log)}")
            continue
        ops = data.get("operations", {})
        cases = data.get("test_cases", {})
        failures = data.get("failures", [])
        errors = data.get("errors", [])
        totals["operations"] += ops.get("selected", 0)
        totals["tested"] += ops.get("tested", 0)
        totals["cases"] += cases.get("generated", 0)
        totals["failures"] += cases.get("unique_failures", 0)
        totals["errors"] += len(errors)
        print(f"fuzz {family}: {ops.get('tested', 0)}/{ops.get('selected', 0)} operations, "
              f"{cases.get('generated', 0)} test cases, {cases.get('unique_failures', 0)} unique failures, "
              f"{len(errors)} errors, {data.get('running_time', 0):.0f}s", flush=True)
        for kind, entries in (("failure", failures), ("error", errors)):
            for entry in entries:
                operations = ", ".join(entry.get("operations", [])) or "-"
                print(f"  {kind}: {entry.get('title', entry)} (x{entry.get('count', 1)}): {operations}")
        if child.returncode != 0 or failures or errors or not data.get("complete", False):
            problems.append(f"{family}: {len(failures)} failures, {len(errors)} errors, exit {child.returncode}")
            # The details: each failing request, with a curl command that repeats it.
            print(f"\n---- {family}: schemathesis output ({log}):\n{log.read_text(errors='replace')}")
    print(
        f"\nfuzz: {totals['tested']}/{totals['operations']} operations tested, {totals['cases']} test cases "
        f"(requests), {totals['failures']} unique failures, {totals['errors']} errors, {elapsed:.0f}s",
        flush=True,
    )
    if problems:
        return False, "FAILED (" + "; ".join(problems) + ")"
    return True, f"{totals['tested']} operations, {totals['cases']} cases, no failures"


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def main() -> int:
    settings = {}
    state = ROOT / ".local" / "dev.env"
    if "TRIBUTARY_BASE_URL" not in os.environ and state.is_file():
        for line in state.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep:
                settings[key.strip()] = value.strip()
    settings.update({k: v for k, v in os.environ.items() if k.startswith("TRIBUTARY_")})
    missing = [k for k in ("TRIBUTARY_BASE_URL", "TRIBUTARY_API_KEY", "TRIBUTARY_API_SECRET") if k not in settings]
    if missing:
        print(f"fuzz: set {', '.join(missing)} (or run scripts/dev, which writes .local/dev.env)", file=sys.stderr)
        return 2
    passed, status = run(
        settings["TRIBUTARY_BASE_URL"],
        settings["TRIBUTARY_API_KEY"],
        settings["TRIBUTARY_API_SECRET"],
        ROOT / ".local" / "logs",
    )
    print(f"fuzz: {status}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())

"""Fuzzes a running local stack with schemathesis, driven by the API description the code
generates (openapi/tributary.json).

Every operation is called with generated (valid and invalid) input as the server: `api_key`,
`stream-auth-type: jwt` and a server token signed with the stack's secret
(tests/fuzz/schemathesis.toml). Checks: `not_a_server_error` (no 5xx) and
`stream_error_envelope` (tests/fuzz/hooks.py: every 4xx is Stream's error envelope). A request
that takes longer than TRIBUTARY_FUZZ_REQUEST_TIMEOUT seconds (10) fails the run, and so does
the whole run taking longer than TRIBUTARY_FUZZ_TIMEOUT seconds (240). Test cases per operation:
TRIBUTARY_FUZZ_MAX_EXAMPLES (5); TRIBUTARY_FUZZ_SEED makes a run repeatable.
TRIBUTARY_FUZZ_WORKERS (1) tests that many operations at once: faster (4 workers: about a
third of the time), but schemathesis 4.32.5 with more than one worker now and then stops an
operation with an internal error (hypothesis: "AST constructor recursion depth mismatch"),
which fails the run.

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


def run(base_url: str, api_key: str, api_secret: str, report_dir: Optional[Path] = None) -> tuple[bool, str]:
    """Runs schemathesis against base_url; prints what it found. Returns (passed, status text)."""
    total_timeout = _int_setting("TRIBUTARY_FUZZ_TIMEOUT", 240)
    max_examples = _int_setting("TRIBUTARY_FUZZ_MAX_EXAMPLES", 5)
    request_timeout = _int_setting("TRIBUTARY_FUZZ_REQUEST_TIMEOUT", 10)
    workers = _int_setting("TRIBUTARY_FUZZ_WORKERS", 1)
    report_dir = report_dir or Path(tempfile.mkdtemp(prefix="tributary-fuzz-"))
    report_dir.mkdir(parents=True, exist_ok=True)
    report = report_dir / "schemathesis.json"
    report.unlink(missing_ok=True)
    argv = [
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
        "--workers",
        str(workers),
        "--phases",
        "examples,coverage,fuzzing",
        # The database of earlier failures would make runs differ between machines.
        "--generation-database",
        "none",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    seed = os.environ.get("TRIBUTARY_FUZZ_SEED", "").strip()
    if seed:
        argv += ["--seed", seed]
    env = {
        **os.environ,
        "TRIBUTARY_API_KEY": api_key,
        "TRIBUTARY_FUZZ_TOKEN": server_token(api_secret),
        "SCHEMATHESIS_HOOKS": "hooks",
        "PYTHONPATH": os.pathsep.join(p for p in (str(FUZZ_DIR), os.environ.get("PYTHONPATH", "")) if p),
    }
    print(f"$ schemathesis run {SPEC.relative_to(ROOT)} --url {base_url} --checks {CHECKS} "
          f"--max-examples {max_examples} --request-timeout {request_timeout} --workers {workers} "
          f"(at most {total_timeout}s)",
          flush=True)
    started = time.monotonic()
    # In this process's group: scripts/test's supervisor (or Ctrl-C) stops both. Run in the
    # report directory: schemathesis keeps a cache in `.schemathesis/` under its working directory.
    child = subprocess.Popen(argv, env=env, cwd=report_dir)
    try:
        code = child.wait(timeout=total_timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        return False, (
            f"FAILED (schemathesis had not finished after {total_timeout}s: a hang, or a machine slower "
            f"than TRIBUTARY_FUZZ_TIMEOUT allows)"
        )
    except BaseException:
        child.kill()
        child.wait()
        raise
    elapsed = time.monotonic() - started
    try:
        data = json.loads(report.read_text())
    except (OSError, ValueError) as exc:
        return False, f"FAILED (schemathesis exit {code}, no report: {exc})"
    ops = data.get("operations", {})
    cases = data.get("test_cases", {})
    failures = data.get("failures", [])
    errors = data.get("errors", [])
    print(
        f"\nfuzz: {ops.get('tested', 0)}/{ops.get('total', 0)} operations tested, "
        f"{cases.get('generated', 0)} test cases (requests), "
        f"{cases.get('unique_failures', 0)} unique failures in {cases.get('with_failures', 0)} cases, "
        f"{len(errors)} errors, {elapsed:.0f}s",
        flush=True,
    )
    # The details (each failing request, with a curl command to repeat it) are in schemathesis's
    # output above.
    for kind, entries in (("failure", failures), ("error", errors)):
        for entry in entries:
            operations = ", ".join(entry.get("operations", [])) or "-"
            print(f"  {kind}: {entry.get('title', entry)} (x{entry.get('count', 1)}): {operations}")
    if code != 0 or failures or errors or not data.get("complete", False):
        return False, (
            f"FAILED (schemathesis: {cases.get('unique_failures', 0)} failures, {len(errors)} errors, "
            f"exit {code}; report {report})"
        )
    return True, f"{ops.get('tested', 0)} operations, {cases.get('generated', 0)} cases, no failures"


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

"""The scheduled jobs, locally: run each on an interval (as EventBridge does when deployed), or once.

  jobs.py schedule --invoke-url URL --interval SECONDS    (scripts/dev starts this)
  jobs.py once JOB [--invoke-url URL]                      (scripts/job runs this)

Jobs are invoked through `cargo lambda watch`'s Lambda invoke API with the event the template's
schedules send ({"job": "expiry"} or {"job": "hiding"}). A run does a bounded amount of work; `once`
repeats the job until it reports that nothing is left.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, STATE_DIR  # noqa: E402
import queue_bridge  # noqa: E402

JOBS = ("expiry", "hiding")
FUNCTION = "jobs"


def run_job(invoke_url: str, job: str, timeout: float = 300.0) -> dict:
    """Invokes one run of a job; returns its report ({"done": n, "more": bool})."""
    url = queue_bridge.invoke_url(invoke_url, FUNCTION)
    result = queue_bridge.invoke(url, {"job": job}, timeout=timeout)
    body = result.json() if result.status is not None else None
    if result.status != 200 or not isinstance(body, dict) or "done" not in body:
        raise RuntimeError(f"job {job} failed: {result.short()}")
    return body


def base_url_from_state(instance: str) -> str:
    state = STATE_DIR / f"{instance}.env"
    if not state.is_file():
        raise RuntimeError(f"no running stack found ({state.relative_to(ROOT)} is missing): start scripts/dev first")
    for line in state.read_text().splitlines():
        if line.startswith("BASE_URL="):
            return line.split("=", 1)[1].strip()
    raise RuntimeError(f"{state} has no BASE_URL")


def once(invoke_url: str, job: str) -> int:
    total = 0
    for _ in range(10_000):
        report = run_job(invoke_url, job)
        total += int(report["done"])
        if not report.get("more"):
            print(json.dumps({"job": job, "done": total}))
            return 0
    print(f"job {job} still had work after many runs", file=sys.stderr)
    return 1


def schedule(invoke_url: str, interval: float) -> int:
    print(f"jobs: running {', '.join(JOBS)} every {interval:g}s through {invoke_url}", flush=True)
    while True:
        for job in JOBS:
            try:
                report = run_job(invoke_url, job)
                if report["done"]:
                    print(f"jobs: {job} did {report['done']} (more: {report.get('more')})", flush=True)
            except RuntimeError as exc:
                print(f"jobs: {exc}", flush=True)
        time.sleep(interval)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("schedule")
    s.add_argument("--invoke-url", required=True)
    s.add_argument("--interval", type=float, required=True)
    o = sub.add_parser("once")
    o.add_argument("job", choices=JOBS)
    o.add_argument("--invoke-url")
    o.add_argument("--instance", default="dev")
    args = parser.parse_args()
    try:
        if args.command == "schedule":
            return schedule(args.invoke_url, args.interval)
        return once(args.invoke_url or base_url_from_state(args.instance), args.job)
    except (RuntimeError, KeyboardInterrupt) as exc:
        print(f"jobs: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

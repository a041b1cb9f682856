"""Benchmark results as JSON, and comparing two runs.

A benchmark prints, beside its table, one line per figure: `BENCH-FIGURE ` and a JSON object
{"bench", "measure", "value", "unit"} (tests/integration/src/bench.rs writes them for the Rust
benchmarks). scripts/bench collects them into one document per run,
.local/bench/<UTC time>-<benchmarks>.json:

  {"started_at", "finished_at", "git_commit", "git_dirty", "command", "machine": {...},
   "benches": {name: [{"measure", "value", "unit"}, ...]}, "status": {name: exit status}}

`scripts/bench compare [A.json B.json]` sets two runs side by side (without files: the two
newest runs), bench by bench and measure by measure, and marks each change larger than the
threshold as better or worse.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Optional

MARKER = "BENCH-FIGURE "
# Units whose larger values are better; for "neutral" ones a change is only a change.
HIGHER_IS_BETTER = frozenset({"deliveries/s", "req/s", "x"})
NEUTRAL = frozenset({"messages", "requests"})
DEFAULT_THRESHOLD = 5.0  # percent


def parse_figure(line: str) -> Optional[dict[str, Any]]:
    """The figure a `BENCH-FIGURE {json}` line holds, or None for any other line (or a malformed one)."""
    if not line.startswith(MARKER):
        return None
    try:
        figure = json.loads(line[len(MARKER) :])
    except json.JSONDecodeError:
        return None
    if not isinstance(figure, dict) or not isinstance(figure.get("measure"), str):
        return None
    value = figure.get("value")
    if isinstance(value, bool) or not (value is None or isinstance(value, (int, float))):
        return None
    return {
        "bench": figure.get("bench") if isinstance(figure.get("bench"), str) else None,
        "measure": figure["measure"],
        "value": value,
        "unit": str(figure.get("unit", "")),
    }


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _command_output(argv: list[str], cwd: Path) -> Optional[str]:
    try:
        done = subprocess.run(argv, cwd=str(cwd), capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    info: dict[str, Any] = {
        "hostname": platform.node(),
        "os": platform.platform(),
        "arch": platform.machine(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    rustc = _command_output(["rustc", "--version"], Path.cwd())
    if rustc:
        info["rustc"] = rustc
    return info


class Run:
    """One scripts/bench run's figures, written to its file after each benchmark."""

    def __init__(self, directory: Path, names: list[str], root: Path, started: Optional[dt.datetime] = None):
        started = started or utc_now()
        label = "+".join(names) if names else "all"
        self.path = directory / f"{started.strftime('%Y%m%dT%H%M%SZ')}-{label}.json"
        commit = _command_output(["git", "rev-parse", "HEAD"], root)
        status = _command_output(["git", "status", "--porcelain", "--untracked-files=no"], root)
        self.doc: dict[str, Any] = {
            "started_at": started.isoformat().replace("+00:00", "Z"),
            "finished_at": None,
            "git_commit": commit,
            "git_dirty": bool(status) if status is not None else None,
            "command": names,
            "machine": machine(),
            "benches": {},
            "status": {},
        }

    def add(self, bench: str, figure: dict[str, Any]) -> None:
        name = figure.get("bench") or bench
        self.doc["benches"].setdefault(name, []).append(
            {"measure": figure["measure"], "value": figure["value"], "unit": figure["unit"]}
        )

    def line(self, bench: str, line: str) -> bool:
        """Takes the figure on `line` (True), or tells that the line is not a figure (False)."""
        figure = parse_figure(line)
        if figure is None:
            return False
        self.add(bench, figure)
        return True

    def count(self, bench: str) -> int:
        return len(self.doc["benches"].get(bench, []))

    def finish(self, bench: str, status: int) -> None:
        self.doc["status"][bench] = status
        self.write()

    def write(self) -> None:
        """Writes the document so far; a failure (a full disk, say) is reported, not raised."""
        self.doc["finished_at"] = utc_now().isoformat().replace("+00:00", "Z")
        tmp = self.path.with_suffix(".json.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(self.doc, indent=2) + "\n")
            tmp.replace(self.path)
        except OSError as exc:
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass
            print(f"bench: cannot write {self.path}: {exc}", file=sys.stderr)


# ---- comparing ---------------------------------------------------------------------------------


@dataclass
class Row:
    bench: str
    measure: str
    unit: str
    a: Optional[float]
    b: Optional[float]

    @property
    def delta(self) -> Optional[float]:
        if self.a is None or self.b is None:
            return None
        return self.b - self.a

    @property
    def percent(self) -> Optional[float]:
        """The change relative to a; infinite when a is 0 and b is not."""
        if self.delta is None:
            return None
        if self.a == 0:
            return 0.0 if self.delta == 0 else math.copysign(math.inf, self.delta)
        return 100.0 * self.delta / abs(self.a)

    def verdict(self, threshold: float) -> str:
        """"" when within the threshold; otherwise "better", "worse", "changed", or where only one run has it."""
        if self.a is None and self.b is None:
            return ""
        if self.a is None:
            return "only in b"
        if self.b is None:
            return "only in a"
        pct = self.percent
        assert pct is not None
        if abs(pct) <= threshold:
            return ""
        if self.unit in NEUTRAL:
            return "changed"
        up_is_good = self.unit in HIGHER_IS_BETTER
        return "better" if (pct > 0) == up_is_good else "worse"


def _figures(doc: dict[str, Any]) -> dict[str, dict[str, tuple[Optional[float], str]]]:
    """bench -> measure -> (value, unit); a measure a run has several times (the benchmark named
    more than once) counts with the median of its values."""
    out: dict[str, dict[str, tuple[Optional[float], str]]] = {}
    for bench, figures in (doc.get("benches") or {}).items():
        seen: dict[str, tuple[list[float], str]] = {}
        for f in figures:
            values, unit = seen.setdefault(f["measure"], ([], f.get("unit", "")))
            if f.get("value") is not None:
                values.append(f["value"])
        out[bench] = {m: (statistics.median(v) if v else None, u) for m, (v, u) in seen.items()}
    return out


def compare(a: dict[str, Any], b: dict[str, Any]) -> list[Row]:
    """Every (bench, measure) of either run, in a's order then b's additions."""
    fa, fb = _figures(a), _figures(b)
    rows = []
    for bench in list(fa) + [x for x in fb if x not in fa]:
        ma, mb = fa.get(bench, {}), fb.get(bench, {})
        for measure in list(ma) + [x for x in mb if x not in ma]:
            va, ua = ma.get(measure, (None, ""))
            vb, ub = mb.get(measure, (None, ""))
            rows.append(Row(bench, measure, ua or ub, va, vb))
    return rows


def fmt_value(v: Optional[float]) -> str:
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if v == int(v):
        return str(int(v))
    return f"{v:.4g}" if abs(v) >= 0.001 else f"{v:.2e}"


def fmt_change(row: Row) -> str:
    if row.delta is None:
        return ""
    pct = row.percent
    sign = "+" if row.delta > 0 else ""
    delta = sign + fmt_value(row.delta) if row.delta != 0 else "0"
    if pct is None or math.isinf(pct):
        return f"{delta} (from 0)"
    return f"{delta} ({'+' if pct > 0 else ''}{pct:.1f}%)"


def table(rows: Iterable[Row], threshold: float, changed_only: bool = False) -> str:
    body = []
    for row in rows:
        verdict = row.verdict(threshold)
        if changed_only and not verdict:
            continue
        mark = {"better": "+", "worse": "!", "changed": "~"}.get(verdict, "?" if verdict else "")
        body.append(
            (mark, row.bench, row.measure, row.unit, fmt_value(row.a), fmt_value(row.b), fmt_change(row), verdict)
        )
    head = ("", "bench", "measure", "unit", "a", "b", "change", "")
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
    right = {4, 5, 6}
    lines = []
    for r in [head, *body]:
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def newest_runs(directory: Path, count: int = 2) -> list[Path]:
    """The newest `count` run files, oldest first (their names start with the UTC start time)."""
    runs = sorted(p for p in directory.glob("*.json") if p.is_file())
    return runs[-count:]


def describe(path: Path, doc: dict[str, Any]) -> str:
    commit = (doc.get("git_commit") or "?")[:10] + (" (uncommitted changes)" if doc.get("git_dirty") else "")
    host = (doc.get("machine") or {}).get("hostname", "?")
    return f"{path.name}: started {doc.get('started_at', '?')}, commit {commit}, on {host}"


def main(argv: list[str], directory: Path) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/bench compare",
        description="Compares two runs of scripts/bench (default: the two newest in .local/bench/).",
    )
    parser.add_argument("runs", nargs="*", metavar="RUN.json", help="two run files, older first")
    parser.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help=f"mark changes larger than this many percent (default {DEFAULT_THRESHOLD:g})",
    )
    parser.add_argument("--changed", action="store_true", help="only the rows beyond the threshold")
    args = parser.parse_args(argv)
    if args.runs and len(args.runs) != 2:
        parser.error("give two run files, or none for the two newest")
    paths = [Path(p) for p in args.runs] if args.runs else newest_runs(directory)
    if len(paths) < 2:
        print(f"scripts/bench compare: fewer than two runs in {directory}; run scripts/bench first", file=sys.stderr)
        return 2
    docs = []
    for p in paths:
        try:
            docs.append(json.loads(p.read_text()))
        except (OSError, json.JSONDecodeError) as exc:
            print(f"scripts/bench compare: cannot read {p}: {exc}", file=sys.stderr)
            return 2
    print(f"a = {describe(paths[0], docs[0])}")
    print(f"b = {describe(paths[1], docs[1])}")
    print(f"marked: changes beyond {args.threshold:g}% (+ better, ! worse, ~ changed, ? in one run only)")
    print()
    rows = compare(docs[0], docs[1])
    print(table(rows, args.threshold, args.changed))
    worse = sum(1 for r in rows if r.verdict(args.threshold) == "worse")
    better = sum(1 for r in rows if r.verdict(args.threshold) == "better")
    print()
    print(f"{len(rows)} figures: {better} better, {worse} worse beyond {args.threshold:g}%")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], Path(os.environ.get("TRIBUTARY_ROOT", ".")) / ".local" / "bench"))

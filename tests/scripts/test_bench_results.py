"""Unit tests of scripts/lib/bench_results.py: collecting benchmark figures into a run's JSON
document and comparing two runs (scripts/bench compare)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "lib"))

import bench_results as br  # noqa: E402
import loadgen  # noqa: E402


def doc(benches: dict) -> dict:
    return {
        "started_at": "2026-01-01T00:00:00Z",
        "git_commit": "0" * 40,
        "benches": {
            name: [{"measure": m, "value": v, "unit": u} for m, v, u in figures] for name, figures in benches.items()
        },
    }


def test_a_figure_line_is_parsed_and_other_lines_are_not_figures():
    line = 'BENCH-FIGURE {"bench":"fanout","measure":"fan-out: speed","value":1234.5,"unit":"deliveries/s"}'
    assert br.parse_figure(line) == {
        "bench": "fanout",
        "measure": "fan-out: speed",
        "value": 1234.5,
        "unit": "deliveries/s",
    }
    assert br.parse_figure('BENCH-FIGURE {"measure":"m","value":null,"unit":"x"}')["value"] is None
    for other in (
        "get_activity   1.00   0.00   1.00",
        "BENCH-FIGURE not json",
        'BENCH-FIGURE {"value": 1}',
        'BENCH-FIGURE {"measure":"m","value":"fast"}',
        'BENCH-FIGURE {"measure":"m","value":true}',
        '  BENCH-FIGURE {"measure":"m","value":1}',
    ):
        assert br.parse_figure(other) is None, other


def test_a_run_collects_figures_by_bench_and_writes_one_document(tmp_path):
    run = br.Run(tmp_path / "bench", ["activities", "v2"], ROOT)
    assert run.path.parent == tmp_path / "bench"
    assert re.fullmatch(r"\d{8}T\d{6}Z-activities\+v2\.json", run.path.name)
    assert not run.line("activities", "operation   read RU")
    assert run.line("activities", 'BENCH-FIGURE {"bench":"activities","measure":"get: RU","value":1,"unit":"RU"}')
    # A line without its bench counts for the benchmark that printed it.
    assert run.line("activities", 'BENCH-FIGURE {"measure":"get: calls","value":2,"unit":"calls"}')
    run.finish("activities", 0)
    run.add("v2", {"bench": None, "measure": "feed: RU", "value": 3.5, "unit": "RU"})
    run.finish("v2", 101)

    written = json.loads(run.path.read_text())
    assert written["benches"] == {
        "activities": [
            {"measure": "get: RU", "value": 1, "unit": "RU"},
            {"measure": "get: calls", "value": 2, "unit": "calls"},
        ],
        "v2": [{"measure": "feed: RU", "value": 3.5, "unit": "RU"}],
    }
    assert written["status"] == {"activities": 0, "v2": 101}
    assert re.fullmatch(r"[0-9a-f]{40}", written["git_commit"])
    assert written["started_at"].endswith("Z") and written["finished_at"] >= written["started_at"]
    assert written["command"] == ["activities", "v2"]
    assert written["machine"]["cores"] >= 1 and written["machine"]["os"]
    assert br.Run(tmp_path, [], ROOT).path.name.endswith("-all.json")


def test_compare_marks_changes_beyond_the_threshold_by_direction():
    a = doc(
        {
            "fanout": [
                ("speed", 1000.0, "deliveries/s"),
                ("speed / baseline", 0.9, "x"),
                ("page: RU", 14.5, "RU"),
                ("page: p50", 10.0, "ms"),
                ("messages", 10, "messages"),
                ("gone", 1.0, "calls"),
            ],
            "enrich": [("page: RU", 90.0, "RU")],
        }
    )
    b = doc(
        {
            "fanout": [
                ("speed", 800.0, "deliveries/s"),
                ("speed / baseline", 0.92, "x"),
                ("page: RU", 13.5, "RU"),
                ("page: p50", 10.4, "ms"),
                ("messages", 20, "messages"),
                ("new", 0.0, "calls"),
            ],
            "v2": [("feed: RU", 2.0, "RU")],
        }
    )
    rows = br.compare(a, b)
    got = {(r.bench, r.measure): r.verdict(5.0) for r in rows}
    assert got == {
        ("fanout", "speed"): "worse",  # slower
        ("fanout", "speed / baseline"): "",  # +2.2%: within 5%
        ("fanout", "page: RU"): "better",  # fewer units: -6.9%
        ("fanout", "page: p50"): "",  # +4%
        ("fanout", "messages"): "changed",
        ("fanout", "gone"): "only in a",
        ("fanout", "new"): "only in b",
        ("enrich", "page: RU"): "only in a",
        ("v2", "feed: RU"): "only in b",
    }
    # a's order first, then what only b has.
    assert [(r.bench, r.measure) for r in rows][:2] == [("fanout", "speed"), ("fanout", "speed / baseline")]
    assert [(r.bench, r.measure) for r in rows][-1] == ("v2", "feed: RU")
    speed = rows[0]
    assert speed.delta == -200.0 and speed.percent == -20.0
    # A lower threshold marks the small changes too.
    assert {(r.measure, r.verdict(2.0)) for r in rows if r.bench == "fanout"} >= {
        ("speed / baseline", "better"),
        ("page: p50", "worse"),
    }


def test_a_benchmark_run_several_times_compares_by_its_median():
    a = doc({"fanout": [("speed", 900.0, "deliveries/s"), ("speed", 100.0, "deliveries/s"), ("speed", 1000.0, "deliveries/s")]})
    b = doc({"fanout": [("speed", 1000.0, "deliveries/s"), ("speed", None, "deliveries/s")]})
    [row] = br.compare(a, b)
    assert (row.a, row.b, row.verdict(5.0)) == (900.0, 1000.0, "better")


def test_a_run_that_cannot_be_written_is_reported_not_raised(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    run = br.Run(blocker / "bench", ["v2"], ROOT)  # its directory cannot be made under a file
    run.finish("v2", 0)
    assert "cannot write" in capsys.readouterr().err and not run.path.exists()


def test_a_change_from_zero_is_infinite_and_missing_values_are_not_changes():
    row = br.Row("b", "m", "RU", 0.0, 2.0)
    assert row.percent == float("inf") and row.verdict(5.0) == "worse"
    assert br.fmt_change(row) == "+2 (from 0)"
    assert br.Row("b", "m", "RU", 0.0, 0.0).verdict(5.0) == ""
    assert br.Row("b", "m", "RU", None, None).verdict(5.0) == ""
    assert br.Row("b", "m", "RU", 1.0, None).delta is None


def test_the_table_shows_both_values_the_change_and_the_mark():
    a = doc({"fanout": [("speed", 1000.0, "deliveries/s"), ("page: RU", 14.5, "RU")]})
    b = doc({"fanout": [("speed", 1500.0, "deliveries/s"), ("page: RU", 14.5, "RU")]})
    text = br.table(br.compare(a, b), 5.0)
    lines = text.splitlines()
    assert lines[0].split() == ["bench", "measure", "unit", "a", "b", "change"]
    speed = next(line for line in lines if "speed" in line)
    assert speed.startswith("+") and "1,000" in speed and "1,500" in speed and "+500 (+50.0%)" in speed
    assert speed.rstrip().endswith("better")
    page = next(line for line in lines if "page: RU" in line)
    assert "14.5" in page and "0 (0.0%)" in page and not page.rstrip().endswith(("better", "worse"))
    only_changed = br.table(br.compare(a, b), 5.0, changed_only=True)
    assert "speed" in only_changed and "page: RU" not in only_changed


def test_compare_without_files_takes_the_two_newest_runs(tmp_path, capsys):
    runs = tmp_path / "bench"
    runs.mkdir()
    for stamp, ru in (("20260101T000000Z", 30.0), ("20260102T000000Z", 20.0), ("20260103T000000Z", 10.0)):
        (runs / f"{stamp}-enrich.json").write_text(json.dumps(doc({"enrich": [("page: RU", ru, "RU")]})))
    assert br.main([], runs) == 0
    out = capsys.readouterr().out
    assert "a = 20260102T000000Z-enrich.json" in out and "b = 20260103T000000Z-enrich.json" in out
    row = next(line for line in out.splitlines() if "page: RU" in line)
    assert "20" in row and "10" in row and "-10 (-50.0%)" in row and row.rstrip().endswith("better")

    # Two files named on the command line, older first.
    older, newest = runs / "20260101T000000Z-enrich.json", runs / "20260103T000000Z-enrich.json"
    assert br.main([str(older), str(newest), "--threshold", "80"], runs) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if "page: RU" in line)
    assert "-20 (-66.7%)" in row and not row.rstrip().endswith("better")

    assert br.main([], tmp_path / "empty") == 2
    assert "fewer than two runs" in capsys.readouterr().err


def test_the_load_report_gives_its_figures():
    stats = loadgen.Stats()
    stats.latencies["read_feed"].extend([0.010, 0.020, 0.030])
    stats.latencies["add_activity"].append(0.040)
    result = loadgen.Result(requests=4, errors=1, seconds=2.0, stats=stats)
    figures = {f["measure"]: (f["value"], f["unit"]) for f in loadgen.figures(result, {"feeds": 20480})}
    assert figures["requests"] == (4, "requests")
    assert figures["throughput"] == (2.0, "req/s")
    assert figures["errors"] == (1, "requests")
    assert figures["read_feed: p50"] == (20.0, "ms")
    assert figures["add_activity: p99"] == (40.0, "ms")
    assert figures["feeds: peak RSS"] == (20.0, "MiB")
    assert set(figures) >= {f"{op}: p50" for op in loadgen.MIX}


def test_the_benchmarks_print_the_marker_this_module_reads():
    rust = (ROOT / "tests" / "integration" / "src" / "bench.rs").read_text()
    assert f'pub const MARKER: &str = "{br.MARKER}";' in rust
    node = (ROOT / "scripts" / "lib" / "realtime_latency.mjs").read_text()
    assert f"`{br.MARKER}${{JSON.stringify(figure)}}`" in node

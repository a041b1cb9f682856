//! Machine-readable benchmark figures. A benchmark prints its table for people and, beside
//! each row, one line per figure: [`MARKER`] followed by a JSON object
//! `{"bench", "measure", "value", "unit"}`. `scripts/bench` collects these lines into one
//! JSON document per run (under `.local/bench/`) and `scripts/bench compare` sets two runs
//! side by side.

use serde_json::json;

use crate::PerCall;

/// What starts a figure line on standard output.
pub const MARKER: &str = "BENCH-FIGURE ";

/// The line for one figure: the marker and a JSON object on one line. A value that is not a
/// finite number (a rate over no time, say) is written as `null`.
pub fn figure_line(bench: &str, measure: &str, value: f64, unit: &str) -> String {
    let value = if value.is_finite() {
        json!(value)
    } else {
        serde_json::Value::Null
    };
    let object = json!({"bench": bench, "measure": measure, "value": value, "unit": unit});
    format!("{MARKER}{object}")
}

/// Prints one figure of `bench`: `measure` (what was measured) is `value` `unit`.
pub fn figure(bench: &str, measure: &str, value: f64, unit: &str) {
    println!("{}", figure_line(bench, measure, value, unit));
}

/// The lines of several figures of one row of a table: each `(quantity, value, unit)` is
/// measure `<row>: <quantity>`.
pub fn row_lines(bench: &str, row: &str, figures: &[(&str, f64, &str)]) -> Vec<String> {
    figures
        .iter()
        .map(|(quantity, value, unit)| {
            figure_line(bench, &format!("{row}: {quantity}"), *value, unit)
        })
        .collect()
}

/// Prints [`row_lines`].
pub fn row(bench: &str, row: &str, figures: &[(&str, f64, &str)]) {
    for line in row_lines(bench, row, figures) {
        println!("{line}");
    }
}

/// The figures of one measured call, averaged: read units, write units, round trips and
/// sequential round trips, each as `<operation>: <quantity>`.
pub fn per_call_lines(bench: &str, operation: &str, c: &PerCall) -> Vec<String> {
    row_lines(
        bench,
        operation,
        &[
            ("read units", c.read_units, "RU"),
            ("write units", c.write_units, "WU"),
            ("round trips", c.round_trips, "calls"),
            ("sequential round trips", c.sequential, "calls"),
        ],
    )
}

/// Prints [`per_call_lines`].
pub fn per_call(bench: &str, operation: &str, c: &PerCall) {
    for line in per_call_lines(bench, operation, c) {
        println!("{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn parse(line: &str) -> Value {
        let rest = line.strip_prefix(MARKER).expect("starts with the marker");
        assert!(!rest.contains('\n'), "one line: {line}");
        serde_json::from_str(rest).expect("JSON")
    }

    #[test]
    fn a_figure_is_the_marker_and_one_json_object() {
        let line = figure_line("fanout", "fan-out 1000: \"speed\"", 1234.5, "deliveries/s");
        assert_eq!(
            parse(&line),
            json!({"bench": "fanout", "measure": "fan-out 1000: \"speed\"",
                   "value": 1234.5, "unit": "deliveries/s"})
        );
    }

    #[test]
    fn a_value_that_is_not_finite_is_null() {
        assert_eq!(
            parse(&figure_line("b", "m", f64::NAN, "x"))["value"],
            Value::Null
        );
        assert_eq!(
            parse(&figure_line("b", "m", f64::INFINITY, "x"))["value"],
            Value::Null
        );
    }

    #[test]
    fn a_row_names_each_figure_after_the_row() {
        let lines = row_lines(
            "enrich",
            "page of 25",
            &[("p50", 3.5, "ms"), ("p99", 9.0, "ms")],
        );
        let got: Vec<Value> = lines.iter().map(|l| parse(l)).collect();
        assert_eq!(
            got,
            vec![
                json!({"bench": "enrich", "measure": "page of 25: p50", "value": 3.5, "unit": "ms"}),
                json!({"bench": "enrich", "measure": "page of 25: p99", "value": 9.0, "unit": "ms"}),
            ]
        );
    }

    #[test]
    fn a_measured_call_gives_units_round_trips_and_depth() {
        let c = PerCall {
            read_units: 1.5,
            write_units: 2.0,
            round_trips: 3.0,
            sequential: 2.0,
        };
        let figures: Vec<Value> = per_call_lines("activities", "get_activity", &c)
            .iter()
            .map(|l| parse(l))
            .collect();
        let got: Vec<(String, f64, String)> = figures
            .iter()
            .map(|f| {
                (
                    f["measure"].as_str().unwrap().to_string(),
                    f["value"].as_f64().unwrap(),
                    f["unit"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("get_activity: read units".into(), 1.5, "RU".into()),
                ("get_activity: write units".into(), 2.0, "WU".into()),
                ("get_activity: round trips".into(), 3.0, "calls".into()),
                (
                    "get_activity: sequential round trips".into(),
                    2.0,
                    "calls".into()
                ),
            ]
        );
        assert!(figures.iter().all(|f| f["bench"] == "activities"));
    }
}

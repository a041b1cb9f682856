//! Decay shapes, parameters and durations.

use serde_json::json;

use super::*;

const NOW: f64 = 1_700_000_000.0;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn custom(spec: Value) -> ApiResult<Decay> {
    Decay::parse("ranking.functions.f", &spec)
}

#[test]
fn every_shape_is_1_within_offset_and_decay_at_scale_beyond_it() {
    for base in ["decay_linear", "decay_exp", "decay_gauss"] {
        let f =
            custom(json!({"base": base, "scale": "2d", "offset": "1d", "decay": "0.3"})).unwrap();
        assert!(close(f.apply(NOW, NOW), 1.0), "{base} at origin");
        assert!(close(f.apply(NOW - 86_400.0, NOW), 1.0), "{base} at offset");
        let at_scale = NOW - 3.0 * 86_400.0;
        assert!(close(f.apply(at_scale, NOW), 0.3), "{base} at scale");
        assert!(f.apply(at_scale - 1.0, NOW) < 0.3, "{base} keeps falling");
    }
}

#[test]
fn the_built_ins_halve_at_a_week_and_linear_reaches_0() {
    for shape in [Shape::Linear, Shape::Exp, Shape::Gauss] {
        let f = Decay::builtin(shape);
        assert!(close(f.apply(NOW, NOW), 1.0));
        assert!(close(f.apply(NOW - DEFAULT_SCALE, NOW), 0.5));
        assert!(close(f.apply(NOW + DEFAULT_SCALE, NOW), 0.5));
    }
    let linear = Decay::builtin(Shape::Linear);
    // s = scale / (1 - decay) = two weeks: 0 there and beyond.
    assert_eq!(linear.apply(NOW - 2.0 * DEFAULT_SCALE, NOW), 0.0);
    assert_eq!(linear.apply(NOW - 5.0 * DEFAULT_SCALE, NOW), 0.0);
    assert!(linear.apply(f64::NAN, NOW).is_nan());
}

#[test]
fn direction_decays_one_side_only() {
    let left = custom(json!({"base": "decay_exp", "direction": "left"})).unwrap();
    assert_eq!(left.apply(NOW + DEFAULT_SCALE, NOW), 1.0);
    assert!(close(left.apply(NOW - DEFAULT_SCALE, NOW), 0.5));
    let right = custom(json!({"base": "decay_exp", "direction": "right"})).unwrap();
    assert_eq!(right.apply(NOW - DEFAULT_SCALE, NOW), 1.0);
    assert!(close(right.apply(NOW + DEFAULT_SCALE, NOW), 0.5));
}

#[test]
fn origin_defaults_to_now_for_durations_and_0_for_numbers() {
    let pop = custom(json!({"base": "decay_gauss", "scale": "100", "offset": "5", "decay": "0.5"}))
        .unwrap();
    assert_eq!(pop.origin, Origin::At(0.0));
    assert!(close(pop.apply(105.0, NOW), 0.5));
    let numeric = custom(json!({"base": "decay_exp", "scale": 10})).unwrap();
    assert_eq!(numeric.origin, Origin::At(0.0));
    let timed = custom(json!({"base": "decay_exp", "scale": "10m"})).unwrap();
    assert_eq!(timed.origin, Origin::Now);
    let fixed = custom(json!({"base": "decay_exp", "origin": "2023-11-14T22:13:20Z"})).unwrap();
    assert_eq!(fixed.origin, Origin::At(NOW));
    let given = custom(json!({"base": "decay_exp", "scale": "1", "origin": "now"})).unwrap();
    assert_eq!(given.origin, Origin::Now);
}

#[test]
fn durations() {
    assert_eq!(parse_duration("30s"), Some((30.0, true)));
    assert_eq!(parse_duration("15m"), Some((900.0, true)));
    assert_eq!(parse_duration("24h"), Some((86_400.0, true)));
    assert_eq!(parse_duration(" 5d "), Some((432_000.0, true)));
    assert_eq!(parse_duration("2w"), Some((1_209_600.0, true)));
    assert_eq!(parse_duration("1.5h"), Some((5_400.0, true)));
    assert_eq!(parse_duration("100"), Some((100.0, false)));
    for bad in ["", "d", "5x", "-1d", "5 days", "nan", "infd", "5é"] {
        assert_eq!(parse_duration(bad), None, "{bad}");
    }
}

#[test]
fn errors_name_the_parameter() {
    let field = |spec: Value| match custom(spec).unwrap_err() {
        crate::ApiError::Input { field, message } => {
            let field = field.unwrap();
            assert!(message.starts_with(&format!("{field}: ")), "{message}");
            field
        }
        other => panic!("{other:?}"),
    };
    let f = "ranking.functions.f";
    assert_eq!(field(json!({"scale": "1d"})), format!("{f}.base"));
    assert_eq!(field(json!({"base": "decay_cube"})), format!("{f}.base"));
    assert_eq!(
        field(json!({"base": "decay_exp", "scale": "5 days"})),
        format!("{f}.scale")
    );
    assert_eq!(
        field(json!({"base": "decay_exp", "scale": "0"})),
        format!("{f}.scale")
    );
    assert_eq!(
        field(json!({"base": "decay_exp", "offset": "-1"})),
        format!("{f}.offset")
    );
    assert_eq!(
        field(json!({"base": "decay_exp", "decay": "1"})),
        format!("{f}.decay")
    );
    assert_eq!(
        field(json!({"base": "decay_exp", "decay": 0})),
        format!("{f}.decay")
    );
    assert_eq!(
        field(json!({"base": "decay_exp", "origin": "soon"})),
        format!("{f}.origin")
    );
    assert_eq!(
        field(json!({"base": "decay_exp", "direction": "up"})),
        format!("{f}.direction")
    );
    assert_eq!(field(json!("decay_exp")), f.to_string());
}

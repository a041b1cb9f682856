//! A setting parsed and scored end to end, as a ranked read uses it.

use serde_json::{json, Map, Value};

use super::*;
use crate::model::reaction::ReactionGroup;
use crate::model::{ActivityContent, Location};

/// 2023-11-14T22:13:20Z, in nanoseconds.
const NOW: Nanos = 1_700_000_000_000_000_000;
const DAY: Nanos = 86_400_000_000_000;

fn activity(id: &str, created_at: Nanos) -> Activity {
    Activity::new(
        id.into(),
        "post".into(),
        "amy".into(),
        ActivityContent::default(),
        created_at,
    )
}

fn ranking(setting: Value) -> Ranking {
    Ranking::parse(&setting).unwrap()
}

fn expression(score: &str) -> Ranking {
    ranking(json!({"type": "expression", "score": score}))
}

/// Scores with no external values or interest weights.
fn score(r: &Ranking, a: &Activity) -> f64 {
    score_with(r, a, &Map::new(), 42)
}

fn score_with(r: &Ranking, a: &Activity, external: &Map<String, Value>, seed: u64) -> f64 {
    let weights = Map::new();
    let inputs = Inputs {
        now: NOW,
        seed,
        external,
        interest_weights: &weights,
    };
    r.score(a, &inputs)
}

fn eval(score_src: &str) -> f64 {
    score(&expression(score_src), &activity("a1", NOW))
}

/// The field and message of a refused setting.
fn refused(setting: Value) -> (String, String) {
    match Ranking::parse(&setting).unwrap_err() {
        ApiError::Input { field, message } => (field.unwrap(), message),
        other => panic!("{other:?}"),
    }
}

#[test]
fn precedence_and_associativity() {
    assert_eq!(eval("2 + 3 * 4"), 14.0);
    assert_eq!(eval("(2 + 3) * 4"), 20.0);
    assert_eq!(eval("-2^2"), -4.0);
    assert_eq!(eval("2^3^2"), 512.0);
    assert_eq!(eval("2^-1"), 0.5);
    assert_eq!(eval("10 - 4 - 3"), 3.0);
    assert_eq!(eval("12 / 3 / 2"), 2.0);
    assert_eq!(eval("1 < 2 ? 10 : 20"), 10.0);
    assert_eq!(eval("0 ? 1 : 0 ? 2 : 3"), 3.0);
    assert_eq!(eval("1 > 2 || 2 > 1 && 3 > 2"), 1.0);
    assert_eq!(eval("(1 > 2 || 2 > 1) && 3 < 2"), 0.0);
    assert_eq!(eval("!(1 == 1)"), 0.0);
    assert_eq!(eval("1 + 1 == 2"), 1.0);
    assert_eq!(eval("true ? 1.5e1 : 2"), 15.0);
}

#[test]
fn strings_compare() {
    assert_eq!(eval("type == \"post\" ? 2 : 1"), 2.0);
    assert_eq!(eval("type != 'post' ? 2 : 1"), 1.0);
    assert_eq!(eval("'apple' < 'banana'"), 1.0);
    assert_eq!(eval("user_id == 'amy' && type == 'post'"), 1.0);
    assert_eq!(eval("type == 1"), 0.0);
}

#[test]
fn functions() {
    let close = |src: &str, want: f64| {
        let got = eval(src);
        assert!((got - want).abs() < 1e-6, "{src}: {got} != {want}");
    };
    close("ln(1)", 0.0);
    close("LN(2.718281828459045)", 1.0);
    close("log(1000)", 3.0);
    close("sin(0) + cos(0) + tan(0)", 1.0);
    close("abs(-3)", 3.0);
    close("min(2, 5) + max(2, 5)", 7.0);
    close("trunc(-2.7)", -2.0);
    close("round(2.5) + round(-2.5)", 0.0);
    close("round(2.4)", 2.0);
    close("to_unix_timestamp(123)", 123.0);
    close("to_unix_timestamp('2023-11-14T22:13:20Z')", 1_700_000_000.0);
    close(
        "to_unix_timestamp('2023-11-14T22:13:20.5')",
        1_700_000_000.5,
    );
    close(
        "decay_linear(time) + decay_exp(time) + decay_gauss(time)",
        3.0,
    );
    close("decay_exp(time - 604800)", 0.5);
    // Paris to London, about 343.5 km.
    let paris_london = "dist(48.8566, 2.3522, 51.5074, -0.1278)";
    assert!((eval(paris_london) - 343.5).abs() < 1.0);
    let miles = eval("dist(48.8566, 2.3522, 51.5074, -0.1278, 'M')");
    assert!((miles - 343.5 / 1.609_344).abs() < 1.0);
    let nautical = eval("dist(48.8566, 2.3522, 51.5074, -0.1278, 'n')");
    assert!((nautical - 343.5 / 1.852).abs() < 1.0);
    close("dist(1, 2, 1, 2, 'km')", 0.0);
}

#[test]
fn failures_score_0() {
    assert_eq!(eval("type + 1"), 0.0);
    assert_eq!(eval("1 / 0"), 0.0);
    assert_eq!(eval("ln(-1)"), 0.0);
    assert_eq!(eval("ln(0)"), 0.0);
    assert_eq!(eval("nothing_here + 1"), 0.0);
    assert_eq!(eval("'text'"), 0.0);
    assert_eq!(eval("to_unix_timestamp('yesterday')"), 0.0);
    assert_eq!(eval("dist(0, 0, 1, 1, 'parsecs')"), 0.0);
    assert_eq!(eval("10 ^ 400"), 0.0);
    // The untaken branch is not evaluated.
    assert_eq!(eval("1 > 0 ? 5 : 1 / 0"), 5.0);
}

#[test]
fn newer_ranks_above_older_at_equal_popularity() {
    let r = ranking(json!({
        "type": "expression",
        "score": "decay_linear(time) * popularity ^ 0.5",
        "defaults": {"popularity": 1},
    }));
    assert!(r.ranks());
    assert_eq!(r.kind(), RankingType::Expression);
    let mut newer = activity("new", NOW - DAY);
    let mut older = activity("old", NOW - 3 * DAY);
    newer.reaction_count = 4;
    older.reaction_count = 4;
    assert!(score(&r, &newer) > score(&r, &older));
    assert!(score(&r, &older) > 0.0);
    // A custom popularity field (as v2 writes) wins over the counter.
    let mut popular = activity("pop", NOW - 3 * DAY);
    popular
        .content
        .custom
        .insert("popularity".into(), json!(100));
    assert!(score(&r, &popular) > score(&r, &newer));
    // The counter is the activity's own value, 0 included: defaults fill only what is absent.
    older.reaction_count = 0;
    assert_eq!(score(&r, &older), 0.0);
    // Equal popularity from the default, for a name no built-in has.
    let r = ranking(json!({
        "type": "expression",
        "score": "decay_linear(time) * votes ^ 0.5",
        "defaults": {"votes": 1},
    }));
    assert!(score(&r, &newer) > score(&r, &older));
    assert!((score(&r, &newer) - (1.0 - 1.0 / 14.0)).abs() < 1e-9);
}

#[test]
fn variables_resolve_in_order() {
    let r = expression("popularity");
    let mut a = activity("a1", NOW);
    a.reaction_count = 3;
    assert_eq!(score(&r, &a), 3.0);
    a.content.custom.insert("popularity".into(), json!(5));
    assert_eq!(score(&r, &a), 5.0);
    let external: Map<String, Value> = json!({"popularity": 7}).as_object().unwrap().clone();
    assert_eq!(score_with(&r, &a, &external, 1), 7.0);
    // `time`, `type` and `user_id` are always the activity's own.
    a.content.custom.insert("time".into(), json!(1));
    assert_eq!(score(&expression("time"), &a), 1_700_000_000.0);
    // A null counts as absent.
    a.content.custom.insert("popularity".into(), Value::Null);
    assert_eq!(score(&r, &a), 3.0);
}

#[test]
fn defaults_custom_paths_and_counters() {
    let r = ranking(json!({"type": "expression", "score": "boost * 2",
                           "defaults": {"boost": 1.5}}));
    let mut a = activity("a1", NOW);
    assert_eq!(score(&r, &a), 3.0);
    a.content.custom.insert("boost".into(), json!(4));
    assert_eq!(score(&r, &a), 8.0);

    a.content
        .custom
        .insert("stats".into(), json!({"views": {"total": 9}}));
    assert_eq!(score(&expression("custom.stats.views.total"), &a), 9.0);
    assert_eq!(score(&expression("stats.views.total"), &a), 9.0);
    assert_eq!(score(&expression("custom.stats"), &a), 0.0);

    a.reaction_groups.insert(
        "like".into(),
        ReactionGroup {
            count: 4,
            first_reaction_at: NOW,
            last_reaction_at: NOW,
        },
    );
    a.comment_count = 2;
    a.share_count = 1;
    a.bookmark_count = 3;
    a.reaction_count = 4;
    assert_eq!(score(&expression("reaction_counts.like"), &a), 4.0);
    assert_eq!(score(&expression("reaction_counts.love + 1"), &a), 1.0);
    let sum = "comment_count + share_count * 10 + bookmark_count * 100 + reaction_count * 1000";
    assert_eq!(score(&expression(sum), &a), 4312.0);

    a.content.location = Some(Location { lat: 1.0, lng: 2.0 });
    assert_eq!(score(&expression("location.lat + location.lng"), &a), 3.0);
}

#[test]
fn interest_score_sums_the_weights_of_the_tags() {
    let r = ranking(json!({"type": "interest", "score": "interest_score + 1"}));
    assert!(r.ranks());
    assert_eq!(r.kind(), RankingType::Interest);
    let mut a = activity("a1", NOW);
    a.content.interest_tags = vec!["rust".into(), "go".into(), "cooking".into()];
    let weights: Map<String, Value> = json!({"rust": 2, "go": 0.5, "golf": 9})
        .as_object()
        .unwrap()
        .clone();
    let external = Map::new();
    let inputs = Inputs {
        now: NOW,
        seed: 0,
        external: &external,
        interest_weights: &weights,
    };
    assert_eq!(r.score(&a, &inputs), 3.5);
}

#[test]
fn rand_is_reproducible() {
    let r = expression("rand()");
    let a = activity("a1", NOW);
    let b = activity("a2", NOW);
    let none = Map::new();
    let first = score_with(&r, &a, &none, 9);
    assert!((0.0..1.0).contains(&first));
    assert_eq!(first, score_with(&r, &a, &none, 9));
    assert_ne!(first, score_with(&r, &b, &none, 9));
    assert_ne!(first, score_with(&r, &a, &none, 10));
    let ranged = score_with(&expression("rand(10, 20)"), &a, &none, 9);
    assert!((10.0..20.0).contains(&ranged));
    let normal = score_with(&expression("rand_normal(-1, 1, 3, 0)"), &a, &none, 9);
    assert!((-1.0..=1.0).contains(&normal));
    // Two calls in one expression draw independently.
    assert_ne!(
        score_with(&expression("rand() - rand()"), &a, &none, 9),
        0.0
    );
    let z = score_with(&expression("rand_normal()"), &a, &none, 9);
    assert_eq!(z, score_with(&expression("rand_normal()"), &a, &none, 9));
}

#[test]
fn settings_functions_are_callable() {
    let r = ranking(json!({
        "type": "expression",
        "score": "simple_gauss(time) * Pop_Gauss(popularity)",
        "functions": {
            "simple_gauss": {"base": "decay_gauss", "scale": "5d", "offset": "1d", "decay": "0.3"},
            "pop_gauss": {"base": "decay_gauss", "scale": "100", "offset": "5", "decay": "0.5"},
        },
    }));
    let mut a = activity("a1", NOW - DAY / 2);
    a.reaction_count = 105;
    assert!((score(&r, &a) - 0.5).abs() < 1e-9);
    a.created_at = NOW - 6 * DAY;
    assert!((score(&r, &a) - 0.15).abs() < 1e-9);
}

#[test]
fn recency_needs_no_score() {
    let r = ranking(json!({"type": "recency"}));
    assert_eq!(r.kind(), RankingType::Recency);
    assert!(!r.ranks());
    assert_eq!(score(&r, &activity("a1", NOW)), 0.0);
    assert!(!ranking(json!({"type": "recency", "score": ""})).ranks());
}

#[test]
fn refusals_name_the_field() {
    let cases = [
        (
            json!({"type": "popular"}),
            "ranking.type",
            "unknown type 'popular'",
        ),
        (json!({}), "ranking.type", "type is required"),
        (
            json!({"type": "expression"}),
            "ranking.score",
            "required for type 'expression'",
        ),
        (
            json!({"type": "interest", "score": " "}),
            "ranking.score",
            "required",
        ),
        (
            json!({"type": "expression", "score": "foo(1)"}),
            "ranking.score",
            "unknown function 'foo'",
        ),
        (
            json!({"type": "expression", "score": "max(1)"}),
            "ranking.score",
            "max takes 2 arguments",
        ),
        (
            json!({"type": "expression", "score": "(1 + 2"}),
            "ranking.score",
            "expected ')' at position 6",
        ),
        (
            json!({"type": "expression", "score": 5}),
            "ranking.score",
            "must be a string",
        ),
        (
            json!({"type": "expression", "score": "1",
                   "functions": {"f": {"base": "decay_exp", "scale": "5y"}}}),
            "ranking.functions.f.scale",
            "\"5y\" is not a duration",
        ),
        (
            json!({"type": "expression", "score": "1", "defaults": {"x": [1]}}),
            "ranking.defaults.x",
            "must be a number or a string",
        ),
        (
            json!({"type": "expression", "score": "1", "functions": {"a-b": {"base": "decay_exp"}}}),
            "ranking.functions.a-b",
            "not a function name",
        ),
        (
            json!({"type": "expression", "score": "1",
                   "functions": {"f": {"base": "decay_exp"}, "F": {"base": "decay_exp"}}}),
            "ranking.functions.F",
            "defined twice",
        ),
        (json!("recency"), "ranking", "must be an object"),
    ];
    for (setting, want_field, want_text) in cases {
        let (field, message) = refused(setting.clone());
        assert_eq!(field, want_field, "{setting}");
        assert!(message.starts_with(&format!("{field}: ")), "{message}");
        assert!(message.contains(want_text), "{setting}: {message}");
    }
}

#[test]
fn score_length_is_bounded() {
    let long = format!("1{}", " + 1".repeat(MAX_SCORE_CHARS / 4));
    let (field, message) = refused(json!({"type": "expression", "score": long}));
    assert_eq!(field, "ranking.score");
    assert!(message.contains("longer than 1000 characters"), "{message}");
    let fits = format!("1{}", " + 1".repeat(MAX_SCORE_CHARS / 4 - 1));
    assert_eq!(eval(&fits), (MAX_SCORE_CHARS / 4) as f64);
}

#[test]
fn popularity_weighs_comments_bookmarks_and_shares() {
    let mut a = activity("a1", NOW);
    a.reaction_count = 1;
    a.comment_count = 1;
    a.bookmark_count = 1;
    a.share_count = 1;
    assert_eq!(score(&expression("popularity"), &a), 1.0 + 2.0 + 3.0 + 3.0);
}

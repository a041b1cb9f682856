//! Ranked feeds: a feed group's `ranking` setting, parsed once, and the score it gives each
//! activity when a ranked feed is read (highest score first).
//!
//! ```json
//! {"type": "expression",
//!  "score": "decay_linear(time) * popularity ^ 0.5",
//!  "defaults": {"popularity": 1},
//!  "functions": {"simple_gauss": {"base": "decay_gauss", "scale": "5d", "offset": "1d", "decay": "0.3"}}}
//! ```
//!
//! `type` is `recency` (time order: no score needed, [`Ranking::ranks`] is false),
//! `expression` or `interest` (both need `score`). Whatever else is given must be valid,
//! whatever the type, so a setting is refused when it is written rather than ignored when it
//! is read. Keys Tributary does not know are ignored, as Stream ignores them.
//!
//! # The score expression
//!
//! Parsed by `expr.rs` (the grammar and its bounds: at most [`MAX_SCORE_CHARS`] characters and
//! [`MAX_DEPTH`] levels of nesting), evaluated by `eval.rs` against one activity:
//!
//! - literals: numbers, `"strings"` or `'strings'`, `true`, `false`;
//! - operators, loosest first: `c ? a : b`, `||`, `&&`, `== !=`, `< <= > >=`, `+ -`, `* /`,
//!   unary `-` and `!`, then `^` (power, right-associative, so `-2^2` is -4 and `2^3^2` 512);
//! - functions (names case-insensitive): `ln log sin cos tan abs trunc round` (one argument),
//!   `min max` (two), `decay_linear decay_exp decay_gauss` (one; see `decay.rs`), `rand()` in
//!   `[0, 1)` and `rand(a, b)` in `[a, b)`, `rand_normal()` and `rand_normal(a, b, sigma, mu)` kept
//!   within `[a, b]` (see `random.rs`), `to_unix_timestamp(t)` (a number as is, an RFC 3339 or
//!   zone-less `YYYY-MM-DDTHH:MM:SS[.fff]` UTC time in seconds), and
//!   `dist(lat1, lng1, lat2, lng2[, unit])`, the great-circle distance in `"K"`/`"KM"`
//!   (kilometres, the default), `"M"` (miles) or `"N"` (nautical miles). A name defined in
//!   `functions` is a one-argument decay function and wins over a built-in of that name.
//! - variables: names with dots (`popularity`, `custom.topic`, `reaction_counts.like`),
//!   resolved as `vars.rs` describes: the caller's `external` values first, then the
//!   activity's own fields, then `defaults`.
//!
//! # Decay defaults
//!
//! The built-in `decay_linear`/`decay_exp`/`decay_gauss` measure from origin = the time of
//! the read (unix seconds, from [`Inputs::now`]), with scale = 7 days (604800 s), offset = 0,
//! decay = 0.5 and both directions: applied to `time` they give 1 for an activity written
//! now and 0.5 for one a week old.
//!
//! # Scores never fail a read
//!
//! A setting that parses can still meet an activity it cannot score (a string where a
//! number is needed, a missing variable with no default, division by zero): that activity
//! scores 0.0, as does a NaN or infinite result, so one odd activity never fails a page.

mod decay;
mod eval;
mod expr;
mod lexer;
mod random;
mod vars;

#[cfg(test)]
mod tests;

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::model::Activity;
use crate::time::Nanos;
use crate::{ApiError, ApiResult};

use self::eval::Env;
use self::expr::Expr;
use self::vars::Scalar;

/// Longest `score` expression accepted, in characters.
pub const MAX_SCORE_CHARS: usize = 1000;
/// Deepest nesting of parentheses, arguments, unary operators, exponents and ternary
/// branches accepted in a `score` expression.
pub const MAX_DEPTH: usize = 64;

/// A feed group's parsed `ranking` setting.
#[derive(Clone, Debug)]
pub struct Ranking {
    kind: RankingType,
    /// The parsed `score`; `None` for `recency`, which orders by time.
    score: Option<Expr>,
    defaults: HashMap<String, Scalar>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RankingType {
    Recency,
    Expression,
    Interest,
}

/// What a score depends on besides the activity: the read it is computed for.
#[derive(Clone, Copy, Debug)]
pub struct Inputs<'a> {
    /// When the read happens (nanoseconds since the epoch): decay on time is measured from
    /// here.
    pub now: Nanos,
    /// Seed for the rand functions: the same seed and activity id always give the same
    /// numbers, so the pages of one read agree.
    pub seed: u64,
    /// Caller-supplied variables (v3 `external_ranking`, v2 `ranking_vars`), looked up by
    /// bare name before anything else.
    pub external: &'a Map<String, Value>,
    /// v3 `interest_weights`, tag -> weight: `interest_score` is the sum of the weights of
    /// the activity's `content.interest_tags`.
    pub interest_weights: &'a Map<String, Value>,
}

impl Ranking {
    /// Parses a `ranking` setting. Errors are input errors naming the field, e.g.
    /// `ranking.type`, `ranking.score` (a parse error says what and where),
    /// `ranking.functions.<name>.scale` or `ranking.defaults.<name>`.
    pub fn parse(value: &Value) -> ApiResult<Ranking> {
        let obj = value
            .as_object()
            .ok_or_else(|| invalid("ranking", "must be an object with a type"))?;
        let kind = match obj.get("type") {
            Some(Value::String(s)) => RankingType::parse(s).ok_or_else(|| {
                invalid(
                    "ranking.type",
                    format!("unknown type '{s}': use recency, expression or interest"),
                )
            })?,
            None | Some(Value::Null) => {
                return Err(invalid(
                    "ranking.type",
                    "type is required: recency, expression or interest",
                ))
            }
            Some(_) => {
                return Err(invalid(
                    "ranking.type",
                    "type must be a string: recency, expression or interest",
                ))
            }
        };
        let defaults = parse_defaults(obj.get("defaults"))?;
        let functions = decay::parse_functions(obj.get("functions"))?;
        let score = match obj.get("score") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => Some(parse_score(s, &functions)?),
            Some(_) => return Err(invalid("ranking.score", "score must be a string")),
        };
        let score = match kind {
            RankingType::Recency => None,
            _ if score.is_none() => {
                return Err(invalid(
                    "ranking.score",
                    format!("score is required for type '{}'", kind.as_str()),
                ))
            }
            _ => score,
        };
        Ok(Ranking {
            kind,
            score,
            defaults,
        })
    }

    pub fn kind(&self) -> RankingType {
        self.kind
    }

    /// True for expression and interest: reads order by score instead of time.
    pub fn ranks(&self) -> bool {
        self.kind != RankingType::Recency
    }

    /// The activity's score: 0.0 for recency, and whenever evaluation fails or gives NaN or
    /// infinity. Never panics.
    pub fn score(&self, activity: &Activity, inputs: &Inputs) -> f64 {
        match self.evaluate(activity, inputs) {
            Ok(n) if n.is_finite() => n,
            Ok(_) => 0.0,
            Err(reason) => {
                tracing::debug!(activity = %activity.id, %reason, "activity scores 0");
                0.0
            }
        }
    }

    /// The score, or why there is none. A boolean result counts as 1 or 0.
    fn evaluate(&self, activity: &Activity, inputs: &Inputs) -> Result<f64, String> {
        let Some(expr) = &self.score else {
            return Ok(0.0);
        };
        let env = Env {
            activity,
            inputs,
            defaults: &self.defaults,
            now_secs: inputs.now as f64 / 1e9,
        };
        match eval::eval(expr, &env)? {
            Scalar::Num(n) => Ok(n),
            Scalar::Bool(b) => Ok(if b { 1.0 } else { 0.0 }),
            Scalar::Str(_) => Err("the score is a string, not a number".to_string()),
        }
    }
}

impl RankingType {
    fn parse(s: &str) -> Option<RankingType> {
        match s {
            "recency" => Some(RankingType::Recency),
            "expression" => Some(RankingType::Expression),
            "interest" => Some(RankingType::Interest),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            RankingType::Recency => "recency",
            RankingType::Expression => "expression",
            RankingType::Interest => "interest",
        }
    }
}

/// An input error on `field` whose message starts with the field, as the other settings'
/// errors do.
fn invalid(field: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError::field(field, format!("{field}: {message}"))
}

fn parse_score(source: &str, functions: &HashMap<String, decay::Decay>) -> ApiResult<Expr> {
    if source.chars().count() > MAX_SCORE_CHARS {
        return Err(invalid(
            "ranking.score",
            format!("score is longer than {MAX_SCORE_CHARS} characters"),
        ));
    }
    expr::parse(source, functions).map_err(|e| invalid("ranking.score", e))
}

/// `defaults`: name -> number or string, used when nothing else gives the variable.
fn parse_defaults(value: Option<&Value>) -> ApiResult<HashMap<String, Scalar>> {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return Ok(HashMap::new());
    };
    let map = value.as_object().ok_or_else(|| {
        invalid(
            "ranking.defaults",
            "defaults must be an object of variable names to values",
        )
    })?;
    map.iter()
        .map(|(name, v)| {
            let scalar = match v {
                Value::Number(n) => n.as_f64().map(Scalar::Num),
                Value::String(s) => Some(Scalar::Str(s.clone())),
                _ => None,
            };
            let field = format!("ranking.defaults.{name}");
            let scalar = scalar.ok_or_else(|| {
                invalid(
                    &field,
                    format!("the default for '{name}' must be a number or a string"),
                )
            })?;
            Ok((name.clone(), scalar))
        })
        .collect()
}

//! Stream's decay functions: 1 near an origin, falling with distance from it, so fresh (or
//! nearby, or popular) activities rank first.
//!
//! With distance `d = max(0, |x - origin| - offset)`:
//!
//! - linear: `max(0, (s - d) / s)` with `s = scale / (1 - decay)`;
//! - exp: `exp(ln(decay) / scale * d)`;
//! - gauss: `exp(-d² / (2σ²))` with `σ² = -scale² / (2 ln(decay))`.
//!
//! All three are 1 within `offset` of the origin and exactly `decay` at `offset + scale`.
//! `direction` `left` decays only values below the origin (those at or above it score 1),
//! `right` only values above it; `both` (the default) decays either side.
//!
//! A setting's `functions` define named variants, e.g.
//! `{"base": "decay_gauss", "scale": "5d", "offset": "1d", "decay": "0.3"}`. Values are
//! strings in Stream's API; numbers are accepted too. `scale` and `offset` are durations
//! (`30s`, `15m`, `24h`, `5d`, `2w`, in seconds) or plain numbers; `origin` is `now`, a number
//! or an RFC 3339 time (in unix seconds). Without an origin, a function whose scale is a
//! duration (or is not given) decays from now, one whose scale is a plain number from 0:
//! the first is meant for `time`, the second for counts such as `popularity`.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::invalid;
use crate::ApiResult;

/// The built-in functions' scale: 7 days, in seconds.
pub(super) const DEFAULT_SCALE: f64 = 604_800.0;
/// The built-in functions' value at `offset + scale`.
pub(super) const DEFAULT_DECAY: f64 = 0.5;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Shape {
    Linear,
    Exp,
    Gauss,
}

impl Shape {
    /// The shape of a built-in function name (lowercase).
    pub(super) fn from_name(name: &str) -> Option<Shape> {
        match name {
            "decay_linear" => Some(Shape::Linear),
            "decay_exp" => Some(Shape::Exp),
            "decay_gauss" => Some(Shape::Gauss),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Origin {
    /// The time of the read, in unix seconds.
    Now,
    At(f64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Direction {
    Left,
    Right,
    Both,
}

/// One decay function with all its parameters settled.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Decay {
    shape: Shape,
    origin: Origin,
    /// Greater than 0.
    scale: f64,
    /// At least 0.
    offset: f64,
    /// Strictly between 0 and 1.
    decay: f64,
    direction: Direction,
}

impl Decay {
    /// `decay_linear`, `decay_exp` or `decay_gauss` with the built-in parameters.
    pub(super) fn builtin(shape: Shape) -> Decay {
        Decay {
            shape,
            origin: Origin::Now,
            scale: DEFAULT_SCALE,
            offset: 0.0,
            decay: DEFAULT_DECAY,
            direction: Direction::Both,
        }
    }

    /// The function's value at `x`, with `now` (unix seconds) as the origin `now`.
    pub(super) fn apply(&self, x: f64, now: f64) -> f64 {
        if x.is_nan() {
            return f64::NAN;
        }
        let origin = match self.origin {
            Origin::Now => now,
            Origin::At(o) => o,
        };
        let decays = match self.direction {
            Direction::Left => x < origin,
            Direction::Right => x > origin,
            Direction::Both => true,
        };
        if !decays {
            return 1.0;
        }
        let d = ((x - origin).abs() - self.offset).max(0.0);
        match self.shape {
            Shape::Linear => {
                let s = self.scale / (1.0 - self.decay);
                ((s - d) / s).max(0.0)
            }
            Shape::Exp => (self.decay.ln() / self.scale * d).exp(),
            Shape::Gauss => {
                let sigma2 = -(self.scale * self.scale) / (2.0 * self.decay.ln());
                (-(d * d) / (2.0 * sigma2)).exp()
            }
        }
    }

    /// One entry of `functions`; `at` is its field, `ranking.functions.<name>`.
    fn parse(at: &str, spec: &Value) -> ApiResult<Decay> {
        let obj = spec
            .as_object()
            .ok_or_else(|| invalid(at, "a function must be an object with a base"))?;
        let field = |key: &str| format!("{at}.{key}");
        let shape = obj
            .get("base")
            .and_then(Value::as_str)
            .and_then(|b| Shape::from_name(&b.to_ascii_lowercase()))
            .ok_or_else(|| {
                invalid(
                    &field("base"),
                    "base must be decay_linear, decay_exp or decay_gauss",
                )
            })?;
        let mut decay = Decay::builtin(shape);
        let mut scale_is_duration = true;
        if let Some(v) = param(obj, "scale") {
            let (secs, is_duration) = length(&field("scale"), v)?;
            if secs <= 0.0 {
                return Err(invalid(&field("scale"), "scale must be greater than 0"));
            }
            decay.scale = secs;
            scale_is_duration = is_duration;
        }
        if let Some(v) = param(obj, "offset") {
            let (secs, _) = length(&field("offset"), v)?;
            if secs < 0.0 {
                return Err(invalid(&field("offset"), "offset must not be negative"));
            }
            decay.offset = secs;
        }
        decay.origin = match param(obj, "origin") {
            Some(v) => origin(&field("origin"), v)?,
            None if scale_is_duration => Origin::Now,
            None => Origin::At(0.0),
        };
        if let Some(v) = param(obj, "decay") {
            decay.decay = number(v).filter(|d| *d > 0.0 && *d < 1.0).ok_or_else(|| {
                invalid(
                    &field("decay"),
                    "decay must be a number between 0 and 1, exclusive",
                )
            })?;
        }
        if let Some(v) = param(obj, "direction") {
            decay.direction = match v.as_str() {
                Some("left") => Direction::Left,
                Some("right") => Direction::Right,
                Some("both") => Direction::Both,
                _ => {
                    return Err(invalid(
                        &field("direction"),
                        "direction must be left, right or both",
                    ))
                }
            };
        }
        Ok(decay)
    }
}

/// A setting's `functions`, keyed by lowercase name (calls are matched in lowercase).
pub(super) fn parse_functions(value: Option<&Value>) -> ApiResult<HashMap<String, Decay>> {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return Ok(HashMap::new());
    };
    let map = value.as_object().ok_or_else(|| {
        invalid(
            "ranking.functions",
            "functions must be an object of names to functions",
        )
    })?;
    let mut out = HashMap::new();
    for (name, spec) in map {
        let at = format!("ranking.functions.{name}");
        let mut chars = name.chars();
        let valid = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(invalid(
                &at,
                format!("'{name}' is not a function name: use letters, digits and '_'"),
            ));
        }
        let decay = Decay::parse(&at, spec)?;
        if out.insert(name.to_ascii_lowercase(), decay).is_some() {
            return Err(invalid(
                &at,
                format!("'{name}' is defined twice (function names ignore case)"),
            ));
        }
    }
    Ok(out)
}

/// A parameter that is present and not `null`.
fn param<'v>(obj: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    obj.get(key).filter(|v| !v.is_null())
}

/// A finite number, given as one or as a string.
fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|n| n.is_finite())
}

/// A scale or offset in seconds, and whether it was written as a duration.
fn length(field: &str, value: &Value) -> ApiResult<(f64, bool)> {
    let parsed = match value {
        Value::String(s) => parse_duration(s),
        other => number(other).map(|n| (n, false)),
    };
    parsed.ok_or_else(|| {
        invalid(
            field,
            format!("{value} is not a duration (like 30s, 15m, 24h, 5d or 2w) or a number"),
        )
    })
}

/// `"5d"` as (432000, true); a plain number such as `"100"` as (100, false). Units: `s`,
/// `m` (minutes), `h`, `d`, `w`.
pub(super) fn parse_duration(raw: &str) -> Option<(f64, bool)> {
    let raw = raw.trim();
    if let Ok(n) = raw.parse::<f64>() {
        return n.is_finite().then_some((n, false));
    }
    let (split, unit) = raw.char_indices().last()?;
    let seconds = match unit {
        's' => 1.0,
        'm' => 60.0,
        'h' => 3_600.0,
        'd' => 86_400.0,
        'w' => 604_800.0,
        _ => return None,
    };
    let n = raw[..split].parse::<f64>().ok()?;
    (n.is_finite() && n >= 0.0).then_some((n * seconds, true))
}

fn origin(field: &str, value: &Value) -> ApiResult<Origin> {
    if let Some(n) = number(value) {
        return Ok(Origin::At(n));
    }
    let text = value.as_str().map(str::trim).unwrap_or_default();
    if text.eq_ignore_ascii_case("now") {
        return Ok(Origin::Now);
    }
    crate::time::parse_rfc3339(text)
        .map(|ns| Origin::At(ns as f64 / 1e9))
        .ok_or_else(|| invalid(field, "origin must be 'now', a number or an RFC 3339 time"))
}

#[cfg(test)]
mod tests;

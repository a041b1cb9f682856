//! Timestamps. On the wire they are integer nanoseconds since the Unix epoch; requests may
//! also send RFC 3339 strings (`expires_at`).

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;

use crate::ApiError;
use crate::ApiResult;

/// Nanoseconds since the Unix epoch.
pub type Nanos = i64;

pub fn now_nanos() -> Nanos {
    Utc::now().timestamp_nanos_opt().unwrap_or(i64::MAX)
}

/// Parses a timestamp a client sent: an RFC 3339 string, or a number (nanoseconds when it is
/// that large, otherwise seconds, possibly fractional). `None` when it is neither.
pub fn parse_timestamp(value: &Value) -> Option<Nanos> {
    match value {
        Value::String(s) => parse_rfc3339(s),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                // Anything past year ~2286 in seconds is certainly nanoseconds (or ms/us).
                Some(scale_integer(i))
            } else {
                n.as_f64().map(|secs| (secs * 1e9) as i64)
            }
        }
        _ => None,
    }
}

fn scale_integer(i: i64) -> Nanos {
    let abs = i.unsigned_abs();
    if abs >= 100_000_000_000_000_000 {
        i // nanoseconds
    } else if abs >= 100_000_000_000_000 {
        i.saturating_mul(1_000) // microseconds
    } else if abs >= 100_000_000_000 {
        i.saturating_mul(1_000_000) // milliseconds
    } else {
        i.saturating_mul(1_000_000_000) // seconds
    }
}

/// An age such as `30d`, `2w`, `6mo` or `1y` (months are 30 days, years 365), in
/// nanoseconds.
pub fn parse_age(raw: &str) -> Option<Nanos> {
    let raw = raw.trim();
    let split = raw.find(|c: char| !c.is_ascii_digit())?;
    let (digits, unit) = raw.split_at(split);
    let n: i64 = digits.parse().ok().filter(|n| *n > 0)?;
    let days = match unit {
        "d" => 1,
        "w" => 7,
        "mo" => 30,
        "y" => 365,
        _ => return None,
    };
    n.checked_mul(days)?.checked_mul(86_400_000_000_000)
}

pub fn parse_rfc3339(s: &str) -> Option<Nanos> {
    let parsed = DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            // Accept a zone-less form as UTC, as Stream's v2 API does.
            NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        })?;
    parsed.timestamp_nanos_opt()
}

/// `expires_at` as clients send it: RFC 3339 or a number; `null`/empty clears it.
pub fn parse_expires_at(v: &Value) -> ApiResult<Option<i64>> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s.is_empty() => Ok(None),
        other => parse_timestamp(other).map(Some).ok_or_else(|| {
            ApiError::field(
                "expires_at",
                format!("expires_at: {other} is not an RFC 3339 time or a timestamp"),
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ages() {
        let day = 86_400_000_000_000;
        assert_eq!(parse_age("30d"), Some(30 * day));
        assert_eq!(parse_age("2w"), Some(14 * day));
        assert_eq!(parse_age("6mo"), Some(180 * day));
        assert_eq!(parse_age("1y"), Some(365 * day));
        assert_eq!(parse_age("0d"), None);
        assert_eq!(parse_age("3m"), None);
        assert_eq!(parse_age(""), None);
    }

    #[test]
    fn parses_rfc3339_and_numbers() {
        let ns = 1_753_883_232_814_202_000_i64;
        assert_eq!(
            parse_timestamp(&json!("2025-07-30T13:47:12.814202Z")),
            Some(ns)
        );
        assert_eq!(parse_timestamp(&json!(ns)), Some(ns));
        assert_eq!(
            parse_timestamp(&json!(1_753_883_232)),
            Some(1_753_883_232_000_000_000)
        );
        assert_eq!(
            parse_timestamp(&json!(1_753_883_232_814_i64)),
            Some(1_753_883_232_814_000_000)
        );
        assert_eq!(
            parse_timestamp(&json!("2025-07-30T13:47:12")),
            Some(1_753_883_232_000_000_000)
        );
        assert_eq!(parse_timestamp(&json!("tomorrow")), None);
        assert_eq!(parse_timestamp(&json!(true)), None);
    }
}

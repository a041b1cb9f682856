//! `query_feeds_usage_stats` (`POST /api/v2/feeds/stats/usage`, server-side only): the app's
//! activities added, follows made and API requests answered per UTC day, from the counters
//! every function keeps (`tributary_http::usage`).
//!
//! This instance writes its own pending counts first; other instances' counts show once
//! they have written theirs (at most `USAGE_FLUSH_SECONDS` after their last request, 10 s
//! deployed, at once on the local stack). `openai_requests` is always zero: Tributary makes
//! no OpenAI requests.

use axum::extract::State;
use axum::Json;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tributary_domain::{ApiError, ApiResult};
use tributary_http::usage::{ACTIVITIES, API_REQUESTS, FOLLOWS};
use tributary_http::{AppState, Auth, Body, HttpResult};
use tributary_store::DailyCounts;

/// Days shown when `from` is not given: the 30 before `to`, and `to`.
const DEFAULT_DAYS: i64 = 30;
/// Longest range one query may cover.
const MAX_DAYS: i64 = 366;

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct UsageStatsRequest {
    /// First day, `YYYY-MM-DD` (default: 30 days before `to`).
    from: Option<String>,
    /// Last day, `YYYY-MM-DD` (default: today, UTC).
    to: Option<String>,
}

/// Stream's `DailyMetricResponse`.
#[derive(Debug, Serialize)]
pub struct DailyValue {
    date: String,
    value: i64,
}

/// Stream's `DailyMetricStatsResponse`: the range's total and every day's value.
#[derive(Debug, Serialize)]
pub struct MetricStats {
    total: i64,
    daily: Vec<DailyValue>,
}

/// Stream's `QueryFeedsUsageStatsResponse`.
#[derive(Debug, Serialize)]
pub struct UsageStatsReply {
    activities: MetricStats,
    api_requests: MetricStats,
    follows: MetricStats,
    openai_requests: MetricStats,
}

fn parse_day(field: &str, raw: &str) -> ApiResult<NaiveDate> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| ApiError::field(field, format!("{field}: '{raw}' is not a date YYYY-MM-DD")))
}

/// The days asked for, first to last, checked.
fn range(req: &UsageStatsRequest) -> ApiResult<(NaiveDate, NaiveDate)> {
    let to = match req.to.as_deref().filter(|s| !s.is_empty()) {
        Some(raw) => parse_day("to", raw)?,
        None => chrono::Utc::now().date_naive(),
    };
    let from = match req.from.as_deref().filter(|s| !s.is_empty()) {
        Some(raw) => parse_day("from", raw)?,
        None => to - chrono::Duration::days(DEFAULT_DAYS),
    };
    if from > to {
        return Err(ApiError::field("from", "from: must not be after to"));
    }
    if (to - from).num_days() + 1 > MAX_DAYS {
        return Err(ApiError::field(
            "from",
            format!("from: a query covers at most {MAX_DAYS} days"),
        ));
    }
    Ok((from, to))
}

/// One counter's figures over the range, every day listed (zero when nothing was counted).
fn stats(counts: &DailyCounts, counter: &str, from: NaiveDate, to: NaiveDate) -> MetricStats {
    let daily: Vec<DailyValue> = from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|d| {
            let date = d.format("%Y-%m-%d").to_string();
            let value = counts
                .get(&date)
                .and_then(|day| day.get(counter))
                .copied()
                .unwrap_or(0);
            DailyValue { date, value }
        })
        .collect();
    MetricStats {
        total: daily.iter().map(|d| d.value).sum(),
        daily,
    }
}

pub async fn query_usage_stats(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<UsageStatsRequest>,
) -> HttpResult<Json<UsageStatsReply>> {
    if !caller.is_server() {
        return Err(
            ApiError::not_allowed("only server-side requests may read the app's usage").into(),
        );
    }
    let (from, to) = range(&req)?;
    s.usage.flush(&s.store).await?;
    let counts = s
        .store
        .usage_between(
            &from.format("%Y-%m-%d").to_string(),
            &to.format("%Y-%m-%d").to_string(),
        )
        .await?;
    Ok(Json(UsageStatsReply {
        activities: stats(&counts, ACTIVITIES, from, to),
        api_requests: stats(&counts, API_REQUESTS, from, to),
        follows: stats(&counts, FOLLOWS, from, to),
        openai_requests: stats(&counts, "openai_requests", from, to),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(from: Option<&str>, to: Option<&str>) -> UsageStatsRequest {
        UsageStatsRequest {
            from: from.map(str::to_string),
            to: to.map(str::to_string),
        }
    }

    #[test]
    fn ranges_default_to_the_last_thirty_days_and_are_checked() {
        let (from, to) = range(&req(None, Some("2026-03-31"))).unwrap();
        assert_eq!(to, NaiveDate::from_ymd_opt(2026, 3, 31).unwrap());
        assert_eq!(from, NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());
        assert!(range(&req(Some("2026-02-30"), None)).is_err());
        assert!(range(&req(Some("2026-03-02"), Some("2026-03-01"))).is_err());
        assert!(range(&req(Some("2024-01-01"), Some("2026-01-01"))).is_err());
        assert!(range(&req(Some("2026-01-01"), Some("2026-01-01"))).is_ok());
    }

    #[test]
    fn every_day_is_listed_and_totals_add_up() {
        let mut counts = DailyCounts::new();
        counts
            .entry("2026-03-02".into())
            .or_default()
            .insert("activities".into(), 4);
        counts
            .entry("2026-03-03".into())
            .or_default()
            .insert("activities".into(), 1);
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        let s = stats(&counts, "activities", day(1), day(3));
        assert_eq!(s.total, 5);
        let values: Vec<(&str, i64)> = s.daily.iter().map(|d| (d.date.as_str(), d.value)).collect();
        assert_eq!(
            values,
            vec![("2026-03-01", 0), ("2026-03-02", 4), ("2026-03-03", 1)]
        );
    }
}

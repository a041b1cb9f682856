//! Per-user marks on activities: hidden by feedback, watched (stories); and the feedback
//! itself, kept beside the activity for ranking.

use std::collections::HashSet;

use aws_sdk_dynamodb::types::AttributeValue;

use super::{n, Store};
use crate::keys;
use tributary_domain::time::Nanos;
use tributary_domain::ApiResult;

/// What a reader has marked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserMarks {
    pub hidden: HashSet<String>,
    pub watched: HashSet<String>,
}

/// A user's feedback on one activity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Feedback {
    pub hide: Option<bool>,
    pub show_less: Option<bool>,
    pub show_more: Option<bool>,
}

fn set(item: &std::collections::HashMap<String, AttributeValue>, name: &str) -> HashSet<String> {
    match item.get(name) {
        Some(AttributeValue::Ss(list)) => list.iter().cloned().collect(),
        _ => HashSet::new(),
    }
}

impl Store {
    pub async fn user_marks(&self, user_id: &str) -> ApiResult<UserMarks> {
        let item = self
            .get_raw("read user marks", keys::user_marks(user_id), false)
            .await?;
        Ok(match item {
            Some(item) => UserMarks {
                hidden: set(&item, "hidden"),
                watched: set(&item, "watched"),
            },
            None => UserMarks::default(),
        })
    }

    /// Adds (`on`) or removes activity ids from one of the user's marks (`hidden`, `watched`).
    pub async fn mark_activities(
        &self,
        user_id: &str,
        mark: &str,
        ids: &[String],
        on: bool,
    ) -> ApiResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let verb = if on { "ADD" } else { "DELETE" };
        self.run(
            "mark activities",
            self.update(keys::user_marks(user_id))
                .update_expression(format!("{verb} #mark :ids"))
                .expression_attribute_names("#mark", mark)
                .expression_attribute_values(":ids", AttributeValue::Ss(ids.to_vec())),
        )
        .await?;
        Ok(())
    }

    /// Stores a user's feedback on an activity (the flags sent; others keep their value).
    pub async fn put_feedback(
        &self,
        activity_id: &str,
        user_id: &str,
        feedback: Feedback,
        now: Nanos,
    ) -> ApiResult<()> {
        let mut sets = vec!["updated_at = :now".to_string()];
        let mut request = self
            .update(keys::activity_feedback(activity_id, user_id))
            .expression_attribute_values(":now", n(now));
        for (name, value) in [
            ("hide", feedback.hide),
            ("show_less", feedback.show_less),
            ("show_more", feedback.show_more),
        ] {
            if let Some(v) = value {
                sets.push(format!("{name} = :{name}"));
                request = request
                    .expression_attribute_values(format!(":{name}"), AttributeValue::Bool(v));
            }
        }
        self.run(
            "store feedback",
            request.update_expression(format!("SET {}", sets.join(", "))),
        )
        .await?;
        Ok(())
    }
}

//! Users: upserted in place, read in batches to render activities.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::ReturnValue;
use futures::stream::{self, StreamExt, TryStreamExt};

use super::Store;
use crate::keys;
use tributary_domain::model::User;
use tributary_domain::ApiResult;

/// Upserts one store keeps in flight.
const CONCURRENCY: usize = 8;

impl Store {
    /// Creates or replaces users, keeping each one's original `created_at`.
    pub async fn upsert_users(&self, users: Vec<User>) -> ApiResult<Vec<User>> {
        stream::iter(users)
            .map(|u| self.upsert_user(u))
            .buffer_unordered(CONCURRENCY)
            .try_collect()
            .await
    }

    async fn upsert_user(&self, user: User) -> ApiResult<User> {
        let mut attrs: HashMap<String, aws_sdk_dynamodb::types::AttributeValue> =
            crate::document::to_item("serialize user", &user)?;
        let created_at = attrs.remove("created_at");
        let mut names = HashMap::new();
        let mut values = HashMap::new();
        let mut sets = Vec::new();
        for (i, (name, value)) in attrs.into_iter().enumerate() {
            names.insert(format!("#a{i}"), name);
            values.insert(format!(":v{i}"), value);
            sets.push(format!("#a{i} = :v{i}"));
        }
        names.insert("#created".into(), "created_at".into());
        if let Some(created_at) = created_at {
            values.insert(":created".into(), created_at);
        }
        sets.push("#created = if_not_exists(#created, :created)".into());
        let mut expression = format!("SET {}", sets.join(", "));
        // Optional fields the new version lacks are removed.
        let mut removes = Vec::new();
        for optional in ["name", "image", "teams_role"] {
            if !names.values().any(|n| n == optional) {
                let alias = format!("#r{}", removes.len());
                names.insert(alias.clone(), optional.to_string());
                removes.push(alias);
            }
        }
        if !removes.is_empty() {
            expression.push_str(&format!(" REMOVE {}", removes.join(", ")));
        }
        let out = self
            .run(
                "upsert user",
                self.update(keys::user(&user.id))
                    .update_expression(expression)
                    .set_expression_attribute_names(Some(names))
                    .set_expression_attribute_values(Some(values))
                    .return_values(ReturnValue::AllNew),
            )
            .await?;
        crate::document::from_item("parse user", out.attributes.unwrap_or_default())
    }

    /// Reads users by id; unknown ids are absent from the map.
    pub async fn get_users<'a>(
        &self,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> ApiResult<HashMap<String, User>> {
        let keys: Vec<keys::Key> = ids.into_iter().map(keys::user).collect();
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        self.batch_get(keys)
            .await?
            .into_iter()
            .map(|item| {
                crate::document::from_item::<User>("parse user", item).map(|u| (u.id.clone(), u))
            })
            .collect()
    }
}

impl Store {
    /// Creates (with defaults) those of the given users that do not exist yet: what
    /// `create_users` asks for. Existing users are left as they are.
    pub async fn create_missing_users(
        &self,
        ids: &[&str],
        now: tributary_domain::time::Nanos,
    ) -> ApiResult<()> {
        let existing = self.get_users(ids.iter().copied()).await?;
        let mut missing: Vec<User> = Vec::new();
        for id in ids {
            if !existing.contains_key(*id) && !missing.iter().any(|u| u.id == *id) {
                let mut user = User::placeholder(id);
                user.created_at = now;
                user.updated_at = now;
                missing.push(user);
            }
        }
        if !missing.is_empty() {
            self.upsert_users(missing).await?;
        }
        Ok(())
    }
}

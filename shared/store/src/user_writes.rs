//! The user writes beside v3's whole-user upsert (`users.rs`): create only if new, change a
//! user's profile fields alone, delete. v2's `user/` endpoints use them; v3's
//! `delete_users` can too.

use aws_sdk_dynamodb::types::ReturnValue;
use serde_json::{Map, Value};

use super::batch::Item;
use super::{n, s, Store};
use crate::keys;
use tributary_domain::model::User;
use tributary_domain::time::Nanos;
use tributary_domain::ApiResult;

/// The profile fields one update replaces; every other field (role, teams, language, ...)
/// is left as it is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Profile {
    pub name: Option<String>,
    pub image: Option<String>,
    pub custom: Map<String, Value>,
}

impl Store {
    /// Creates `user` unless one with its id exists: `Ok(None)` when created, else the
    /// stored user (read consistently), unchanged.
    pub async fn create_user(&self, user: &User) -> ApiResult<Option<User>> {
        let mut item: Item = crate::document::to_item("serialize user", user)?;
        item.extend(keys::user(&user.id).to_item());
        let request = self
            .put(item)
            .condition_expression("attribute_not_exists(pk)");
        if self.run_if("create user", request).await?.is_some() {
            return Ok(None);
        }
        let stored: Option<User> = self
            .get_item("get user", keys::user(&user.id), true)
            .await?;
        // Deleted between the two calls: the create can be retried by the client.
        Ok(Some(stored.unwrap_or_else(|| user.clone())))
    }

    /// One user, read consistently.
    pub async fn get_user(&self, id: &str) -> ApiResult<Option<User>> {
        self.get_item("get user", keys::user(id), true).await
    }

    /// Replaces a user's name, image and custom data; `Ok(None)` when there is no such user.
    pub async fn update_user_profile(
        &self,
        id: &str,
        profile: &Profile,
        now: Nanos,
    ) -> ApiResult<Option<User>> {
        let mut sets = vec!["custom = :c".to_string(), "updated_at = :now".to_string()];
        let mut removes = Vec::new();
        let mut request = self
            .update(keys::user(id))
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(
                ":c",
                crate::document::document("custom", &profile.custom)?,
            )
            .expression_attribute_values(":now", n(now))
            .expression_attribute_names("#name", "name")
            .expression_attribute_names("#image", "image");
        // Fields the new profile lacks are removed, as v3's upsert does.
        for (alias, placeholder, value) in [
            ("#name", ":name", &profile.name),
            ("#image", ":image", &profile.image),
        ] {
            match value {
                Some(v) => {
                    sets.push(format!("{alias} = {placeholder}"));
                    request = request.expression_attribute_values(placeholder, s(v));
                }
                None => removes.push(alias),
            }
        }
        let mut expression = format!("SET {}", sets.join(", "));
        if !removes.is_empty() {
            expression.push_str(&format!(" REMOVE {}", removes.join(", ")));
        }
        let request = request
            .update_expression(expression)
            .return_values(ReturnValue::AllNew);
        match self.run_if("update user profile", request).await? {
            Some(out) => Ok(Some(crate::document::from_item(
                "parse user",
                out.attributes.unwrap_or_default(),
            )?)),
            None => Ok(None),
        }
    }

    /// Deletes a user's record; `Ok(false)` when there was none. Their activities, reactions
    /// and follows stay (readers then see the user as never upserted).
    pub async fn delete_user(&self, id: &str) -> ApiResult<bool> {
        let request = self
            .delete(keys::user(id))
            .condition_expression("attribute_exists(pk)");
        Ok(self.run_if("delete user", request).await?.is_some())
    }
}

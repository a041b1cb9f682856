//! v2 users and the domain's users (the same records v3's `upsert_users` writes), both ways.
//!
//! | v2 | domain (what v3 reads) |
//! | --- | --- |
//! | `id` | `id` |
//! | `data.name`, `data.image` when they are strings | `name`, `image` |
//! | every other key of `data` (and `name`/`image` when not strings) | `custom` |
//! | `created_at`, `updated_at` | `created_at`, `updated_at` |
//!
//! Reading back, `data` is `custom` with `name` and `image` added when the user has them
//! (the user's own `name`/`image` win over keys of the same name in `custom`). So what v2
//! writes reads back the same, and a user upserted through v3 with a name shows it in v2's
//! `data`. `role`, `teams`, `language`, `invisible` and `teams_role` have no v2 form: v2 never
//! shows them and its updates keep them.

use serde_json::{json, Map, Value};
use tributary_domain::model::User;
use tributary_domain::{validate, ApiError, ApiResult};
use tributary_store::Profile;

use crate::time;

/// The profile fields that have their own place in the domain's user.
const PROFILE_FIELDS: [&str; 2] = ["name", "image"];

/// `data` as sent: absent or null is `{}`; anything but an object is refused, and so is
/// one over the limits of custom data (10 KB, 64 levels).
pub fn parse_data(raw: Option<&Value>) -> ApiResult<Map<String, Value>> {
    match raw {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(v @ Value::Object(m)) => {
            validate::document("data", v)?;
            Ok(m.clone())
        }
        Some(_) => Err(ApiError::field("data", "data must be a JSON object")),
    }
}

/// Removes and answers `data[field]` when it is a string.
fn take_string(data: &mut Map<String, Value>, field: &str) -> Option<String> {
    if !matches!(data.get(field), Some(Value::String(_))) {
        return None;
    }
    match data.shift_remove(field) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

/// The domain profile a v2 `data` stands for.
pub fn profile_of(mut data: Map<String, Value>) -> Profile {
    let name = take_string(&mut data, "name");
    let image = take_string(&mut data, "image");
    Profile {
        name,
        image,
        custom: data,
    }
}

/// A user's v2 `data`.
pub fn data_of(u: &User) -> Map<String, Value> {
    let mut data = u.custom.clone();
    for (field, value) in PROFILE_FIELDS.iter().zip([&u.name, &u.image]) {
        if let Some(v) = value {
            data.insert(field.to_string(), Value::String(v.clone()));
        }
    }
    data
}

/// A user as v2 shows it: what `user/` add answers and what `SU:` references enrich to.
pub fn render(u: &User) -> Value {
    json!({
        "id": u.id,
        "data": data_of(u),
        "created_at": time::format(u.created_at),
        "updated_at": time::format(u.updated_at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(profile: Profile) -> User {
        let mut u = User::placeholder("amy");
        u.name = profile.name;
        u.image = profile.image;
        u.custom = profile.custom;
        u.created_at = 1_700_000_000_123_456_789;
        u.updated_at = u.created_at;
        u
    }

    #[test]
    fn name_and_image_strings_are_the_users_own_fields() {
        let data = json!({"name": "Amy", "image": "a.png", "likes": ["x"]});
        let profile = profile_of(data.as_object().unwrap().clone());
        assert_eq!(profile.name.as_deref(), Some("Amy"));
        assert_eq!(profile.image.as_deref(), Some("a.png"));
        assert_eq!(
            Value::Object(profile.custom.clone()),
            json!({"likes": ["x"]})
        );
        let shown = render(&user(profile));
        assert_eq!(shown["data"], data);
        assert_eq!(shown["created_at"], "2023-11-14T22:13:20.123456");
        assert_eq!(shown["id"], "amy");
    }

    #[test]
    fn other_name_values_stay_custom() {
        let data = json!({"name": {"first": "A"}});
        let profile = profile_of(data.as_object().unwrap().clone());
        assert_eq!(profile.name, None);
        assert_eq!(render(&user(profile))["data"], data);
    }

    #[test]
    fn data_must_be_an_object_or_null() {
        assert!(parse_data(None).unwrap().is_empty());
        assert!(parse_data(Some(&Value::Null)).unwrap().is_empty());
        assert!(matches!(
            parse_data(Some(&json!("some string"))),
            Err(ApiError::Input { field: Some(f), .. }) if f == "data"
        ));
    }
}

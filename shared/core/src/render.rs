//! Turns stored activities into responses: loads the authors, mentioned users and shared
//! parents every activity on a page needs in batched reads, never one call per activity.

use std::collections::{HashMap, HashSet};

use crate::model::response::{ActivityResponse, UserDirectory};
use crate::model::Activity;
use crate::store::Store;
use crate::ApiResult;

/// Renders activities in order. One batched read for parents (when any are shares) and one
/// for users.
pub async fn activities(store: &Store, list: &[Activity]) -> ApiResult<Vec<ActivityResponse>> {
    let parent_ids: Vec<String> = list
        .iter()
        .filter_map(|a| a.parent_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let parents: HashMap<String, Activity> = if parent_ids.is_empty() {
        HashMap::new()
    } else {
        store.get_activities(&parent_ids).await?
    };

    let user_ids: HashSet<&str> = list
        .iter()
        .chain(parents.values())
        .flat_map(ActivityResponse::user_ids)
        .collect();
    let users = UserDirectory(store.get_users(user_ids).await?);

    Ok(list
        .iter()
        .map(|a| {
            let parent = a
                .parent_id
                .as_ref()
                .and_then(|id| parents.get(id))
                .map(|p| ActivityResponse::render(p, &users, None));
            ActivityResponse::render(a, &users, parent)
        })
        .collect())
}

pub async fn activity(store: &Store, a: &Activity) -> ApiResult<ActivityResponse> {
    let mut rendered = activities(store, std::slice::from_ref(a)).await?;
    Ok(rendered.pop().expect("one activity in, one out"))
}

//! Changing a v2 reaction in the record that holds it: its data (`PUT reaction/{id}/`),
//! deleting it (`DELETE reaction/{id}/?soft=`) and restoring a soft-deleted one
//! (`PUT reaction/{id}/restore/`).
//!
//! A reaction v3 holds by key has no soft delete in v3: soft-deleting it moves it out of
//! v3 into a deleted v2-only record under the same id, and restoring it moves it back when
//! v3 can hold it again (the subject is live and the user has no reaction of that type),
//! otherwise it is restored as the v2-only record.

use serde_json::{Map, Value};
use tributary_domain::caller::Caller;
use tributary_domain::model::reaction::{Reaction, Subject};
use tributary_domain::time::{now_nanos, Nanos};
use tributary_domain::{ApiError, ApiResult};
use tributary_store::{latest_index, Added, Store, V2ReactionRecord, WriteOp};
use tributary_v2::reactions::model::split_comment_data;
use tributary_v2::reactions::{ids, read, Holder, V2Reaction};

use crate::add::depth_of;

/// Attempts at a change while concurrent writes keep moving what it depends on.
const ATTEMPTS: usize = 20;

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("reaction '{id}' does not exist"))
}

fn kept_changing(id: &str) -> ApiError {
    ApiError::internal_msg(format!("reaction '{id}' kept changing during the change"))
}

/// The reaction, which the caller must be allowed to change.
pub async fn load(store: &Store, caller: &Caller, id: &str) -> ApiResult<V2Reaction> {
    let r = read::get(store, id).await?.ok_or_else(|| not_found(id))?;
    caller.may_modify(&r.user_id)?;
    Ok(r)
}

/// The newest-reactions list of a reaction's subject, when the subject exists.
async fn listed(store: &Store, r: &Reaction) -> ApiResult<Option<Vec<Reaction>>> {
    Ok(match r.subject() {
        Subject::Activity(id) => store.get_activity(id).await?.map(|a| a.latest_reactions),
        Subject::Comment(id) => store.get_comment(id).await?.map(|c| c.latest_reactions),
    })
}

/// Where a reaction stands in its subject's newest list (the same reaction: same time).
fn index_of(list: &[Reaction], r: &Reaction) -> Option<usize> {
    latest_index(list, &r.user_id, &r.kind).filter(|i| list[*i].created_at == r.created_at)
}

/// Replaces a reaction's data; `Ok(None)` when it went away meanwhile.
pub async fn set_data(
    store: &Store,
    r: &V2Reaction,
    data: &Map<String, Value>,
) -> ApiResult<Option<V2Reaction>> {
    let now = now_nanos();
    match &r.holder {
        Holder::Own(_) => Ok(store
            .set_v2_reaction_data(&r.id, data, now)
            .await?
            .map(V2Reaction::from_record)),
        Holder::Reaction(x) => {
            for _ in 0..ATTEMPTS {
                let index = listed(store, x).await?.and_then(|l| index_of(&l, x));
                if store.set_reaction_custom(x, data, now, index).await? {
                    let mut changed = x.clone();
                    changed.custom = data.clone();
                    changed.updated_at = now;
                    return Ok(Some(V2Reaction::from_reaction(changed)));
                }
                let current = store.get_reaction(x.subject(), &x.user_id, &x.kind).await?;
                if current.is_none_or(|c| c.created_at != x.created_at) {
                    return Ok(None);
                }
            }
            Err(kept_changing(&r.id))
        }
        Holder::Comment(c) => {
            let (text, custom) = split_comment_data(data);
            for _ in 0..ATTEMPTS {
                let Some(current) = store.get_comment(&c.id).await? else {
                    return Ok(None);
                };
                let mut next = current.clone();
                next.text = text.clone();
                next.custom = custom.clone();
                if let Some(updated) = store.replace_comment_content(&current, &next, now).await? {
                    return Ok(Some(V2Reaction::from_comment(updated)));
                }
            }
            Err(kept_changing(&r.id))
        }
    }
}

/// Takes a v3 reaction out of v3, keeping its subject's counts and newest list exact.
async fn remove_held(store: &Store, r: &Reaction) -> ApiResult<()> {
    for _ in 0..ATTEMPTS {
        let Some(list) = listed(store, r).await? else {
            // The subject is gone: only the reaction itself is left.
            let key =
                tributary_store::keys::SubjectKeys::reaction_key(&r.subject(), &r.user_id, &r.kind);
            return store.batch_write(vec![WriteOp::Delete(key)]).await;
        };
        if store.remove_reaction(r, index_of(&list, r)).await? {
            return Ok(());
        }
        let current = store.get_reaction(r.subject(), &r.user_id, &r.kind).await?;
        if current.is_none_or(|c| c.created_at != r.created_at) {
            return Ok(()); // someone else removed it
        }
    }
    Err(ApiError::internal_msg(
        "the reaction kept changing while it was being removed",
    ))
}

/// The feeds whose `comment_count` counts a comment: its activity's.
async fn comment_feeds(
    store: &Store,
    object_type: &str,
    object_id: &str,
) -> ApiResult<Vec<String>> {
    if object_type != "activity" {
        return Ok(Vec::new());
    }
    Ok(store
        .get_activity(object_id)
        .await?
        .map(|a| a.content.feeds)
        .unwrap_or_default())
}

/// Deletes a reaction: for good, or softly (it reads as deleted and can be restored).
pub async fn delete(store: &Store, r: &V2Reaction, soft: bool) -> ApiResult<()> {
    let now = now_nanos();
    match &r.holder {
        Holder::Own(record) => {
            if !soft {
                finish_move(store, record).await?;
            }
            let mut record = record.clone();
            for _ in 0..ATTEMPTS {
                if soft && record.deleted_at.is_some() {
                    return finish_move(store, &record).await;
                }
                let done = if soft {
                    store
                        .set_v2_reaction_deleted(&record, Some(now), now)
                        .await?
                        .is_some()
                } else {
                    store.delete_v2_reaction(&record).await?
                };
                if done {
                    return Ok(());
                }
                match store.get_v2_reaction(&r.id).await? {
                    Some(current) => record = current,
                    None => return Ok(()),
                }
            }
            Err(kept_changing(&r.id))
        }
        Holder::Reaction(x) if soft => {
            let record = V2ReactionRecord {
                id: r.id.clone(),
                kind: x.kind.clone(),
                activity_id: x.activity_id.clone(),
                user_id: x.user_id.clone(),
                parent: x.comment_id.clone(),
                custom: x.custom.clone(),
                created_at: x.created_at,
                updated_at: now,
                deleted_at: Some(now),
                depth: depth_of(store, r).await?,
            };
            // The deleted record first: were the removal to fail, a retry finds it and
            // finishes the move.
            store.create_v2_reaction(&record).await?;
            remove_held(store, x).await
        }
        Holder::Reaction(x) => remove_held(store, x).await,
        Holder::Comment(c) if soft => {
            if c.deleted_at.is_none() {
                store.set_comment_deleted(&c.id, Some(now), now).await?;
            }
            Ok(())
        }
        Holder::Comment(c) => {
            store.delete_comment_hard(c).await?;
            for fid in comment_feeds(store, &c.object_type, &c.object_id).await? {
                store.bump_feed_counter(&fid, "comment_count", -1).await?;
            }
            Ok(())
        }
    }
}

/// Finishes a soft delete of a v3-held reaction whose removal from v3 did not happen (the
/// deleted record is there, the v3 reaction still is too).
pub async fn finish_move(store: &Store, record: &V2ReactionRecord) -> ApiResult<()> {
    let Some(key) = ids::parse_held(&record.id) else {
        return Ok(());
    };
    let subject = if key.on_comment {
        Subject::Comment(&key.subject)
    } else {
        Subject::Activity(&key.subject)
    };
    if let Some(r) = store.get_reaction(subject, &key.user_id, &key.kind).await? {
        if r.created_at == key.created_at {
            remove_held(store, &r).await?;
        }
    }
    Ok(())
}

/// Restores a soft-deleted reaction; 404 (code 16) when it is not soft-deleted.
pub async fn restore(store: &Store, r: &V2Reaction) -> ApiResult<V2Reaction> {
    let now = now_nanos();
    if r.is_live() {
        return Err(ApiError::not_found(format!(
            "reaction '{}' is not deleted",
            r.id
        )));
    }
    match &r.holder {
        Holder::Own(record) => {
            if let Some(back) = back_into_v3(store, record, now).await? {
                return Ok(back);
            }
            store
                .set_v2_reaction_deleted(record, None, now)
                .await?
                .map(V2Reaction::from_record)
                .ok_or_else(|| not_found(&r.id))
        }
        Holder::Comment(c) => store
            .set_comment_deleted(&c.id, None, now)
            .await?
            .map(V2Reaction::from_comment)
            .ok_or_else(|| not_found(&r.id)),
        Holder::Reaction(_) => Err(not_found(&r.id)),
    }
}

/// Moves a deleted record that v3 held back into v3, when v3 can hold it again.
async fn back_into_v3(
    store: &Store,
    record: &V2ReactionRecord,
    now: Nanos,
) -> ApiResult<Option<V2Reaction>> {
    let Some(key) = ids::parse_held(&record.id) else {
        return Ok(None);
    };
    let subject = if key.on_comment {
        Subject::Comment(&key.subject)
    } else {
        Subject::Activity(&key.subject)
    };
    if store
        .get_reaction(subject, &key.user_id, &key.kind)
        .await?
        .is_some()
    {
        return Ok(None);
    }
    // Its original time keeps its id; the activity it is about stays the record's.
    let reaction = Reaction {
        activity_id: record.activity_id.clone(),
        comment_id: key.on_comment.then(|| key.subject.clone()),
        user_id: key.user_id.clone(),
        kind: key.kind.clone(),
        custom: record.custom.clone(),
        created_at: key.created_at,
        updated_at: now,
    };
    if store.add_reaction(&reaction).await? != Added::Added {
        return Ok(None);
    }
    if !store.delete_v2_reaction(record).await? {
        // The record changed meanwhile: v3 holds the reaction, whose record is a leftover.
        tracing::warn!(id = %record.id, "restored reaction's v2 record changed meanwhile");
    }
    Ok(Some(V2Reaction::from_reaction(reaction)))
}

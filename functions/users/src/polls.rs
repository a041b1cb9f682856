//! Polls: `create_poll`, `get_poll`, `update_poll`, `update_poll_partial`, `delete_poll`
//! (`/api/v2/polls`), and votes on an activity's poll: `cast_poll_vote`, `delete_poll_vote`
//! (`/api/v2/feeds/activities/{activity_id}/polls/{poll_id}/vote`).
//!
//! Only a poll's creator (or a server call) changes or deletes it (403, code 17). A vote names
//! one of the poll's options (400 naming `vote.option_id` otherwise) or, when the poll allows
//! answers, carries `answer_text` (one answer per user; a new one replaces it). A closed poll
//! takes no votes. With `enforce_unique_vote` a new vote replaces the user's previous one;
//! otherwise a user holds at most `max_votes_allowed` votes. Each vote is one transaction
//! over the poll's counters, the vote item and the user's tally, so counts stay exact under
//! concurrent voters. Input is checked whole before anything is written.

use std::collections::HashSet;

use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tributary_domain::caller::Caller;
use tributary_domain::ids;
use tributary_domain::time::now_nanos;
use tributary_domain::validate;
use tributary_domain::{ApiError, ApiResult};
use tributary_http::paging::Paging;
use tributary_http::{AppState, Auth, Body, QueryParams};
use tributary_store::polls::{Poll, PollOption, PollVote, VoteOutcome};
use tributary_v3::polls::{PollOptionResponseData, PollResponseData, PollVoteResponseData};

/// Most options a poll may have.
pub const MAX_OPTIONS: usize = 100;
/// Highest `max_votes_allowed`.
pub const MAX_VOTES_ALLOWED: i64 = 10;
const MAX_TEXT: usize = 255;
const MAX_ANSWER: usize = 1000;

type Reply<T = PollReply> = tributary_http::HttpResult<Json<T>>;

#[derive(Debug, Serialize)]
pub struct PollReply {
    pub poll: PollResponseData,
}

#[derive(Debug, Serialize)]
pub struct VoteReply {
    pub poll: PollResponseData,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vote: Option<PollVoteResponseData>,
}

#[derive(Debug, Serialize)]
pub struct DeletedReply {}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct PollOptionInput {
    pub id: Option<String>,
    pub text: Option<String>,
    pub custom: Option<Value>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct CreatePollRequest {
    pub id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub options: Option<Vec<PollOptionInput>>,
    pub enforce_unique_vote: Option<bool>,
    pub max_votes_allowed: Option<i64>,
    pub allow_answers: Option<bool>,
    pub allow_user_suggested_options: Option<bool>,
    pub is_closed: Option<bool>,
    pub voting_visibility: Option<String>,
    pub custom: Option<Value>,
    pub user_id: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct UpdatePollPartialRequest {
    pub set: Option<Map<String, Value>>,
    pub unset: Option<Vec<String>>,
    pub user_id: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct VoteData {
    pub option_id: Option<String>,
    pub answer_text: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct CastPollVoteRequest {
    pub vote: Option<VoteData>,
    pub user_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct UserQuery {
    pub user_id: Option<String>,
}

// ---- input ------------------------------------------------------------------------------

fn text(field: &str, value: &str, max: usize) -> ApiResult<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ApiError::field(field, format!("{field} must not be empty")));
    }
    if v.chars().count() > max {
        return Err(ApiError::field(
            field,
            format!("{field} is longer than {max} characters"),
        ));
    }
    Ok(v.to_string())
}

fn custom(field: &str, value: Option<&Value>) -> ApiResult<Map<String, Value>> {
    match value {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => {
            validate::document(field, &Value::Object(m.clone()))?;
            Ok(m.clone())
        }
        Some(_) => Err(ApiError::field(field, format!("{field} must be an object"))),
    }
}

fn options(list: &[PollOptionInput]) -> ApiResult<Vec<PollOption>> {
    if list.len() > MAX_OPTIONS {
        return Err(ApiError::field(
            "options",
            format!("options: at most {MAX_OPTIONS}"),
        ));
    }
    let mut texts = HashSet::new();
    let mut ids_seen = HashSet::new();
    let mut out = Vec::with_capacity(list.len());
    for (i, o) in list.iter().enumerate() {
        let at = |f: &str| format!("options[{i}].{f}");
        let t = text(&at("text"), o.text.as_deref().unwrap_or(""), MAX_TEXT)?;
        if !texts.insert(t.clone()) {
            return Err(ApiError::field(
                "options",
                format!("options: '{t}' is listed more than once"),
            ));
        }
        let id = match o.id.as_deref().filter(|s| !s.is_empty()) {
            // On update an id the poll does not have yet names a new option (the SDKs
            // require an id on every option of an update).
            Some(id) => {
                option_id_part(&at("id"), id)?;
                id.to_string()
            }
            None => ids::new_id(),
        };
        if !ids_seen.insert(id.clone()) {
            return Err(ApiError::field(
                at("id"),
                format!("option '{id}' is listed twice"),
            ));
        }
        out.push(PollOption {
            id,
            text: t,
            custom: custom(&at("custom"), o.custom.as_ref())?,
        });
    }
    Ok(out)
}

/// An id that becomes part of a key: letters, digits, `_` and `-`.
fn option_id_part(field: &str, id: &str) -> ApiResult<()> {
    tributary_store::collections::check_key_part(field, id)
}

fn visibility(raw: Option<&str>) -> ApiResult<String> {
    match raw.filter(|s| !s.is_empty()).unwrap_or("public") {
        v @ ("public" | "anonymous") => Ok(v.to_string()),
        other => Err(ApiError::field(
            "voting_visibility",
            format!("voting_visibility must be 'public' or 'anonymous', not '{other}'"),
        )),
    }
}

/// The rules between settings, checked on create and on every update.
fn check_settings(p: &Poll) -> ApiResult<()> {
    if let Some(m) = p.max_votes_allowed {
        if !(1..=MAX_VOTES_ALLOWED).contains(&m) {
            return Err(ApiError::field(
                "max_votes_allowed",
                format!("max_votes_allowed must be between 1 and {MAX_VOTES_ALLOWED}"),
            ));
        }
        if p.enforce_unique_vote && m > 1 {
            return Err(ApiError::field(
                "max_votes_allowed",
                "max_votes_allowed cannot be more than 1 when enforce_unique_vote is set",
            ));
        }
    }
    Ok(())
}

fn may_change(caller: &Caller, p: &Poll, acting: Option<&str>) -> ApiResult<()> {
    match caller {
        Caller::Server => Ok(()),
        _ => match acting {
            Some(me) if me == p.created_by_id => Ok(()),
            Some(me) => Err(ApiError::not_allowed(format!(
                "user '{me}' cannot change poll '{}' created by another user",
                p.id
            ))),
            None => Err(ApiError::not_allowed("anonymous users cannot change polls")),
        },
    }
}

async fn load(s: &AppState, id: &str) -> ApiResult<Poll> {
    validate::id("poll_id", id)?;
    s.store
        .get_poll(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("poll '{id}' does not exist")))
}

/// How many of a poll's newest votes a single-poll read examines for `latest_votes_by_option`
/// and `latest_answers`.
const LATEST_EXAMINED: usize = 50;

async fn render(s: &AppState, p: &Poll, reader: Option<&str>) -> ApiResult<PollResponseData> {
    let newest = tributary_store::polls::VoteWalk {
        newest_first: true,
        after: None,
        limit: LATEST_EXAMINED,
    };
    let (own, (latest, _)) = tokio::try_join!(
        async {
            match reader {
                Some(u) => Ok(s
                    .store
                    .poll_votes_of(&[p], u)
                    .await?
                    .remove(&p.id)
                    .unwrap_or_default()),
                None => Ok(Vec::new()),
            }
        },
        s.store.walk_poll_votes(&p.id, &newest, |_| true),
    )?;
    let latest: Vec<PollVote> = latest.into_iter().map(|(_, v)| v).collect();
    Ok(PollResponseData::new(p, &own).with_latest(p, &latest))
}

// ---- polls ------------------------------------------------------------------------------

pub async fn create_poll(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<CreatePollRequest>,
) -> Reply {
    let acting = caller.acting_user(req.user_id.as_deref())?;
    let name = text("name", req.name.as_deref().unwrap_or(""), MAX_TEXT)?;
    let id = match req.id.as_deref().filter(|s| !s.is_empty()) {
        Some(id) => {
            option_id_part("id", id)?;
            if s.store.poll_id_used(id).await? {
                return Err(
                    ApiError::field("id", format!("poll id '{id}' is already used")).into(),
                );
            }
            id.to_string()
        }
        None => ids::new_id(),
    };
    let options = options(req.options.as_deref().unwrap_or(&[]))?;
    let now = now_nanos();
    let poll = Poll {
        id,
        name,
        description: req.description.clone().unwrap_or_default(),
        vote_counts_by_option: options.iter().map(|o| (o.id.clone(), 0)).collect(),
        options,
        enforce_unique_vote: req.enforce_unique_vote.unwrap_or(false),
        max_votes_allowed: req.max_votes_allowed,
        allow_answers: req.allow_answers.unwrap_or(false),
        allow_user_suggested_options: req.allow_user_suggested_options.unwrap_or(false),
        is_closed: req.is_closed.unwrap_or(false),
        voting_visibility: visibility(req.voting_visibility.as_deref())?,
        custom: custom("custom", req.custom.as_ref())?,
        created_by_id: acting.clone().unwrap_or_default(),
        created_at: now,
        updated_at: now,
        vote_count: 0,
        answers_count: 0,
    };
    check_settings(&poll)?;
    if !s.store.create_poll(&poll).await? {
        return Err(ApiError::field("id", format!("poll '{}' already exists", poll.id)).into());
    }
    Ok(Json(PollReply {
        poll: PollResponseData::new(&poll, &[]),
    }))
}

pub async fn get_poll(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(poll_id): Path<String>,
    QueryParams(q): QueryParams<UserQuery>,
) -> Reply {
    let reader = caller.acting_user(q.user_id.as_deref())?;
    let poll = load(&s, &poll_id).await?;
    Ok(Json(PollReply {
        poll: render(&s, &poll, reader.as_deref()).await?,
    }))
}

async fn save(s: &AppState, before: &Poll, after: Poll, reader: Option<&str>) -> Reply {
    let poll = save_poll(s, before, after).await?;
    Ok(Json(PollReply {
        poll: render(s, &poll, reader).await?,
    }))
}

/// Writes a changed poll (conditioned on nobody else having changed it since `before` was
/// read) and returns it as stored.
async fn save_poll(s: &AppState, before: &Poll, mut after: Poll) -> ApiResult<Poll> {
    check_settings(&after)?;
    after.updated_at = now_nanos();
    let removed: Vec<String> = before
        .options
        .iter()
        .filter(|o| !after.has_option(&o.id))
        .map(|o| o.id.clone())
        .collect();
    if !s
        .store
        .update_poll_settings(&after, &removed, before.updated_at)
        .await?
    {
        return Err(match s.store.get_poll(&after.id).await? {
            Some(_) => ApiError::input(format!(
                "poll '{}' changed meanwhile; read it again",
                after.id
            )),
            None => ApiError::not_found(format!("poll '{}' does not exist", after.id)),
        });
    }
    s.store
        .get_poll(&after.id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("poll '{}' does not exist", after.id)))
}

pub async fn update_poll(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<CreatePollRequest>,
) -> Reply {
    let acting = caller.acting_user(req.user_id.as_deref())?;
    let id = req
        .id
        .as_deref()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::field("id", "id is required"))?;
    let name = text("name", req.name.as_deref().unwrap_or(""), MAX_TEXT)?;
    let before = load(&s, id).await?;
    may_change(&caller, &before, acting.as_deref())?;
    let mut after = before.clone();
    after.name = name;
    after.description = req.description.clone().unwrap_or_default();
    if let Some(list) = &req.options {
        after.options = options(list)?;
    }
    after.enforce_unique_vote = req.enforce_unique_vote.unwrap_or(false);
    after.max_votes_allowed = req.max_votes_allowed;
    after.allow_answers = req.allow_answers.unwrap_or(false);
    after.allow_user_suggested_options = req.allow_user_suggested_options.unwrap_or(false);
    after.is_closed = req.is_closed.unwrap_or(false);
    after.voting_visibility = visibility(req.voting_visibility.as_deref())?;
    after.custom = custom("custom", req.custom.as_ref())?;
    save(&s, &before, after, acting.as_deref()).await
}

fn flag(field: &str, v: &Value) -> ApiResult<bool> {
    v.as_bool()
        .ok_or_else(|| ApiError::field(field, format!("{field} must be a boolean")))
}

pub async fn update_poll_partial(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(poll_id): Path<String>,
    Body(req): Body<UpdatePollPartialRequest>,
) -> Reply {
    let acting = caller.acting_user(req.user_id.as_deref())?;
    let before = load(&s, &poll_id).await?;
    may_change(&caller, &before, acting.as_deref())?;
    let mut after = before.clone();
    for (k, v) in req.set.clone().unwrap_or_default() {
        let f = format!("set.{k}");
        match k.as_str() {
            "name" => after.name = text(&f, v.as_str().unwrap_or(""), MAX_TEXT)?,
            "description" => {
                after.description = v
                    .as_str()
                    .ok_or_else(|| ApiError::field(&f, format!("{f} must be a string")))?
                    .to_string()
            }
            "enforce_unique_vote" => after.enforce_unique_vote = flag(&f, &v)?,
            "allow_answers" => after.allow_answers = flag(&f, &v)?,
            "allow_user_suggested_options" => after.allow_user_suggested_options = flag(&f, &v)?,
            "is_closed" => after.is_closed = flag(&f, &v)?,
            "max_votes_allowed" => {
                after.max_votes_allowed = match v {
                    Value::Null => None,
                    v => Some(v.as_i64().ok_or_else(|| {
                        ApiError::field("max_votes_allowed", "max_votes_allowed must be a number")
                    })?),
                }
            }
            "voting_visibility" => after.voting_visibility = visibility(v.as_str())?,
            "custom" => after.custom = custom(&f, Some(&v))?,
            "id" | "options" | "created_by_id" | "created_at" | "updated_at" | "vote_count"
            | "answers_count" => {
                return Err(ApiError::field(
                    &f,
                    format!("{k} cannot be changed by a partial update"),
                )
                .into())
            }
            _ => {
                after.custom.insert(k.clone(), v);
            }
        }
    }
    for k in req.unset.clone().unwrap_or_default() {
        match k.as_str() {
            "description" => after.description.clear(),
            "max_votes_allowed" => after.max_votes_allowed = None,
            "enforce_unique_vote" => after.enforce_unique_vote = false,
            "allow_answers" => after.allow_answers = false,
            "allow_user_suggested_options" => after.allow_user_suggested_options = false,
            "is_closed" => after.is_closed = false,
            "custom" => after.custom.clear(),
            "name" | "id" | "options" | "voting_visibility" => {
                return Err(
                    ApiError::field("unset", format!("unset: {k} cannot be removed")).into(),
                )
            }
            _ => {
                after.custom.remove(&k);
            }
        }
    }
    validate::document("custom", &Value::Object(after.custom.clone()))?;
    save(&s, &before, after, acting.as_deref()).await
}

pub async fn delete_poll(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(poll_id): Path<String>,
    QueryParams(q): QueryParams<UserQuery>,
) -> Reply<DeletedReply> {
    let acting = caller.acting_user(q.user_id.as_deref())?;
    let poll = load(&s, &poll_id).await?;
    may_change(&caller, &poll, acting.as_deref())?;
    if !s.store.delete_poll(&poll.id).await? {
        return Err(ApiError::not_found(format!("poll '{poll_id}' does not exist")).into());
    }
    Ok(Json(DeletedReply {}))
}

// ---- options ----------------------------------------------------------------------------

#[derive(Debug, Serialize)]
pub struct PollOptionReply {
    pub poll_option: PollOptionResponseData,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct CreatePollOptionRequest {
    pub text: Option<String>,
    pub custom: Option<Value>,
    pub user_id: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct UpdatePollOptionRequest {
    pub id: Option<String>,
    pub text: Option<String>,
    pub custom: Option<Value>,
    pub user_id: Option<String>,
}

fn unique_text(p: &Poll, text: &str, except: Option<&str>) -> ApiResult<()> {
    if p.options
        .iter()
        .any(|o| o.text == text && Some(o.id.as_str()) != except)
    {
        return Err(ApiError::field(
            "text",
            format!("poll '{}' already has an option '{text}'", p.id),
        ));
    }
    Ok(())
}

fn option_of(p: &Poll, option_id: &str) -> ApiResult<PollOption> {
    p.options
        .iter()
        .find(|o| o.id == option_id)
        .cloned()
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "option '{option_id}' of poll '{}' does not exist",
                p.id
            ))
        })
}

fn option_reply(p: &Poll, option_id: &str) -> Reply<PollOptionReply> {
    Ok(Json(PollOptionReply {
        poll_option: PollOptionResponseData::from(&option_of(p, option_id)?),
    }))
}

/// Adds an option: the creator (or the server), or anyone when the poll takes suggestions.
pub async fn create_poll_option(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(poll_id): Path<String>,
    Body(req): Body<CreatePollOptionRequest>,
) -> Reply<PollOptionReply> {
    let acting = caller.acting_user(req.user_id.as_deref())?;
    let text = text("text", req.text.as_deref().unwrap_or(""), MAX_TEXT)?;
    let custom = custom("custom", req.custom.as_ref())?;
    let before = load(&s, &poll_id).await?;
    if !before.allow_user_suggested_options {
        may_change(&caller, &before, acting.as_deref())?;
    }
    unique_text(&before, &text, None)?;
    if before.options.len() >= MAX_OPTIONS {
        return Err(ApiError::field("options", format!("options: at most {MAX_OPTIONS}")).into());
    }
    let id = ids::new_id();
    let mut after = before.clone();
    after.options.push(PollOption {
        id: id.clone(),
        text,
        custom,
    });
    let poll = save_poll(&s, &before, after).await?;
    option_reply(&poll, &id)
}

pub async fn update_poll_option(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(poll_id): Path<String>,
    Body(req): Body<UpdatePollOptionRequest>,
) -> Reply<PollOptionReply> {
    let acting = caller.acting_user(req.user_id.as_deref())?;
    let id = req
        .id
        .clone()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::field("id", "id is required"))?;
    let text = text("text", req.text.as_deref().unwrap_or(""), MAX_TEXT)?;
    let custom = custom("custom", req.custom.as_ref())?;
    let before = load(&s, &poll_id).await?;
    may_change(&caller, &before, acting.as_deref())?;
    option_of(&before, &id)?;
    unique_text(&before, &text, Some(&id))?;
    let mut after = before.clone();
    for o in after.options.iter_mut().filter(|o| o.id == id) {
        o.text = text.clone();
        o.custom = custom.clone();
    }
    let poll = save_poll(&s, &before, after).await?;
    option_reply(&poll, &id)
}

pub async fn delete_poll_option(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path((poll_id, option_id)): Path<(String, String)>,
    QueryParams(q): QueryParams<UserQuery>,
) -> Reply<DeletedReply> {
    let acting = caller.acting_user(q.user_id.as_deref())?;
    let before = load(&s, &poll_id).await?;
    may_change(&caller, &before, acting.as_deref())?;
    option_of(&before, &option_id)?;
    let mut after = before.clone();
    after.options.retain(|o| o.id != option_id);
    save_poll(&s, &before, after).await?;
    Ok(Json(DeletedReply {}))
}

pub async fn get_poll_option(
    State(s): State<AppState>,
    Auth(_caller): Auth,
    Path((poll_id, option_id)): Path<(String, String)>,
) -> Reply<PollOptionReply> {
    let poll = load(&s, &poll_id).await?;
    option_reply(&poll, &option_id)
}

// ---- votes ------------------------------------------------------------------------------

/// The activity's poll: the activity must exist and carry this poll.
async fn activity_poll(s: &AppState, activity_id: &str, poll_id: &str) -> ApiResult<Poll> {
    validate::id("activity_id", activity_id)?;
    let activity = s
        .store
        .get_activity(activity_id)
        .await?
        .filter(|a| !a.is_deleted())
        .ok_or_else(|| ApiError::not_found(format!("activity '{activity_id}' does not exist")))?;
    if activity.content.poll_id.as_deref() != Some(poll_id) {
        return Err(ApiError::not_found(format!(
            "activity '{activity_id}' has no poll '{poll_id}'"
        )));
    }
    load(s, poll_id).await
}

fn closed(p: &Poll) -> ApiError {
    ApiError::input(format!("poll '{}' is closed and takes no votes", p.id))
}

fn refused(p: &Poll) -> ApiError {
    ApiError::input(format!(
        "poll '{}' changed meanwhile (closed, deleted or its options changed); read it again",
        p.id
    ))
}

pub async fn cast_poll_vote(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path((activity_id, poll_id)): Path<(String, String)>,
    Body(req): Body<CastPollVoteRequest>,
) -> Reply<VoteReply> {
    let voter = caller.require_user(req.user_id.as_deref())?;
    let data = req
        .vote
        .as_ref()
        .ok_or_else(|| ApiError::field("vote", "vote is required"))?;
    let answer = data.answer_text.as_deref().filter(|t| !t.is_empty());
    let option = data.option_id.as_deref().filter(|t| !t.is_empty());
    if answer.is_some() == option.is_some() {
        return Err(
            ApiError::field("vote", "vote must carry either option_id or answer_text").into(),
        );
    }
    let poll = activity_poll(&s, &activity_id, &poll_id).await?;
    if let Some(o) = option {
        if !poll.has_option(o) {
            return Err(ApiError::field(
                "option_id",
                format!("option_id '{o}' is not an option of poll '{poll_id}'"),
            )
            .into());
        }
    }
    let answer = match answer {
        Some(t) => {
            if !poll.allow_answers {
                return Err(ApiError::field(
                    "answer_text",
                    format!("poll '{poll_id}' does not take answers"),
                )
                .into());
            }
            Some(text("answer_text", t, MAX_ANSWER)?)
        }
        None => None,
    };
    if poll.is_closed {
        return Err(closed(&poll).into());
    }
    let mine = s
        .store
        .poll_votes_of(&[&poll], &voter)
        .await?
        .remove(&poll.id)
        .unwrap_or_default();
    let now = now_nanos();
    let vote = match answer {
        Some(t) => {
            let previous = mine.iter().find(|v| v.is_answer);
            let vote = PollVote {
                id: ids::new_id(),
                poll_id: poll.id.clone(),
                option_id: String::new(),
                answer_text: Some(t),
                is_answer: true,
                user_id: voter.clone(),
                created_at: now,
                updated_at: now,
            };
            match s.store.cast_poll_answer(&poll, &vote, previous).await? {
                VoteOutcome::Done => vote,
                VoteOutcome::PollRefused => return Err(refused(&poll).into()),
                _ => return Err(ApiError::input("your answer changed meanwhile; try again").into()),
            }
        }
        None => {
            let option = option.unwrap_or_default();
            if let Some(existing) = mine.iter().find(|v| !v.is_answer && v.option_id == option) {
                // Voting again for the same option changes nothing.
                let existing = existing.clone();
                return Ok(Json(VoteReply {
                    poll: render(&s, &poll, Some(&voter)).await?,
                    vote: Some(PollVoteResponseData::from(&existing)),
                }));
            }
            let held: Vec<&PollVote> = mine.iter().filter(|v| !v.is_answer).collect();
            let replaces = if poll.enforce_unique_vote {
                held.first().copied()
            } else {
                None
            };
            if let (None, Some(max)) = (replaces, poll.vote_limit()) {
                if held.len() as i64 >= max {
                    return Err(ApiError::field(
                        "max_votes_allowed",
                        format!(
                            "user '{voter}' already holds the {max} votes poll '{poll_id}' allows"
                        ),
                    )
                    .into());
                }
            }
            let vote = PollVote {
                id: ids::new_id(),
                poll_id: poll.id.clone(),
                option_id: option.to_string(),
                answer_text: None,
                is_answer: false,
                user_id: voter.clone(),
                created_at: now,
                updated_at: now,
            };
            match s.store.cast_poll_vote(&poll, &vote, replaces).await? {
                VoteOutcome::Done => vote,
                VoteOutcome::PollRefused => return Err(refused(&poll).into()),
                VoteOutcome::AtLimit => {
                    return Err(ApiError::field(
                        "max_votes_allowed",
                        format!("user '{voter}' already holds the votes poll '{poll_id}' allows"),
                    )
                    .into())
                }
                VoteOutcome::AlreadyVoted | VoteOutcome::Changed => {
                    return Err(ApiError::input("your votes changed meanwhile; try again").into())
                }
            }
        }
    };
    let poll = load(&s, &poll_id).await?;
    Ok(Json(VoteReply {
        poll: render(&s, &poll, Some(&voter)).await?,
        vote: Some(PollVoteResponseData::from(&vote)),
    }))
}

pub async fn delete_poll_vote(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path((activity_id, poll_id, vote_id)): Path<(String, String, String)>,
    QueryParams(q): QueryParams<UserQuery>,
) -> Reply<VoteReply> {
    let voter = caller.require_user(q.user_id.as_deref())?;
    let poll = activity_poll(&s, &activity_id, &poll_id).await?;
    let mine = s
        .store
        .poll_votes_of(&[&poll], &voter)
        .await?
        .remove(&poll.id)
        .unwrap_or_default();
    let vote = mine
        .into_iter()
        .find(|v| v.id == vote_id)
        .ok_or_else(|| ApiError::not_found(format!("vote '{vote_id}' does not exist")))?;
    match s.store.delete_poll_vote(&poll, &vote).await? {
        VoteOutcome::Done => {}
        VoteOutcome::PollRefused => return Err(refused(&poll).into()),
        _ => return Err(ApiError::not_found(format!("vote '{vote_id}' does not exist")).into()),
    }
    let poll = load(&s, &poll_id).await?;
    Ok(Json(VoteReply {
        poll: render(&s, &poll, Some(&voter)).await?,
        vote: Some(PollVoteResponseData::from(&vote)),
    }))
}

// ---- query votes ------------------------------------------------------------------------

const DEFAULT_VOTES: usize = 25;
const MAX_VOTES_PAGE: usize = 100;

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct QueryPollVotesRequest {
    pub filter: Option<Value>,
    pub sort: Option<Vec<crate::collections::SortParam>>,
    pub limit: Option<i64>,
    pub next: Option<String>,
    pub prev: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct PollVotesReply {
    pub votes: Vec<PollVoteResponseData>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
}

/// The index walk for a page of `limit` (one more, to know whether more follow).
fn walk(paging: &Paging, newest_first: bool, limit: usize) -> tributary_store::polls::VoteWalk {
    tributary_store::polls::VoteWalk {
        newest_first: paging.reads_newest_first(newest_first),
        after: paging.after.clone(),
        limit: limit + 1,
    }
}

fn vote_field(name: &str) -> Option<tributary_domain::filter::predicate::Field> {
    use tributary_domain::filter::predicate::{Field, Kind, EQ_IN, RANGE};
    let (kind, ops) = match name {
        "id" | "option_id" | "user_id" | "is_answer" => (Kind::Plain, EQ_IN),
        "created_at" | "updated_at" => (Kind::Time, RANGE),
        _ => return None,
    };
    Some(Field {
        name: "",
        kind,
        ops,
    })
}

fn vote_value(v: &PollVote, name: &str) -> Option<Value> {
    Some(match name {
        "id" => Value::from(v.id.clone()),
        "option_id" => Value::from(v.option_id.clone()),
        "user_id" => Value::from(v.user_id.clone()),
        "is_answer" => Value::from(v.is_answer),
        "created_at" => Value::from(v.created_at),
        "updated_at" => Value::from(v.updated_at),
        _ => return None,
    })
}

/// The order of a vote, poll or revision query: by `created_at` only (newest first unless
/// the sort says otherwise).
pub(crate) fn time_order(
    sort: Option<&[crate::collections::SortParam]>,
    what: &str,
) -> ApiResult<bool> {
    let mut newest_first = true;
    for (i, sp) in sort.iter().copied().flatten().enumerate() {
        match sp.field.as_deref() {
            Some("created_at") if i == 0 => newest_first = sp.direction.unwrap_or(-1) < 0,
            other => {
                return Err(ApiError::field(
                    "sort",
                    format!(
                        "sort: '{}' is not supported; {what} sort by created_at",
                        other.unwrap_or("")
                    ),
                ))
            }
        }
    }
    Ok(newest_first)
}

/// A poll's votes and answers by time (newest first unless sorted by `created_at` ascending),
/// filtered by `id`, `option_id`, `user_id`, `is_answer` and times, with `next` and `prev`
/// cursors. On
/// an anonymous poll only the server sees who voted.
pub async fn query_poll_votes(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(poll_id): Path<String>,
    QueryParams(q): QueryParams<UserQuery>,
    Body(req): Body<QueryPollVotesRequest>,
) -> Reply<PollVotesReply> {
    use tributary_domain::filter::predicate;
    caller.acting_user(q.user_id.as_deref())?;
    let cond = predicate::parse(req.filter.as_ref(), &vote_field)?;
    let limit = validate::limit("limit", req.limit, DEFAULT_VOTES, MAX_VOTES_PAGE)?.max(1);
    let newest_first = time_order(req.sort.as_deref(), "votes")?;
    let paging = Paging::from_request(
        &s.cursors,
        req.next.as_deref(),
        req.prev.as_deref(),
        &poll_id,
        newest_first,
    )?;
    let poll = load(&s, &poll_id).await?;
    let (mut page, resume) = s
        .store
        .walk_poll_votes(&poll.id, &walk(&paging, newest_first, limit), |v| {
            cond.matches(&|f| vote_value(v, f))
        })
        .await?;
    let (next, prev) = paging.finish(&s.cursors, &poll.id, newest_first, &mut page, limit, resume);
    let hide = poll.voting_visibility == "anonymous" && !caller.is_server();
    let votes = page
        .iter()
        .map(|(_, v)| {
            let mut r = PollVoteResponseData::from(v);
            if hide {
                r.user_id = None;
            }
            r
        })
        .collect();
    Ok(Json(PollVotesReply { votes, next, prev }))
}

// ---- query polls ------------------------------------------------------------------------

#[derive(Debug, Serialize)]
pub struct QueryPollsReply {
    pub polls: Vec<PollResponseData>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
}

fn poll_field(name: &str) -> Option<tributary_domain::filter::predicate::Field> {
    use tributary_domain::filter::predicate::{self, Field, Kind, EQ_IN, RANGE};
    let (kind, ops) = match name {
        "id"
        | "name"
        | "created_by_id"
        | "voting_visibility"
        | "is_closed"
        | "enforce_unique_vote"
        | "allow_answers"
        | "allow_user_suggested_options" => (Kind::Plain, EQ_IN),
        "created_at" | "updated_at" => (Kind::Time, RANGE),
        n => return predicate::custom_field(n),
    };
    Some(Field {
        name: "",
        kind,
        ops,
    })
}

fn poll_value(p: &Poll, name: &str) -> Option<Value> {
    Some(match name {
        "id" => Value::from(p.id.clone()),
        "name" => Value::from(p.name.clone()),
        "created_by_id" => Value::from(p.created_by_id.clone()),
        "voting_visibility" => Value::from(p.voting_visibility.clone()),
        "is_closed" => Value::from(p.is_closed),
        "enforce_unique_vote" => Value::from(p.enforce_unique_vote),
        "allow_answers" => Value::from(p.allow_answers),
        "allow_user_suggested_options" => Value::from(p.allow_user_suggested_options),
        "created_at" => Value::from(p.created_at),
        "updated_at" => Value::from(p.updated_at),
        n => tributary_domain::filter::predicate::custom_value(&p.custom, n)?,
    })
}

/// Polls by creation time (newest first unless sorted by `created_at` ascending), filtered,
/// with `next` and `prev` cursors and the reader's own votes.
pub async fn query_polls(
    State(s): State<AppState>,
    Auth(caller): Auth,
    QueryParams(q): QueryParams<UserQuery>,
    Body(req): Body<QueryPollVotesRequest>,
) -> Reply<QueryPollsReply> {
    use tributary_domain::filter::predicate;
    let reader = caller.acting_user(q.user_id.as_deref())?;
    let cond = predicate::parse(req.filter.as_ref(), &poll_field)?;
    let limit = validate::limit("limit", req.limit, DEFAULT_VOTES, MAX_VOTES_PAGE)?.max(1);
    let newest_first = time_order(req.sort.as_deref(), "polls")?;
    let paging = Paging::from_request(
        &s.cursors,
        req.next.as_deref(),
        req.prev.as_deref(),
        "",
        newest_first,
    )?;
    let (mut page, resume) = s
        .store
        .walk_polls(&walk(&paging, newest_first, limit), |p| {
            cond.matches(&|f| poll_value(p, f))
        })
        .await?;
    let (next, prev) = paging.finish(&s.cursors, "", newest_first, &mut page, limit, resume);
    let mut own = match reader.as_deref() {
        Some(r) => {
            let refs: Vec<&Poll> = page.iter().map(|(_, p)| p).collect();
            s.store.poll_votes_of(&refs, r).await?
        }
        None => Default::default(),
    };
    let polls = page
        .iter()
        .map(|(_, p)| PollResponseData::new(p, &own.remove(&p.id).unwrap_or_default()))
        .collect();
    Ok(Json(QueryPollsReply { polls, next, prev }))
}

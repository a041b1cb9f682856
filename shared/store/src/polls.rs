//! Polls and their votes. A poll item holds its settings, options and exact counters
//! (`vote_count`, `answers_count`, `vote_counts_by_option`); each vote is its own item keyed
//! by (poll, user, option), an answer by (poll, user), and a per-user tally counts a user's
//! option votes for `max_votes_allowed`. Every vote is one transaction over the poll (its
//! counters, conditioned on the poll being open and the option existing), the vote item
//! (conditioned on being new, or on the replaced one still being there) and the tally.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::batch::Item;
use super::{n, s, Store};
use crate::keys::{self, Key};
use tributary_domain::time::Nanos;
use tributary_domain::{ApiError, ApiResult};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PollOption {
    pub id: String,
    pub text: String,
    #[serde(default)]
    pub custom: Map<String, Value>,
}

/// A poll as stored.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Poll {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub options: Vec<PollOption>,
    #[serde(default)]
    pub enforce_unique_vote: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_votes_allowed: Option<i64>,
    #[serde(default)]
    pub allow_answers: bool,
    #[serde(default)]
    pub allow_user_suggested_options: bool,
    #[serde(default)]
    pub is_closed: bool,
    #[serde(default)]
    pub voting_visibility: String,
    #[serde(default)]
    pub custom: Map<String, Value>,
    #[serde(default)]
    pub created_by_id: String,
    pub created_at: Nanos,
    pub updated_at: Nanos,
    #[serde(default)]
    pub vote_count: i64,
    #[serde(default)]
    pub answers_count: i64,
    #[serde(default)]
    pub vote_counts_by_option: BTreeMap<String, i64>,
}

impl Poll {
    pub fn has_option(&self, option_id: &str) -> bool {
        self.options.iter().any(|o| o.id == option_id)
    }

    /// The most option votes one user may hold: 1 with `enforce_unique_vote`.
    pub fn vote_limit(&self) -> Option<i64> {
        if self.enforce_unique_vote {
            Some(1)
        } else {
            self.max_votes_allowed.filter(|m| *m > 0)
        }
    }
}

/// A vote for an option, or an answer (`is_answer`, `answer_text`, no option).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PollVote {
    pub id: String,
    pub poll_id: String,
    #[serde(default)]
    pub option_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer_text: Option<String>,
    #[serde(default)]
    pub is_answer: bool,
    pub user_id: String,
    pub created_at: Nanos,
    pub updated_at: Nanos,
}

impl PollVote {
    fn key(&self) -> Key {
        if self.is_answer {
            keys::poll_answer(&self.poll_id, &self.user_id)
        } else {
            keys::poll_vote(&self.poll_id, &self.user_id, &self.option_id)
        }
    }
}

/// What a vote's transaction found.
#[derive(Debug, PartialEq)]
pub enum VoteOutcome {
    Done,
    /// The poll is gone, closed, no longer has the option (or no longer takes answers).
    PollRefused,
    /// The user already voted for this option.
    AlreadyVoted,
    /// The user holds as many votes as the poll allows.
    AtLimit,
    /// The vote being replaced or removed changed meanwhile.
    Changed,
}

fn tx_err(e: impl std::fmt::Display) -> ApiError {
    ApiError::internal_msg(format!("build poll transaction: {e}"))
}

fn poll_item(p: &Poll) -> ApiResult<Item> {
    let mut item: Item = crate::document::to_item("serialize poll", p)?;
    item.extend(keys::poll(&p.id).to_item());
    let (g2pk, g2sk) = keys::poll_by_time(p.created_at, &p.id);
    item.insert(keys::GSI2_PK.into(), s(g2pk));
    item.insert(keys::GSI2_SK.into(), s(g2sk));
    Ok(item)
}

fn vote_item(v: &PollVote) -> ApiResult<Item> {
    let mut item: Item = crate::document::to_item("serialize poll vote", v)?;
    item.extend(v.key().to_item());
    let (g1pk, g1sk) = keys::poll_vote_by_time(&v.poll_id, v.created_at, &v.id);
    item.insert(keys::GSI1_PK.into(), s(g1pk));
    item.insert(keys::GSI1_SK.into(), s(g1sk));
    Ok(item)
}

/// Where a page of a poll's votes walks: newest or oldest first, after a position.
#[derive(Clone, Debug, Default)]
pub struct VoteWalk {
    pub newest_first: bool,
    /// The index position (`gsi1sk`) of the last vote already shown.
    pub after: Option<String>,
    pub limit: usize,
}

/// Index entries one walk may examine.
const VOTE_EXAMINE_BUDGET: usize = 1000;

fn b(v: bool) -> AttributeValue {
    AttributeValue::Bool(v)
}

impl Store {
    /// Creates a poll unless one has its id: `Ok(false)` then.
    pub async fn create_poll(&self, p: &Poll) -> ApiResult<bool> {
        let request = self
            .put(poll_item(p)?)
            .condition_expression("attribute_not_exists(pk)");
        Ok(self.run_if("create poll", request).await?.is_some())
    }

    /// Whether anything is stored under a poll id: a poll, or the votes of a deleted one (a
    /// Query of at most one item), so a client-chosen id is never reused under old votes.
    pub async fn poll_id_used(&self, id: &str) -> ApiResult<bool> {
        let query = self
            .query()
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(keys::poll(id).pk))
            .consistent_read(true)
            .limit(1);
        Ok(!self
            .run("poll id used", query)
            .await?
            .items
            .unwrap_or_default()
            .is_empty())
    }

    /// One poll, read consistently.
    pub async fn get_poll(&self, id: &str) -> ApiResult<Option<Poll>> {
        self.get_item("get poll", keys::poll(id), true).await
    }

    /// Polls by id (one BatchGetItem per 100); missing ones are left out.
    pub async fn get_polls(&self, ids: &[String]) -> ApiResult<HashMap<String, Poll>> {
        let mut wanted: Vec<String> = ids.to_vec();
        wanted.sort();
        wanted.dedup();
        let items = self
            .batch_get(wanted.iter().map(|id| keys::poll(id)).collect())
            .await?;
        let mut out = HashMap::new();
        for item in items {
            let p: Poll = crate::document::from_item("parse poll", item)?;
            out.insert(p.id.clone(), p);
        }
        Ok(out)
    }

    /// Replaces a poll's settings and options, keeping its counters: options new to it start
    /// at zero votes, removed ones lose their count. Conditioned on `updated_at` still being
    /// `read_at` (votes leave it alone), so concurrent changes never lose one another:
    /// `Ok(false)` when the poll is gone or changed meanwhile.
    pub async fn update_poll_settings(
        &self,
        p: &Poll,
        removed: &[String],
        read_at: Nanos,
    ) -> ApiResult<bool> {
        let mut sets = vec![
            "#name = :name",
            "description = :description",
            "options = :options",
            "enforce_unique_vote = :unique",
            "allow_answers = :answers",
            "allow_user_suggested_options = :suggest",
            "is_closed = :closed",
            "voting_visibility = :visibility",
            "custom = :custom",
            "updated_at = :now",
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
        let doc = poll_item(p)?;
        let mut request = self
            .update(keys::poll(&p.id))
            .condition_expression("attribute_exists(pk) AND updated_at = :read_at")
            .expression_attribute_values(":read_at", n(read_at))
            .expression_attribute_names("#name", "name")
            .expression_attribute_values(":name", s(&p.name))
            .expression_attribute_values(":description", s(&p.description))
            .expression_attribute_values(
                ":options",
                doc.get("options")
                    .cloned()
                    .unwrap_or(AttributeValue::L(vec![])),
            )
            .expression_attribute_values(":unique", b(p.enforce_unique_vote))
            .expression_attribute_values(":answers", b(p.allow_answers))
            .expression_attribute_values(":suggest", b(p.allow_user_suggested_options))
            .expression_attribute_values(":closed", b(p.is_closed))
            .expression_attribute_values(":visibility", s(&p.voting_visibility))
            .expression_attribute_values(
                ":custom",
                doc.get("custom")
                    .cloned()
                    .unwrap_or(AttributeValue::M(HashMap::new())),
            )
            .expression_attribute_values(":now", n(p.updated_at));
        let mut removes: Vec<String> = Vec::new();
        match p.max_votes_allowed {
            Some(m) => {
                sets.push("max_votes_allowed = :max".into());
                request = request.expression_attribute_values(":max", n(m));
            }
            None => removes.push("max_votes_allowed".into()),
        }
        if !p.options.is_empty() {
            request = request
                .expression_attribute_names("#counts", "vote_counts_by_option")
                .expression_attribute_values(":zero", n(0));
        }
        for (i, o) in p.options.iter().enumerate() {
            sets.push(format!(
                "#counts.#o{i} = if_not_exists(#counts.#o{i}, :zero)"
            ));
            request = request.expression_attribute_names(format!("#o{i}"), &o.id);
        }
        for (i, r) in removed.iter().enumerate() {
            if p.options.is_empty() {
                request = request.expression_attribute_names("#counts", "vote_counts_by_option");
            }
            removes.push(format!("#counts.#r{i}"));
            request = request.expression_attribute_names(format!("#r{i}"), r);
        }
        let mut expr = format!("SET {}", sets.join(", "));
        if !removes.is_empty() {
            expr.push_str(&format!(" REMOVE {}", removes.join(", ")));
        }
        Ok(self
            .run_if("update poll", request.update_expression(expr))
            .await?
            .is_some())
    }

    /// Deletes a poll (`Ok(false)` when it was gone). Its votes stay in its partition,
    /// unreachable once the poll is gone.
    pub async fn delete_poll(&self, id: &str) -> ApiResult<bool> {
        let request = self
            .delete(keys::poll(id))
            .condition_expression("attribute_exists(pk)");
        Ok(self.run_if("delete poll", request).await?.is_some())
    }

    /// A user's votes (and answer) on polls, by the polls' options: one BatchGetItem per 100
    /// keys, no query.
    pub async fn poll_votes_of(
        &self,
        polls: &[&Poll],
        user_id: &str,
    ) -> ApiResult<HashMap<String, Vec<PollVote>>> {
        let mut wanted = Vec::new();
        for p in polls {
            for o in &p.options {
                wanted.push(keys::poll_vote(&p.id, user_id, &o.id));
            }
            wanted.push(keys::poll_answer(&p.id, user_id));
        }
        let mut out: HashMap<String, Vec<PollVote>> = HashMap::new();
        if wanted.is_empty() {
            return Ok(out);
        }
        for item in self.batch_get(wanted).await? {
            let v: PollVote = crate::document::from_item("parse poll vote", item)?;
            out.entry(v.poll_id.clone()).or_default().push(v);
        }
        for votes in out.values_mut() {
            votes.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        }
        Ok(out)
    }

    /// A page of a poll's votes and answers by time (gsi1), keeping those `accept` takes:
    /// index pages, then one BatchGetItem of the votes they list. Returns the votes with
    /// their positions, and the position to resume from when more may follow.
    pub async fn walk_poll_votes(
        &self,
        poll_id: &str,
        walk: &VoteWalk,
        accept: impl Fn(&PollVote) -> bool,
    ) -> ApiResult<(Vec<(String, PollVote)>, Option<String>)> {
        let mut out: Vec<(String, PollVote)> = Vec::new();
        let mut after = walk.after.clone();
        let mut examined = 0;
        loop {
            let mut query = self
                .query_index(keys::GSI1)
                .expression_attribute_values(":pk", s(keys::poll_votes_by_time(poll_id)))
                .scan_index_forward(!walk.newest_first)
                .limit((walk.limit - out.len()).clamp(1, 100) as i32);
            query = match &after {
                Some(a) if walk.newest_first => query
                    .key_condition_expression("gsi1pk = :pk AND gsi1sk < :after")
                    .expression_attribute_values(":after", s(a)),
                Some(a) => query
                    .key_condition_expression("gsi1pk = :pk AND gsi1sk > :after")
                    .expression_attribute_values(":after", s(a)),
                None => query.key_condition_expression("gsi1pk = :pk"),
            };
            let page = self.query_page("poll votes by time", query, None).await?;
            let listed: Vec<(String, Key)> = page
                .items
                .iter()
                .filter_map(|i| {
                    Some((
                        i.get(keys::GSI1_SK)?.as_s().ok()?.clone(),
                        Key::new(
                            i.get(keys::PK)?.as_s().ok()?.clone(),
                            i.get(keys::SK)?.as_s().ok()?.clone(),
                        ),
                    ))
                })
                .collect();
            examined += listed.len();
            let mut found: HashMap<String, PollVote> = HashMap::new();
            if !listed.is_empty() {
                for item in self
                    .batch_get(listed.iter().map(|(_, k)| k.clone()).collect())
                    .await?
                {
                    let v: PollVote = crate::document::from_item("parse poll vote", item)?;
                    let (_, g1sk) = keys::poll_vote_by_time(&v.poll_id, v.created_at, &v.id);
                    found.insert(g1sk, v);
                }
            }
            for (position, _) in &listed {
                after = Some(position.clone());
                if let Some(v) = found.remove(position) {
                    if accept(&v) {
                        out.push((position.clone(), v));
                        if out.len() >= walk.limit {
                            return Ok((out, after));
                        }
                    }
                }
            }
            if page.last_key.is_none() {
                return Ok((out, None));
            }
            if examined >= VOTE_EXAMINE_BUDGET {
                return Ok((out, after));
            }
        }
    }

    /// A page of polls by creation time (gsi2), keeping those `accept` takes: index pages,
    /// then one BatchGetItem of the polls they list. Returns them with their positions, and
    /// the position to resume from when more may follow.
    pub async fn walk_polls(
        &self,
        walk: &VoteWalk,
        accept: impl Fn(&Poll) -> bool,
    ) -> ApiResult<(Vec<(String, Poll)>, Option<String>)> {
        let mut out: Vec<(String, Poll)> = Vec::new();
        let mut after = walk.after.clone();
        let mut examined = 0;
        loop {
            let mut query = self
                .query_index(keys::GSI2)
                .expression_attribute_values(":pk", s(keys::POLLS_BY_TIME))
                .scan_index_forward(!walk.newest_first)
                .limit((walk.limit - out.len()).clamp(1, 100) as i32);
            query = match &after {
                Some(a) if walk.newest_first => query
                    .key_condition_expression("gsi2pk = :pk AND gsi2sk < :after")
                    .expression_attribute_values(":after", s(a)),
                Some(a) => query
                    .key_condition_expression("gsi2pk = :pk AND gsi2sk > :after")
                    .expression_attribute_values(":after", s(a)),
                None => query.key_condition_expression("gsi2pk = :pk"),
            };
            let page = self.query_page("polls by time", query, None).await?;
            let listed: Vec<(String, String)> = page
                .items
                .iter()
                .filter_map(|i| {
                    let position = i.get(keys::GSI2_SK)?.as_s().ok()?.clone();
                    let id = position.split_once('#')?.1.to_string();
                    Some((position, id))
                })
                .collect();
            examined += listed.len();
            let ids: Vec<String> = listed.iter().map(|(_, id)| id.clone()).collect();
            let mut found = if ids.is_empty() {
                HashMap::new()
            } else {
                self.get_polls(&ids).await?
            };
            for (position, id) in &listed {
                after = Some(position.clone());
                if let Some(p) = found.remove(id) {
                    if accept(&p) {
                        out.push((position.clone(), p));
                        if out.len() >= walk.limit {
                            return Ok((out, after));
                        }
                    }
                }
            }
            if page.last_key.is_none() {
                return Ok((out, None));
            }
            if examined >= VOTE_EXAMINE_BUDGET {
                return Ok((out, after));
            }
        }
    }

    /// Casts an option vote, replacing `replaces` (one of the user's votes on the poll) when
    /// given: counters, the vote and the tally change together or not at all.
    pub async fn cast_poll_vote(
        &self,
        poll: &Poll,
        vote: &PollVote,
        replaces: Option<&PollVote>,
    ) -> ApiResult<VoteOutcome> {
        let mut counters = Update::builder()
            .table_name(self.table())
            .set_key(Some(keys::poll(&poll.id).to_item()))
            .condition_expression(
                "attribute_exists(pk) AND is_closed = :f AND attribute_exists(#counts.#new)",
            )
            .expression_attribute_names("#counts", "vote_counts_by_option")
            .expression_attribute_names("#new", &vote.option_id)
            .expression_attribute_values(":f", b(false))
            .expression_attribute_values(":one", n(1));
        let mut items = Vec::new();
        match replaces {
            Some(old) if old.option_id != vote.option_id => {
                counters = counters
                    .update_expression(
                        "SET #counts.#new = #counts.#new + :one, #counts.#old = if_not_exists(#counts.#old, :one) - :one",
                    )
                    .expression_attribute_names("#old", &old.option_id);
            }
            Some(_) => return Ok(VoteOutcome::AlreadyVoted),
            None => {
                counters = counters.update_expression(
                    "SET vote_count = vote_count + :one, #counts.#new = #counts.#new + :one",
                );
            }
        }
        items.push(
            TransactWriteItem::builder()
                .update(counters.build().map_err(tx_err)?)
                .build(),
        );
        let put = Put::builder()
            .table_name(self.table())
            .set_item(Some(vote_item(vote)?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(tx_err)?;
        items.push(TransactWriteItem::builder().put(put).build());
        match replaces {
            Some(old) => {
                let delete = Delete::builder()
                    .table_name(self.table())
                    .set_key(Some(old.key().to_item()))
                    .condition_expression("id = :id")
                    .expression_attribute_values(":id", s(&old.id))
                    .build()
                    .map_err(tx_err)?;
                items.push(TransactWriteItem::builder().delete(delete).build());
            }
            None => {
                let mut tally = Update::builder()
                    .table_name(self.table())
                    .set_key(Some(keys::poll_voter(&poll.id, &vote.user_id).to_item()))
                    .update_expression("ADD n :one")
                    .expression_attribute_values(":one", n(1));
                if let Some(max) = poll.vote_limit() {
                    tally = tally
                        .condition_expression("attribute_not_exists(n) OR n < :max")
                        .expression_attribute_values(":max", n(max));
                }
                items.push(
                    TransactWriteItem::builder()
                        .update(tally.build().map_err(tx_err)?)
                        .build(),
                );
            }
        }
        let failed = self.transact("cast poll vote", items).await?;
        Ok(match failed.iter().position(|f| *f) {
            None => VoteOutcome::Done,
            Some(0) => VoteOutcome::PollRefused,
            Some(1) => VoteOutcome::AlreadyVoted,
            Some(_) if replaces.is_some() => VoteOutcome::Changed,
            Some(_) => VoteOutcome::AtLimit,
        })
    }

    /// Writes a user's answer, replacing `replaces` (their previous one) when given.
    pub async fn cast_poll_answer(
        &self,
        poll: &Poll,
        answer: &PollVote,
        replaces: Option<&PollVote>,
    ) -> ApiResult<VoteOutcome> {
        let counters = Update::builder()
            .table_name(self.table())
            .set_key(Some(keys::poll(&poll.id).to_item()))
            .condition_expression("attribute_exists(pk) AND is_closed = :f AND allow_answers = :t")
            .update_expression("SET answers_count = answers_count + :d")
            .expression_attribute_values(":f", b(false))
            .expression_attribute_values(":t", b(true))
            .expression_attribute_values(":d", n(i64::from(replaces.is_none())))
            .build()
            .map_err(tx_err)?;
        let mut put = Put::builder()
            .table_name(self.table())
            .set_item(Some(vote_item(answer)?));
        put = match replaces {
            Some(old) => put
                .condition_expression("id = :old")
                .expression_attribute_values(":old", s(&old.id)),
            None => put.condition_expression("attribute_not_exists(pk)"),
        };
        let items = vec![
            TransactWriteItem::builder().update(counters).build(),
            TransactWriteItem::builder()
                .put(put.build().map_err(tx_err)?)
                .build(),
        ];
        let failed = self.transact("cast poll answer", items).await?;
        Ok(match failed.iter().position(|f| *f) {
            None => VoteOutcome::Done,
            Some(0) => VoteOutcome::PollRefused,
            Some(_) => VoteOutcome::Changed,
        })
    }

    /// Removes a vote or an answer with the counters it added.
    pub async fn delete_poll_vote(&self, poll: &Poll, vote: &PollVote) -> ApiResult<VoteOutcome> {
        let mut counters = Update::builder()
            .table_name(self.table())
            .set_key(Some(keys::poll(&poll.id).to_item()))
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":one", n(1));
        counters = if vote.is_answer {
            counters.update_expression("SET answers_count = answers_count - :one")
        } else if poll.has_option(&vote.option_id) {
            counters
                .update_expression(
                    "SET vote_count = vote_count - :one, #counts.#o = if_not_exists(#counts.#o, :one) - :one",
                )
                .expression_attribute_names("#counts", "vote_counts_by_option")
                .expression_attribute_names("#o", &vote.option_id)
        } else {
            counters.update_expression("SET vote_count = vote_count - :one")
        };
        let delete = Delete::builder()
            .table_name(self.table())
            .set_key(Some(vote.key().to_item()))
            .condition_expression("id = :id")
            .expression_attribute_values(":id", s(&vote.id))
            .build()
            .map_err(tx_err)?;
        let mut items = vec![
            TransactWriteItem::builder()
                .update(counters.build().map_err(tx_err)?)
                .build(),
            TransactWriteItem::builder().delete(delete).build(),
        ];
        if !vote.is_answer {
            let tally = Update::builder()
                .table_name(self.table())
                .set_key(Some(keys::poll_voter(&poll.id, &vote.user_id).to_item()))
                .update_expression("ADD n :minus")
                .expression_attribute_values(":minus", n(-1))
                .build()
                .map_err(tx_err)?;
            items.push(TransactWriteItem::builder().update(tally).build());
        }
        let failed = self.transact("delete poll vote", items).await?;
        Ok(match failed.iter().position(|f| *f) {
            None => VoteOutcome::Done,
            Some(0) => VoteOutcome::PollRefused,
            Some(_) => VoteOutcome::Changed,
        })
    }
}

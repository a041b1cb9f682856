//! Polls on the v3 wire: [`PollResponseData`] (the poll endpoints' `poll`, and an activity's
//! `poll`) and [`PollVoteResponseData`]. Counts come from the poll item's counters; a
//! reader's own votes are passed in (read by key, never by query).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};
use serde_with::skip_serializing_none;

use tributary_domain::time::Nanos;
use tributary_store::polls::{Poll, PollOption, PollVote};

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PollOptionResponseData {
    pub id: String,
    pub text: String,
    pub custom: Map<String, Value>,
}

impl From<&PollOption> for PollOptionResponseData {
    fn from(o: &PollOption) -> Self {
        PollOptionResponseData {
            id: o.id.clone(),
            text: o.text.clone(),
            custom: o.custom.clone(),
        }
    }
}

#[skip_serializing_none]
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PollVoteResponseData {
    pub id: String,
    pub poll_id: String,
    pub option_id: String,
    pub answer_text: Option<String>,
    pub is_answer: Option<bool>,
    pub user_id: Option<String>,
    pub created_at: Nanos,
    pub updated_at: Nanos,
}

impl From<&PollVote> for PollVoteResponseData {
    fn from(v: &PollVote) -> Self {
        PollVoteResponseData {
            id: v.id.clone(),
            poll_id: v.poll_id.clone(),
            option_id: v.option_id.clone(),
            answer_text: v.answer_text.clone(),
            is_answer: v.is_answer.then_some(true),
            user_id: Some(v.user_id.clone()),
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

#[skip_serializing_none]
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PollResponseData {
    pub id: String,
    pub name: String,
    pub description: String,
    pub options: Vec<PollOptionResponseData>,
    pub enforce_unique_vote: bool,
    pub max_votes_allowed: Option<i64>,
    pub allow_answers: bool,
    pub allow_user_suggested_options: bool,
    pub is_closed: bool,
    pub voting_visibility: String,
    pub custom: Map<String, Value>,
    pub created_by_id: String,
    pub created_at: Nanos,
    pub updated_at: Nanos,
    pub vote_count: i64,
    pub answers_count: i64,
    pub vote_counts_by_option: BTreeMap<String, i64>,
    pub latest_votes_by_option: BTreeMap<String, Vec<PollVoteResponseData>>,
    pub latest_answers: Vec<PollVoteResponseData>,
    pub own_votes: Vec<PollVoteResponseData>,
}

impl PollResponseData {
    /// The poll as `reader` sees it, with `own` (the reader's votes and answer).
    pub fn new(p: &Poll, own: &[PollVote]) -> Self {
        let counts = p
            .options
            .iter()
            .map(|o| {
                let c = p.vote_counts_by_option.get(&o.id).copied().unwrap_or(0);
                (o.id.clone(), c.max(0))
            })
            .collect();
        PollResponseData {
            id: p.id.clone(),
            name: p.name.clone(),
            description: p.description.clone(),
            options: p.options.iter().map(PollOptionResponseData::from).collect(),
            enforce_unique_vote: p.enforce_unique_vote,
            max_votes_allowed: p.max_votes_allowed,
            allow_answers: p.allow_answers,
            allow_user_suggested_options: p.allow_user_suggested_options,
            is_closed: p.is_closed,
            voting_visibility: p.voting_visibility.clone(),
            custom: p.custom.clone(),
            created_by_id: p.created_by_id.clone(),
            created_at: p.created_at,
            updated_at: p.updated_at,
            vote_count: p.vote_count.max(0),
            answers_count: p.answers_count.max(0),
            vote_counts_by_option: counts,
            latest_votes_by_option: BTreeMap::new(),
            latest_answers: Vec::new(),
            own_votes: own.iter().map(PollVoteResponseData::from).collect(),
        }
    }
}

/// Most votes shown per option in `latest_votes_by_option`, and answers in `latest_answers`.
pub const LATEST_SHOWN: usize = 10;

impl PollResponseData {
    /// Fills `latest_votes_by_option` and `latest_answers` from `newest` (the poll's newest
    /// votes, newest first); on an anonymous poll they show no voters.
    pub fn with_latest(mut self, poll: &Poll, newest: &[PollVote]) -> Self {
        let anonymous = poll.voting_visibility == "anonymous";
        let shown = |v: &PollVote| {
            let mut r = PollVoteResponseData::from(v);
            if anonymous {
                r.user_id = None;
            }
            r
        };
        for v in newest {
            if v.is_answer {
                if self.latest_answers.len() < LATEST_SHOWN {
                    self.latest_answers.push(shown(v));
                }
            } else if poll.has_option(&v.option_id) {
                let list = self
                    .latest_votes_by_option
                    .entry(v.option_id.clone())
                    .or_default();
                if list.len() < LATEST_SHOWN {
                    list.push(shown(v));
                }
            }
        }
        self
    }
}

/// The polls a page's activities carry: one BatchGetItem (none without a poll).
pub async fn of_page(
    store: &tributary_store::Store,
    list: &[tributary_domain::model::Activity],
) -> tributary_domain::ApiResult<std::collections::HashMap<String, Poll>> {
    let ids: Vec<String> = list
        .iter()
        .filter_map(|a| a.content.poll_id.clone())
        .collect();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    store.get_polls(&ids).await
}

/// The page's polls as `reader` sees them: one BatchGetItem of the reader's vote keys on
/// them (none without a reader or a poll), made beside the page's other second-step reads.
pub async fn as_seen_by(
    store: &tributary_store::Store,
    polls: &std::collections::HashMap<String, Poll>,
    reader: Option<&str>,
) -> tributary_domain::ApiResult<std::collections::HashMap<String, PollResponseData>> {
    let mut own = match reader.filter(|_| !polls.is_empty()) {
        Some(r) => {
            let refs: Vec<&Poll> = polls.values().collect();
            store.poll_votes_of(&refs, r).await?
        }
        None => Default::default(),
    };
    Ok(polls
        .iter()
        .map(|(id, p)| {
            let mine = own.remove(id).unwrap_or_default();
            (id.clone(), PollResponseData::new(p, &mine))
        })
        .collect())
}

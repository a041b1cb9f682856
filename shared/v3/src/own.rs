//! What the reading user is to a feed: `own_capabilities` (from the permission model),
//! `own_follows` (the user's own feeds following it), `own_followings` (the feed owner's
//! feeds following the user's `user` feed, at most 5) and `own_membership`. Served on feed
//! reads and by `own_batch`.

use serde::Serialize;
use serde_with::skip_serializing_none;
use tributary_domain::caller::Caller;
use tributary_domain::model::feed::Feed;
use tributary_domain::model::feed_group::BUILT_IN;
use tributary_domain::model::follow::Follow;
use tributary_domain::model::member::Member;
use tributary_domain::{ApiError, ApiResult};
use tributary_store::access::Standing;
use tributary_store::keys::{self, Key};
use tributary_store::{Item, Store};

use crate::members::{self, FeedMemberResponse};
use crate::render::{self, FollowResponse};

/// At most this many `own_followings`, as Stream returns.
const OWN_FOLLOWINGS_MAX: usize = 5;

/// The own fields `own_batch` may ask for.
pub const FIELDS: [&str; 4] = [
    "own_capabilities",
    "own_follows",
    "own_followings",
    "own_membership",
];

/// Stream's `FeedOwnData`.
#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize)]
pub struct FeedOwnData {
    pub own_capabilities: Option<Vec<&'static str>>,
    pub own_follows: Option<Vec<FollowResponse>>,
    pub own_followings: Option<Vec<FollowResponse>>,
    pub own_membership: Option<FeedMemberResponse>,
}

/// Which own fields to compute.
#[derive(Clone, Copy, Debug)]
pub struct Wanted {
    pub capabilities: bool,
    pub follows: bool,
    pub followings: bool,
    pub membership: bool,
}

impl Wanted {
    pub const ALL: Wanted = Wanted {
        capabilities: true,
        follows: true,
        followings: true,
        membership: true,
    };

    /// `own_batch`'s `fields`: none named means all.
    pub fn parse(fields: Option<&[String]>) -> ApiResult<Wanted> {
        let Some(fields) = fields.filter(|f| !f.is_empty()) else {
            return Ok(Wanted::ALL);
        };
        for (i, f) in fields.iter().enumerate() {
            if !FIELDS.contains(&f.as_str()) {
                return Err(ApiError::field(
                    format!("fields[{i}]"),
                    format!("'{f}' is not one of {}", FIELDS.join(", ")),
                ));
            }
        }
        let has = |name: &str| fields.iter().any(|f| f == name);
        Ok(Wanted {
            capabilities: has("own_capabilities"),
            follows: has("own_follows"),
            followings: has("own_followings"),
            membership: has("own_membership"),
        })
    }
}

/// The own fields of `caller` for each of `feeds`, in their order, from the caller's
/// standing on each (`Store::standings`, which already holds the caller's membership and
/// follows). For a user it reads only the follows from the feed owners' feeds to the user
/// (`own_followings`, one BatchGetItem), then renders what was found in one pass. Server
/// calls naming no user get the capabilities alone.
pub async fn own_data(
    store: &Store,
    caller: &Caller,
    feeds: &[Feed],
    standings: &[Standing],
    wanted: Wanted,
) -> ApiResult<Vec<FeedOwnData>> {
    let mut out: Vec<FeedOwnData> = standings
        .iter()
        .map(|st| FeedOwnData {
            own_capabilities: wanted.capabilities.then(|| {
                st.access
                    .capabilities()
                    .into_iter()
                    .map(|c| c.as_str())
                    .collect()
            }),
            ..FeedOwnData::default()
        })
        .collect();
    let Caller::User(me) = caller else {
        return Ok(out);
    };
    let followings_keys: Vec<Key> = feeds
        .iter()
        .filter(|_| wanted.followings)
        .flat_map(|f| follows_to_user(&f.created_by_id, me))
        .collect();
    let followings = store.batch_get(followings_keys).await?;
    let find = |k: &Key| -> Option<&Item> {
        followings.iter().find(|i| {
            i.get(keys::PK).and_then(|a| a.as_s().ok()) == Some(&k.pk)
                && i.get(keys::SK).and_then(|a| a.as_s().ok()) == Some(&k.sk)
        })
    };
    // Every follow shown, rendered in one pass, then handed back to its feed.
    let mut follows: Vec<Follow> = Vec::new();
    let mut spans: Vec<(usize, usize, usize)> = Vec::new();
    for (f, st) in feeds.iter().zip(standings) {
        let start = follows.len();
        if wanted.follows {
            follows.extend(parse_all::<Follow>(st.follows.iter())?);
        }
        let middle = follows.len();
        if wanted.followings {
            let mut list = parse_all::<Follow>(
                follows_to_user(&f.created_by_id, me)
                    .iter()
                    .filter_map(find),
            )?;
            list.truncate(OWN_FOLLOWINGS_MAX);
            follows.extend(list);
        }
        spans.push((start, middle, follows.len()));
    }
    let rendered = render::follows(store, &follows).await?;
    let memberships: Vec<Member> = standings
        .iter()
        .filter(|_| wanted.membership)
        .filter_map(|st| st.membership.as_ref())
        .map(parse)
        .collect::<ApiResult<_>>()?;
    let mut memberships = members::render(store, &memberships).await?.into_iter();
    for ((st, data), (start, middle, end)) in standings.iter().zip(out.iter_mut()).zip(spans) {
        if wanted.follows {
            data.own_follows = Some(rendered[start..middle].to_vec());
        }
        if wanted.followings {
            data.own_followings = Some(rendered[middle..end].to_vec());
        }
        if wanted.membership && st.membership.is_some() {
            data.own_membership = memberships.next();
        }
    }
    Ok(out)
}

/// The follows from the feed owner's own feeds to the user's `user` feed.
fn follows_to_user(owner: &str, me: &str) -> Vec<Key> {
    let target = format!("user:{me}");
    BUILT_IN
        .iter()
        .map(|g| format!("{g}:{owner}"))
        .filter(|source| *source != target)
        .map(|source| keys::follow(&source, &target))
        .collect()
}

fn parse<T: serde::de::DeserializeOwned>(item: &Item) -> ApiResult<T> {
    tributary_store::access::parse_item("read own fields", item)
}

fn parse_all<'a, T: serde::de::DeserializeOwned>(
    items: impl Iterator<Item = &'a Item>,
) -> ApiResult<Vec<T>> {
    items.map(parse).collect()
}

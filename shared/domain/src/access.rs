//! Who may do what to a feed: Stream's feed permission model, in one place.
//!
//! A user stands to a feed in one or more *roles*: its owner (`feed_owner`, the feed's
//! creator), a member (`feed_member`, or the custom role the member was given), an accepted
//! follower (`feed_follower`, from one of the user's own feeds), any signed-in user (`user`),
//! or nobody (`anonymous`). Each feed visibility level (`public`, `visible`, `followers`,
//! `members`, `private`) grants each role a set of [`Capability`]s; what a user may do is
//! the union over the roles they hold. `docs/permissions.md` prints the default table from
//! [`default_grants`]; `update_feed_visibility` may change a level's grants.
//!
//! The roles: `feed_owner` is the feed's creator, `feed_member` (or a custom role) an active
//! member, `feed_follower` a user one of whose own feeds follows this one (accepted),
//! `user` any signed-in user and `anonymous` a caller with no identity.
//!
//! Server tokens may do everything and never consult the table. Every refusal is
//! [`ApiError::not_allowed`] (403, code 17).

use std::collections::{BTreeMap, BTreeSet};

use crate::model::feed::FeedVisibility;
use crate::model::member::MembershipLevel;
use crate::ApiError;
use crate::ApiResult;

macro_rules! capabilities {
    ($($variant:ident = $name:literal,)*) => {
        /// What a user may do to a feed and its content (Stream's `FeedOwnCapability`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Capability { $($variant,)* }

        impl Capability {
            /// Every capability, in the order Stream lists them.
            pub const ALL: &'static [Capability] = &[$(Capability::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Capability::$variant => $name,)* }
            }

            pub fn parse(s: &str) -> Option<Capability> {
                match s { $($name => Some(Capability::$variant),)* _ => None }
            }
        }
    };
}

capabilities! {
    AddActivity = "add-activity",
    AddActivityBookmark = "add-activity-bookmark",
    AddActivityReaction = "add-activity-reaction",
    AddComment = "add-comment",
    AddCommentReaction = "add-comment-reaction",
    CreateFeed = "create-feed",
    DeleteAnyActivity = "delete-any-activity",
    DeleteAnyComment = "delete-any-comment",
    DeleteFeed = "delete-feed",
    DeleteOwnActivity = "delete-own-activity",
    DeleteOwnActivityBookmark = "delete-own-activity-bookmark",
    DeleteOwnActivityReaction = "delete-own-activity-reaction",
    DeleteOwnComment = "delete-own-comment",
    DeleteOwnCommentReaction = "delete-own-comment-reaction",
    Follow = "follow",
    PinActivity = "pin-activity",
    QueryFeedMembers = "query-feed-members",
    QueryFollows = "query-follows",
    ReadActivities = "read-activities",
    ReadFeed = "read-feed",
    Unfollow = "unfollow",
    UpdateAnyActivity = "update-any-activity",
    UpdateAnyComment = "update-any-comment",
    UpdateFeed = "update-feed",
    UpdateFeedFollowers = "update-feed-followers",
    UpdateFeedMembers = "update-feed-members",
    UpdateOwnActivity = "update-own-activity",
    UpdateOwnActivityBookmark = "update-own-activity-bookmark",
    UpdateOwnComment = "update-own-comment",
}

/// The roles a grants table is keyed by.
pub mod roles {
    pub const OWNER: &str = "feed_owner";
    pub const MEMBER: &str = "feed_member";
    pub const FOLLOWER: &str = "feed_follower";
    pub const USER: &str = "user";
    pub const ANONYMOUS: &str = "anonymous";
    /// In the order the docs print them.
    pub const ALL: [&str; 5] = [OWNER, MEMBER, FOLLOWER, USER, ANONYMOUS];
}

/// One visibility level's grants: role → capabilities.
pub type Grants = BTreeMap<String, BTreeSet<Capability>>;

use Capability as C;

/// Reading a feed and what it follows.
const READ: &[Capability] = &[C::ReadFeed, C::ReadActivities, C::QueryFollows];
/// Taking part in a feed's activities: comments, reactions, bookmarks, and the user's own
/// content among them.
const TAKE_PART: &[Capability] = &[
    C::AddComment,
    C::AddActivityReaction,
    C::AddCommentReaction,
    C::AddActivityBookmark,
    C::UpdateOwnActivityBookmark,
    C::DeleteOwnActivityBookmark,
    C::UpdateOwnComment,
    C::DeleteOwnComment,
    C::DeleteOwnActivityReaction,
    C::DeleteOwnCommentReaction,
];
/// Posting into a feed, and the posts one made there.
const POST: &[Capability] = &[C::AddActivity, C::UpdateOwnActivity, C::DeleteOwnActivity];
const FOLLOWING: &[Capability] = &[C::Follow, C::Unfollow];

fn set(parts: &[&[Capability]]) -> BTreeSet<Capability> {
    parts.iter().flat_map(|p| p.iter().copied()).collect()
}

/// Stream's default grants for a visibility level, after its documented table:
///
/// | level | reads the feed | follows | posts |
/// | --- | --- | --- | --- |
/// | `public` | anyone | anyone | anyone signed in |
/// | `visible` | anyone | anyone | owner, members |
/// | `followers` | owner, members, accepted followers | anyone, as a request (pending) | owner, members |
/// | `members` | owner, members | members | owner, members |
/// | `private` | owner | owner | owner |
///
/// Whoever may read a feed's activities may also comment, react and bookmark there, except
/// anonymous callers, who only read. The owner may do everything; members also list the
/// other members.
pub fn default_grants(visibility: FeedVisibility) -> Grants {
    use FeedVisibility as V;
    let owner: BTreeSet<Capability> = Capability::ALL.iter().copied().collect();
    let member = set(&[READ, TAKE_PART, POST, FOLLOWING, &[C::QueryFeedMembers]]);
    let follower = set(&[READ, TAKE_PART, FOLLOWING]);
    let anonymous_reads = set(&[&[C::ReadFeed, C::ReadActivities]]);
    let none = BTreeSet::new;
    let (member, follower, user, anonymous) = match visibility {
        V::Public => (
            member,
            follower,
            set(&[READ, TAKE_PART, FOLLOWING, POST]),
            anonymous_reads,
        ),
        V::Visible => (
            member,
            follower,
            set(&[READ, TAKE_PART, FOLLOWING]),
            anonymous_reads,
        ),
        V::Followers => (member, follower, set(&[FOLLOWING]), none()),
        V::Members => (member, none(), none(), none()),
        V::Private => (none(), none(), none(), none()),
    };
    [
        (roles::OWNER, owner),
        (roles::MEMBER, member),
        (roles::FOLLOWER, follower),
        (roles::USER, user),
        (roles::ANONYMOUS, anonymous),
    ]
    .into_iter()
    .map(|(role, caps)| (role.to_string(), caps))
    .collect()
}

/// Parses grants as `update_feed_visibility` sends them: role → capability names.
pub fn parse_grants(field: &str, raw: &BTreeMap<String, Vec<String>>) -> ApiResult<Grants> {
    raw.iter()
        .map(|(role, names)| {
            if role.is_empty() {
                return Err(ApiError::field(field, "role names may not be empty"));
            }
            let caps = names
                .iter()
                .map(|n| {
                    Capability::parse(n).ok_or_else(|| {
                        ApiError::field(
                            format!("{field}.{role}"),
                            format!("'{n}' is not a feed capability"),
                        )
                    })
                })
                .collect::<ApiResult<BTreeSet<_>>>()?;
            Ok((role.clone(), caps))
        })
        .collect()
}

/// How the caller stands to one feed, and so what it may do there.
#[derive(Clone, Debug, PartialEq)]
pub enum FeedAccess {
    /// A server token: everything.
    Server,
    /// A user (or no one) holding `roles`, under `grants`.
    Roles {
        fid: String,
        who: Option<String>,
        roles: Vec<String>,
        grants: Grants,
    },
}

impl FeedAccess {
    /// The roles a caller holds: `user` (or `anonymous`) always, plus those that apply.
    pub fn for_user(
        fid: &str,
        user: Option<&str>,
        is_owner: bool,
        member_role: Option<&str>,
        is_follower: bool,
        grants: Grants,
    ) -> FeedAccess {
        let mut roles = Vec::new();
        match user {
            None => roles.push(roles::ANONYMOUS.to_string()),
            Some(_) => {
                if is_owner {
                    roles.push(roles::OWNER.to_string());
                }
                if let Some(role) = member_role {
                    roles.push(role.to_string());
                    if role != roles::MEMBER && !grants.contains_key(role) {
                        // A custom role the level does not name gets the member grants.
                        roles.push(roles::MEMBER.to_string());
                    }
                }
                if is_follower {
                    roles.push(roles::FOLLOWER.to_string());
                }
                roles.push(roles::USER.to_string());
            }
        }
        FeedAccess::Roles {
            fid: fid.to_string(),
            who: user.map(str::to_string),
            roles,
            grants,
        }
    }

    /// Everything the caller may do here.
    pub fn capabilities(&self) -> BTreeSet<Capability> {
        match self {
            FeedAccess::Server => Capability::ALL.iter().copied().collect(),
            FeedAccess::Roles { roles, grants, .. } => roles
                .iter()
                .filter_map(|r| grants.get(r))
                .flat_map(|caps| caps.iter().copied())
                .collect(),
        }
    }

    pub fn allows(&self, cap: Capability) -> bool {
        match self {
            FeedAccess::Server => true,
            FeedAccess::Roles { roles, grants, .. } => roles
                .iter()
                .any(|r| grants.get(r).is_some_and(|caps| caps.contains(&cap))),
        }
    }

    /// Whether the caller holds `role` here.
    pub fn holds(&self, role: &str) -> bool {
        match self {
            FeedAccess::Server => false,
            FeedAccess::Roles { roles, .. } => roles.iter().any(|r| r == role),
        }
    }

    /// `Ok` when the caller may `cap`; otherwise Stream's 403 (code 17).
    pub fn require(&self, cap: Capability) -> ApiResult<()> {
        if self.allows(cap) {
            return Ok(());
        }
        let (fid, who) = match self {
            FeedAccess::Server => unreachable!("server tokens are allowed everything"),
            FeedAccess::Roles { fid, who, .. } => (fid, who),
        };
        let who = who
            .as_deref()
            .map_or_else(|| "anonymous users".to_string(), |u| format!("user '{u}'"));
        Err(ApiError::not_allowed(format!(
            "{who} is not allowed to {} on feed '{fid}' (missing capability '{}')",
            describe(cap),
            cap.as_str()
        )))
    }
}

/// Whether a member at `level` sees activities restricted to `tag` (`visibility: tag`):
/// when the level lists the tag, or ranks at or above (by `priority`) a level that lists
/// it. Others who may read the feed get a preview.
pub fn level_sees_tag(level: Option<&str>, tag: &str, levels: &[MembershipLevel]) -> bool {
    let Some(level) = level.and_then(|id| levels.iter().find(|l| l.id == id)) else {
        return false;
    };
    if level.tags.iter().any(|t| t == tag) {
        return true;
    }
    levels
        .iter()
        .filter(|l| l.tags.iter().any(|t| t == tag))
        .map(|l| l.priority)
        .min()
        .is_some_and(|lowest| level.priority >= lowest)
}

/// A capability in words, for refusals.
fn describe(cap: Capability) -> &'static str {
    match cap {
        C::ReadFeed | C::ReadActivities => "read",
        C::AddActivity => "post",
        C::AddComment => "comment",
        C::AddActivityReaction | C::AddCommentReaction => "react",
        C::AddActivityBookmark => "bookmark",
        C::Follow => "follow",
        C::Unfollow => "unfollow",
        C::QueryFollows => "list follows",
        C::QueryFeedMembers => "list members",
        C::UpdateFeedMembers => "change members",
        C::UpdateFeed => "update the feed",
        C::DeleteFeed => "delete the feed",
        C::UpdateFeedFollowers => "answer follow requests",
        C::PinActivity => "pin",
        C::CreateFeed => "create the feed",
        _ => "do this",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FeedVisibility as V;

    fn access(v: V, owner: bool, member: Option<&str>, follower: bool) -> FeedAccess {
        FeedAccess::for_user(
            "user:bob",
            Some("alice"),
            owner,
            member,
            follower,
            default_grants(v),
        )
    }

    fn stranger(v: V) -> FeedAccess {
        access(v, false, None, false)
    }

    fn anonymous(v: V) -> FeedAccess {
        FeedAccess::for_user("user:bob", None, false, None, false, default_grants(v))
    }

    #[test]
    fn names_round_trip() {
        assert_eq!(Capability::ALL.len(), 29);
        for c in Capability::ALL {
            assert_eq!(Capability::parse(c.as_str()), Some(*c));
        }
        assert_eq!(Capability::parse("fly"), None);
    }

    #[test]
    fn owner_may_do_everything_at_every_level() {
        for v in [V::Public, V::Visible, V::Followers, V::Members, V::Private] {
            let a = access(v, true, None, false);
            assert!(Capability::ALL.iter().all(|c| a.allows(*c)), "{v:?}");
        }
    }

    #[test]
    fn strangers_by_level() {
        assert!(stranger(V::Public).allows(C::ReadActivities));
        assert!(stranger(V::Public).allows(C::AddComment));
        assert!(stranger(V::Public).allows(C::AddActivity));
        assert!(stranger(V::Visible).allows(C::ReadActivities));
        assert!(stranger(V::Visible).allows(C::AddComment));
        assert!(!stranger(V::Visible).allows(C::AddActivity));
        assert!(stranger(V::Followers).allows(C::Follow));
        assert!(!stranger(V::Followers).allows(C::ReadFeed));
        for v in [V::Members, V::Private] {
            assert!(stranger(v).capabilities().is_empty(), "{v:?}");
        }
    }

    #[test]
    fn followers_and_members() {
        assert!(access(V::Followers, false, None, true).allows(C::ReadActivities));
        assert!(!access(V::Followers, false, None, true).allows(C::AddActivity));
        assert!(!access(V::Members, false, None, true).allows(C::ReadFeed));
        let member = access(V::Members, false, Some("feed_member"), false);
        assert!(member.allows(C::ReadActivities) && member.allows(C::AddActivity));
        assert!(!member.allows(C::UpdateFeedMembers));
        assert!(!access(V::Private, false, Some("feed_member"), true).allows(C::ReadFeed));
        // A custom member role the level does not name falls back to the member grants.
        assert!(access(V::Members, false, Some("moderator"), false).allows(C::AddActivity));
    }

    #[test]
    fn anonymous_reads_public_only() {
        assert!(anonymous(V::Public).allows(C::ReadActivities));
        assert!(!anonymous(V::Public).allows(C::AddComment));
        assert!(anonymous(V::Visible).allows(C::ReadActivities));
        assert!(anonymous(V::Followers).capabilities().is_empty());
    }

    #[test]
    fn refusals_are_code_17_and_name_the_capability() {
        let err = stranger(V::Private).require(C::AddActivity).unwrap_err();
        assert_eq!(err.code(), 17);
        assert!(err.to_string().contains("add-activity"), "{err}");
        assert!(FeedAccess::Server.require(C::DeleteFeed).is_ok());
    }

    #[test]
    fn tagged_activities_by_level() {
        let level = |id: &str, priority: i64, tags: &[&str]| MembershipLevel {
            id: id.into(),
            name: id.into(),
            priority,
            tags: tags.iter().map(|t| t.to_string()).collect(),
            description: None,
            custom: Default::default(),
            created_at: 0,
            updated_at: 0,
        };
        let levels = [
            level("basic", 1, &[]),
            level("premium", 10, &["premium"]),
            level("inner", 20, &["inner"]),
        ];
        assert!(level_sees_tag(Some("premium"), "premium", &levels));
        // Above the lowest level that lists the tag.
        assert!(level_sees_tag(Some("inner"), "premium", &levels));
        assert!(!level_sees_tag(Some("basic"), "premium", &levels));
        assert!(!level_sees_tag(Some("premium"), "inner", &levels));
        assert!(!level_sees_tag(None, "premium", &levels));
        assert!(!level_sees_tag(Some("gone"), "premium", &levels));
    }

    #[test]
    fn grants_parse_and_refuse_unknown_names() {
        let raw = BTreeMap::from([("user".to_string(), vec!["read-feed".to_string()])]);
        let g = parse_grants("grants", &raw).unwrap();
        assert!(g["user"].contains(&C::ReadFeed));
        let bad = BTreeMap::from([("user".to_string(), vec!["fly".to_string()])]);
        let err = parse_grants("grants", &bad).unwrap_err();
        assert_eq!(err.code(), 4);
    }
}

/// The default grants as a Markdown table: one row per level and role, the capabilities
/// in Stream's order. `docs/permissions.md` holds this table; a test keeps the two equal.
pub fn grants_table() -> String {
    let mut out = String::from("| visibility | role | capabilities |\n| --- | --- | --- |\n");
    for v in FeedVisibility::ALL {
        let grants = default_grants(v);
        for role in roles::ALL {
            let caps: Vec<&str> = grants[role].iter().map(|c| c.as_str()).collect();
            let caps = if caps.len() == Capability::ALL.len() {
                "all".to_string()
            } else if caps.is_empty() {
                "none".to_string()
            } else {
                caps.join(", ")
            };
            out.push_str(&format!("| `{}` | `{role}` | {caps} |\n", v.as_str()));
        }
    }
    out
}

#[cfg(test)]
mod docs {
    /// The table in `docs/permissions.md` is the one the code grants.
    #[test]
    fn docs_table_is_the_code_table() {
        let doc = include_str!("../../../docs/permissions.md");
        let table = super::grants_table();
        assert!(
            doc.contains(&table),
            "docs/permissions.md is out of date; its table should read:\n{table}"
        );
    }
}

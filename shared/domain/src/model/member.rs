//! Feed members (users given a role in a feed, directly or by an invite they answer) and the
//! membership levels an app defines for them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::time::Nanos;

/// Where a membership stands: invited members are `Pending` until they accept or reject.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    #[default]
    Member,
    Pending,
    Rejected,
}

impl MemberStatus {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "member" => Some(Self::Member),
            "pending" => Some(Self::Pending),
            "rejected" => Some(Self::Rejected),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Pending => "pending",
            Self::Rejected => "rejected",
        }
    }
}

/// The role a member gets when none is given.
pub const DEFAULT_MEMBER_ROLE: &str = "feed_member";

fn default_role() -> String {
    DEFAULT_MEMBER_ROLE.to_string()
}

/// A user's membership of a feed.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Member {
    pub fid: String,
    pub user_id: String,
    #[serde(default = "default_role")]
    pub role: String,
    #[serde(default)]
    pub status: MemberStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub membership_level: Option<String>,
    #[serde(default)]
    pub custom: Map<String, Value>,
    pub created_at: Nanos,
    pub updated_at: Nanos,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_accepted_at: Option<Nanos>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_rejected_at: Option<Nanos>,
}

impl Member {
    /// A new member with the default role: `Pending` when invited, else a member at once.
    pub fn new(fid: &str, user_id: &str, invite: bool, now: Nanos) -> Self {
        Member {
            fid: fid.to_string(),
            user_id: user_id.to_string(),
            role: default_role(),
            status: if invite {
                MemberStatus::Pending
            } else {
                MemberStatus::Member
            },
            membership_level: None,
            custom: Map::new(),
            created_at: now,
            updated_at: now,
            invite_accepted_at: None,
            invite_rejected_at: None,
        }
    }

    /// Only accepted members count (`member_count`) and act as members.
    pub fn is_active(&self) -> bool {
        self.status == MemberStatus::Member
    }

    /// Answers a pending invite: accepted makes a member, otherwise rejected.
    pub fn answer_invite(&mut self, accept: bool, now: Nanos) {
        self.updated_at = now;
        if accept {
            self.status = MemberStatus::Member;
            self.invite_accepted_at = Some(now);
        } else {
            self.status = MemberStatus::Rejected;
            self.invite_rejected_at = Some(now);
        }
    }
}

/// A level of membership (a tier): its `tags` name the activity tags it gives access to.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct MembershipLevel {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub priority: i64,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub custom: Map<String, Value>,
    pub created_at: Nanos,
    pub updated_at: Nanos,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip() {
        for s in [
            MemberStatus::Member,
            MemberStatus::Pending,
            MemberStatus::Rejected,
        ] {
            assert_eq!(MemberStatus::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                Value::String(s.as_str().into())
            );
        }
        assert_eq!(MemberStatus::parse("accepted"), None);
    }

    #[test]
    fn invites_start_pending_and_only_members_are_active() {
        let mut m = Member::new("user:amy", "bob", true, 5);
        assert_eq!(m.status, MemberStatus::Pending);
        assert_eq!(m.role, DEFAULT_MEMBER_ROLE);
        assert!(!m.is_active());
        m.answer_invite(true, 9);
        assert!(m.is_active());
        assert_eq!(m.invite_accepted_at, Some(9));
        let mut r = Member::new("user:amy", "cid", true, 5);
        r.answer_invite(false, 7);
        assert_eq!(r.status, MemberStatus::Rejected);
        assert_eq!(r.invite_rejected_at, Some(7));
        assert!(Member::new("user:amy", "dan", false, 1).is_active());
    }

    #[test]
    fn stored_members_default_their_role_and_status() {
        let m: Member = serde_json::from_value(serde_json::json!({
            "fid": "user:amy", "user_id": "bob", "created_at": 1, "updated_at": 1
        }))
        .unwrap();
        assert_eq!(m.role, "feed_member");
        assert!(m.is_active());
    }
}

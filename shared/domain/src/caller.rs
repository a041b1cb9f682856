//! Who a request acts as, and the rules that follow from it alone.

use crate::ApiError;
use crate::ApiResult;

/// Who a request comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    /// Signed with the app secret and naming no user: may act for anyone.
    Server,
    /// A user's token: acts as that user only.
    User(String),
    /// `stream-auth-type: anonymous`: no identity.
    Anonymous,
}

impl Caller {
    pub fn is_server(&self) -> bool {
        matches!(self, Caller::Server)
    }

    /// The user a request acts as. `requested` is the `user_id` the request names, if any.
    /// Server tokens act as the named user (or no one); a user token naming another user is
    /// refused with code 17.
    pub fn acting_user(&self, requested: Option<&str>) -> ApiResult<Option<String>> {
        let requested = requested.filter(|id| !id.is_empty());
        match self {
            Caller::Server => Ok(requested.map(str::to_string)),
            Caller::User(own) => match requested {
                Some(other) if other != own => Err(ApiError::not_allowed(format!(
                    "user '{own}' is not allowed to act as user '{other}'"
                ))),
                _ => Ok(Some(own.clone())),
            },
            Caller::Anonymous => Err(ApiError::not_allowed(
                "anonymous users cannot perform this action",
            )),
        }
    }

    /// Like [`Caller::acting_user`] but a user is required: server calls must name one.
    pub fn require_user(&self, requested: Option<&str>) -> ApiResult<String> {
        self.acting_user(requested)?.ok_or_else(|| {
            ApiError::field("user_id", "user_id is required for server-side requests")
        })
    }

    /// Whether the caller may change content owned by `owner`.
    pub fn may_modify(&self, owner: &str) -> ApiResult<()> {
        match self {
            Caller::Server => Ok(()),
            Caller::User(own) if own == owner => Ok(()),
            Caller::User(own) => Err(ApiError::not_allowed(format!(
                "user '{own}' is not allowed to modify content of user '{owner}'"
            ))),
            Caller::Anonymous => Err(ApiError::not_allowed(
                "anonymous users cannot perform this action",
            )),
        }
    }
}

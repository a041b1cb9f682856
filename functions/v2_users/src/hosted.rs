//! Services Stream hosts beside the v2 Feeds API and Tributary does not provide: open graph
//! scraping (`og/`), analytics (`/analytics/v1.0/engagement/`, `impression/`), image and
//! file uploads (`images/`, `files/`) and personalization (`/personalization/v1.0/...`).
//!
//! Each is answered with v2's 404 (code 16, `DoesNotExistException`) and a `detail` naming
//! the service, changing nothing: a 4xx so that a client calling them does not look like a
//! server failure (no 5xx alarm, no retries), and 404 because the endpoint does not exist
//! here, as for any other unknown path, only with a detail that says why.

use tributary_domain::ApiError;
use tributary_http::v2::V2Error;

fn hosted_only(service: &str) -> V2Error {
    V2Error(ApiError::not_found(format!(
        "{service} is a service hosted by Stream and is not part of Tributary"
    )))
}

pub async fn open_graph() -> V2Error {
    hosted_only("open graph scraping (og)")
}

pub async fn analytics() -> V2Error {
    hosted_only("analytics (engagement and impression tracking)")
}

pub async fn images() -> V2Error {
    hosted_only("image upload and processing (images)")
}

pub async fn files() -> V2Error {
    hosted_only("file upload (files)")
}

pub async fn personalization() -> V2Error {
    hosted_only("personalization")
}

#[cfg(test)]
mod tests {
    #[test]
    fn hosted_services_are_404_with_a_detail_naming_them() {
        let e = super::hosted_only("personalization").envelope();
        assert_eq!(
            (e.status_code, e.code, e.exception),
            (404, 16, "DoesNotExistException")
        );
        assert!(e.detail.contains("personalization") && e.detail.contains("Tributary"));
    }
}

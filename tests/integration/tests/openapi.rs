//! The API description (`openapi/tributary.json`) is what the code generates, what the users
//! function serves, and every operation in it reaches its function through the local router
//! (Cargo.toml) — whatever the router does not match goes to users, like the HTTP API's
//! `$default` route.

use std::collections::BTreeSet;
use std::path::PathBuf;

use tributary_integration_tests::openapi::{
    document_json, error_members, openapi_path, operations, OPENAPI_FILE,
};

#[test]
fn committed_document_is_what_the_code_generates() {
    let committed = std::fs::read_to_string(openapi_path()).unwrap_or_default();
    assert!(
        committed == document_json(),
        "{OPENAPI_FILE} differs from the families' routes: run \
         `cargo run -p tributary-integration-tests --bin openapi` and commit the file"
    );
    // The users function serves the file as it was when it was compiled.
    assert_eq!(users::OPENAPI_DOCUMENT, committed);
}

#[test]
fn document_is_openapi_3_1_with_unique_operations() {
    let doc: serde_json::Value = serde_json::from_str(&document_json()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let ops = operations();
    let ids: BTreeSet<&str> = ops.iter().map(|o| o.operation_id).collect();
    assert_eq!(ids.len(), ops.len(), "operation ids are unique");
    let pairs: BTreeSet<(String, &str)> =
        ops.iter().map(|o| (o.method.to_string(), o.path)).collect();
    assert_eq!(pairs.len(), ops.len(), "one operation per method and path");
    let in_doc: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    assert_eq!(in_doc, ops.len());
    for member in [
        "code",
        "message",
        "StatusCode",
        "duration",
        "more_info",
        "details",
    ] {
        assert!(error_members().iter().any(|m| m == member), "{member}");
    }
}

/// The watch router's entry a path template reaches: static segments before `{param}`
/// before `{*rest}`, position by position (as the router matches).
fn routed<'a>(router: &'a toml::Table, path: &str) -> Option<&'a str> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let mut best: Option<(Vec<u8>, &str)> = None;
    for (pattern, function) in router {
        let pat: Vec<&str> = pattern.trim_start_matches('/').split('/').collect();
        let mut rank = Vec::new();
        let mut matched = true;
        for (i, p) in pat.iter().enumerate() {
            if p.starts_with("{*") {
                matched = segments.len() > i;
                rank.push(0);
                break;
            }
            let Some(s) = segments.get(i) else {
                matched = false;
                break;
            };
            if p.starts_with('{') {
                rank.push(1);
            } else if p == s {
                rank.push(2);
            } else {
                matched = false;
                break;
            }
            if i + 1 == pat.len() && segments.len() != pat.len() {
                matched = false;
            }
        }
        if matched && best.as_ref().is_none_or(|(r, _)| rank > *r) {
            best = Some((rank, function.as_str().unwrap()));
        }
    }
    best.map(|(_, f)| f)
}

#[test]
fn every_operation_reaches_its_function() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let cargo: toml::Value =
        toml::from_str(&std::fs::read_to_string(root.join("Cargo.toml")).unwrap()).unwrap();
    let router = cargo["workspace"]["metadata"]["lambda"]["watch"]["router"]
        .as_table()
        .unwrap();
    for op in operations() {
        // Concrete segments for the template's parameters, as a client would send.
        let path = op
            .path
            .split('/')
            .map(|s| if s.starts_with('{') { "x" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        let function = routed(router, &path).unwrap_or("users");
        assert_eq!(
            function, op.family,
            "{} {} ({}) is routed to {function}",
            op.method, op.path, op.operation_id
        );
    }
}

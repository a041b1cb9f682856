//! The OpenAPI 3.1 description of what Tributary serves, built from the families' own route
//! lists (`<family>::routes()`, the same lists their axum routers are built from), so the
//! description lists exactly the operations the functions answer.
//!
//! It lives here because this crate is the one place that already depends on every function
//! crate: a `shared/` crate doing it would depend upward on the functions, and one function
//! doing it would depend sideways on the others. The users function serves the committed
//! file (`openapi/tributary.json`) at `GET /api/v2/openapi.json`; `tests/openapi.rs` fails
//! when that file differs from [`document_json`]; `cargo run -p tributary-integration-tests
//! --bin openapi` rewrites it.

use std::path::PathBuf;

use axum::http::Method;
use tributary_http::{Operation, Routes};
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, ComponentsBuilder, ObjectBuilder, Schema, Type,
};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{
    ContentBuilder, InfoBuilder, LicenseBuilder, OpenApi, OpenApiBuilder, Paths, Ref, RefOr,
    Required,
};

/// Where the description is committed, relative to the workspace root.
pub const OPENAPI_FILE: &str = "openapi/tributary.json";

/// The committed file's path on this machine.
pub fn openapi_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(OPENAPI_FILE)
}

/// Every family serving HTTP, with what its tag says.
pub fn families() -> Vec<(Routes, &'static str)> {
    vec![
        (
            users::routes(),
            "Users, the app's settings, a user's feed data (export, deletion) and background tasks",
        ),
        (
            activities::routes(),
            "Activities: adding, reading, changing, removing and searching them",
        ),
        (
            feeds::routes(),
            "Feed groups, feeds, reading a feed, members, membership levels and visibility levels",
        ),
        (
            follows::routes(),
            "Follows between feeds: requests, approvals, removal and search",
        ),
        (reactions::routes(), "Reactions to activities"),
        (
            comments::routes(),
            "Comment threads on activities and reactions to comments",
        ),
    ]
}

/// Every operation of every family, in the families' order.
pub fn operations() -> Vec<Operation> {
    families()
        .iter()
        .flat_map(|(routes, _)| routes.operations().to_vec())
        .collect()
}

const API_DESCRIPTION: &str = "\
Tributary serves the v3 Activity Feeds API of Stream (the `/api/v2/feeds/...` paths its \
official SDKs call) from AWS Lambda functions over DynamoDB. Every request names the app \
with the `api_key` query parameter. A server-side caller sends `stream-auth-type: jwt` and a \
token signed (HS256) with the app secret and carrying no `user_id`; a user sends a token \
with its `user_id`; an anonymous caller sends `stream-auth-type: anonymous` and no token. \
Every error body is the same envelope (`StreamError`); successful bodies carry `duration`.\n\n\
This document is generated from the functions' route lists; do not edit it by hand.";

/// The description as a utoipa document.
pub fn document() -> OpenApi {
    let mut paths = Paths::new();
    let families = families();
    for (routes, _) in &families {
        for op in routes.operations() {
            let item = PathItem::new(http_method(&op.method), operation(op));
            // Paths::path merges the operations of one path.
            paths
                .paths
                .entry(op.path.to_string())
                .and_modify(|existing| {
                    existing.merge_operations(item.clone());
                })
                .or_insert(item);
        }
    }
    let tags = families.iter().filter_map(|(routes, description)| {
        let family = routes.operations().first()?.family;
        Some(
            TagBuilder::new()
                .name(family)
                .description(Some(*description))
                .build(),
        )
    });
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Tributary")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(API_DESCRIPTION))
                .license(Some(
                    LicenseBuilder::new()
                        .name("Apache-2.0")
                        .identifier(Some("Apache-2.0"))
                        .build(),
                ))
                .build(),
        )
        .paths(paths)
        .components(Some(components(&families)))
        .security(Some([
            SecurityRequirement::new("api_key", Vec::<String>::new())
                .add("stream_auth_type", Vec::<String>::new())
                .add("authorization", Vec::<String>::new()),
            SecurityRequirement::new("api_key", Vec::<String>::new())
                .add("stream_auth_type", Vec::<String>::new()),
        ]))
        .tags(Some(tags))
        .build()
}

/// The committed form: pretty JSON and a final newline.
pub fn document_json() -> String {
    let mut text = document()
        .to_pretty_json()
        .expect("the description serializes");
    text.push('\n');
    text
}

fn http_method(method: &Method) -> HttpMethod {
    match *method {
        Method::GET => HttpMethod::Get,
        Method::POST => HttpMethod::Post,
        Method::PUT => HttpMethod::Put,
        Method::PATCH => HttpMethod::Patch,
        Method::DELETE => HttpMethod::Delete,
        ref other => panic!("no family serves {other}"),
    }
}

/// The `{name}` segments of a path.
fn path_params(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
}

fn typed(ty: Type) -> Schema {
    ObjectBuilder::new().schema_type(ty).into()
}

/// A JSON object with any members.
fn any_object(description: &str) -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(description))
        .additional_properties(Some(AdditionalProperties::FreeForm(true)))
        .into()
}

fn operation(op: &Operation) -> utoipa::openapi::path::Operation {
    let mut b = OperationBuilder::new()
        .tag(op.family)
        .operation_id(Some(op.operation_id))
        .summary(Some(op.summary));
    for name in path_params(op.path) {
        b = b.parameter(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(typed(Type::String))),
        );
    }
    for (name, ty) in op.query {
        let ty = match ty {
            tributary_http::ParamType::String => Type::String,
            tributary_http::ParamType::Integer => Type::Integer,
            tributary_http::ParamType::Boolean => Type::Boolean,
        };
        b = b.parameter(
            ParameterBuilder::new()
                .name(*name)
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .schema(Some(typed(ty))),
        );
    }
    if matches!(op.method, Method::POST | Method::PUT | Method::PATCH) {
        let schema: RefOr<Schema> = match &op.body {
            Some(body) => Ref::from_schema_name((body.name)()).into(),
            None => any_object("The request").into(),
        };
        b = b.request_body(Some(
            RequestBodyBuilder::new()
                .description(Some(
                    "The request, a JSON object; a member the operation does not know is \
                     ignored, one of the wrong type is refused (400, code 4, naming it)",
                ))
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(schema)).build(),
                )
                .build(),
        ));
    }
    let reply: RefOr<Schema> = if op.content_type == tributary_http::routes::JSON {
        Ref::from_schema_name("Reply").into()
    } else {
        any_object("The document").into()
    };
    b = b.response(
        "200",
        ResponseBuilder::new().description("Success").content(
            op.content_type,
            ContentBuilder::new().schema(Some(reply)).build(),
        ),
    );
    if op.public {
        b = b.securities(Some(Vec::new()));
    } else {
        for status in ["400", "401", "403", "404", "413"] {
            b = b.response(status, Ref::from_response_name("StreamError"));
        }
    }
    b.build()
}

/// The request body schemas the routes declare, and the schemas they refer to. Two types
/// may share a name only when their schemas are the same (the families' `SortParam`s);
/// otherwise one of them needs `#[schema(as = ...)]`.
fn body_schemas(families: &[(Routes, &'static str)]) -> Vec<(String, RefOr<Schema>)> {
    let mut found = Vec::new();
    for (routes, _) in families {
        for body in routes.operations().iter().filter_map(|o| o.body) {
            found.push(((body.name)().into_owned(), (body.schema)()));
            (body.components)(&mut found);
        }
    }
    let mut schemas: Vec<(String, RefOr<Schema>)> = Vec::new();
    for (name, schema) in found {
        match schemas.iter().find(|(n, _)| *n == name) {
            Some((_, existing)) => assert!(
                serde_json::to_value(existing).unwrap() == serde_json::to_value(&schema).unwrap(),
                "two request types are both named {name} in the description"
            ),
            None => schemas.push((name, schema)),
        }
    }
    schemas
}

fn components(families: &[(Routes, &'static str)]) -> utoipa::openapi::Components {
    let error = ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(
            "What every error answers, whatever the status: Stream's error envelope",
        ))
        .property(
            "code",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .description(Some(
                    "Stream's error code (4 bad input, 16 not found, 17 not allowed, ...)",
                )),
        )
        .required("code")
        .property(
            "message",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some("What went wrong, for people")),
        )
        .required("message")
        .property(
            "StatusCode",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .description(Some("The HTTP status, repeated")),
        )
        .required("StatusCode")
        .property(
            "duration",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some("How long the server took, e.g. `1.25ms`")),
        )
        .required("duration")
        .property(
            "more_info",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some("Where the error codes are explained")),
        )
        .required("more_info")
        .property(
            "details",
            ArrayBuilder::new()
                .items(ObjectBuilder::new().schema_type(Type::Integer))
                .description(Some("Further codes (empty)")),
        )
        .required("details")
        .property(
            "unrecoverable",
            ObjectBuilder::new()
                .schema_type(Type::Boolean)
                .description(Some("Whether repeating the request can succeed")),
        )
        .property(
            "exception_fields",
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .description(Some(
                    "For bad input, the field at fault and what is wrong with it",
                ))
                .additional_properties(Some(typed(Type::String))),
        );
    let reply = ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(
            "A successful answer: the operation's members and `duration`",
        ))
        .additional_properties(Some(AdditionalProperties::FreeForm(true)))
        .property("duration", typed(Type::String));
    ComponentsBuilder::new()
        .schemas_from_iter(body_schemas(families))
        .schema("StreamError", error)
        .schema("Reply", reply)
        .response(
            "StreamError",
            ResponseBuilder::new()
                .description(
                    "Refused: bad input (400), no or bad credentials (401), not allowed (403), \
                     nothing there (404), a body too large (413)",
                )
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("StreamError")))
                        .build(),
                )
                .build(),
        )
        .security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
                "api_key",
                "The app's API key",
            ))),
        )
        .security_scheme(
            "stream_auth_type",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "stream-auth-type",
                "`jwt` (a token in Authorization) or `anonymous` (no token)",
            ))),
        )
        .security_scheme(
            "authorization",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "A JWT signed (HS256) with the app secret, bare or after `Bearer `: \
                 without `user_id` a server token, with one a user token",
            ))),
        )
        .build()
}

/// The error responses' schema, for tests: the members every error body has.
pub fn error_members() -> Vec<String> {
    let doc = serde_json::to_value(document()).expect("serializes");
    doc["components"]["schemas"]["StreamError"]["required"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

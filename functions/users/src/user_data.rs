//! `delete_feed_user_data`, `export_feed_user_data` and `get_task`: the first two start a
//! background task (see `tributary_tasks::user_data`) and answer with its id at once.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use tributary_domain::caller::Caller;
use tributary_domain::ids;
use tributary_domain::validate;
use tributary_domain::ApiError;
use tributary_domain::ApiResult;
use tributary_http::{AppState, Auth, Body};
use tributary_tasks::records;
use tributary_tasks::user_data::{self, Action, UserDataTask};
use tributary_v3::replies::{TaskError, TaskReply, TaskStatusReply};

type Reply<T = TaskReply> = tributary_http::HttpResult<Json<T>>;

fn server_only(caller: &Caller) -> ApiResult<()> {
    match caller {
        Caller::Server => Ok(()),
        _ => Err(ApiError::not_allowed(
            "deleting or exporting a user's data is for server-side calls",
        )),
    }
}

async fn start(s: &AppState, user_id: &str, action: Action, kind: &str) -> Reply {
    validate::id("user_id", user_id)?;
    let task_id = ids::new_id();
    records::create(&s.store, &task_id, kind, user_id).await?;
    s.enqueue(&[UserDataTask::start(&task_id, user_id, action)])
        .await?;
    Ok(Json(TaskReply { task_id }))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct DeleteRequest {
    hard_delete: Option<bool>,
}

pub async fn delete_feed_user_data(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(user_id): Path<String>,
    Body(req): Body<DeleteRequest>,
) -> Reply {
    server_only(&caller)?;
    let hard = req.hard_delete.unwrap_or(false);
    start(
        &s,
        &user_id,
        Action::Delete { hard },
        "delete_feed_user_data",
    )
    .await
}

pub async fn export_feed_user_data(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(user_id): Path<String>,
) -> Reply {
    server_only(&caller)?;
    start(&s, &user_id, Action::Export, "export_feed_user_data").await
}

pub async fn get_task(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> Reply<TaskStatusReply> {
    server_only(&caller)?;
    let task = records::get(&s.store, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("task '{id}' does not exist")))?;
    let mut result = task.result;
    if let Some(result) = result.as_mut() {
        if task.status == "completed" && result.get("exported").is_some() {
            result["data"] = user_data::assemble(records::parts(&s.store, &id).await?);
        }
    }
    Ok(Json(TaskStatusReply {
        task_id: task.id,
        status: task.status,
        created_at: task.created_at,
        updated_at: task.updated_at,
        result,
        error: task.error.map(|description| TaskError {
            kind: "task_failed".into(),
            description,
        }),
    }))
}

//! Local and deployed cannot drift: the table the code expects and the routes the local
//! router serves are checked against infra/template.yaml.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_yaml::Value;
use tributary_store::keys;

fn repo_file(path: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

fn template() -> Value {
    serde_yaml::from_str(&repo_file("infra/template.yaml")).expect("template parses")
}

fn key_schema(v: &Value) -> Vec<(String, String)> {
    v.as_sequence()
        .expect("key schema")
        .iter()
        .map(|k| {
            (
                k["AttributeName"].as_str().unwrap().to_string(),
                k["KeyType"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pair(pk: &str, sk: &str) -> Vec<(String, String)> {
    vec![(pk.into(), "HASH".into()), (sk.into(), "RANGE".into())]
}

#[test]
fn table_matches_the_key_builders() {
    let t = template();
    let props = &t["Resources"]["Table"]["Properties"];
    assert_eq!(props["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(key_schema(&props["KeySchema"]), pair(keys::PK, keys::SK));
    let gsis: BTreeMap<String, Vec<(String, String)>> = props["GlobalSecondaryIndexes"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|g| {
            // Counters must not be projected: bumping one would rewrite the index entry.
            let projected: Vec<&str> = g["Projection"]["NonKeyAttributes"]
                .as_sequence()
                .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
                .unwrap_or_default();
            assert_eq!(g["Projection"]["ProjectionType"], "INCLUDE");
            for counter in [
                "reaction_count",
                "comment_count",
                "share_count",
                "bookmark_count",
                "version",
            ] {
                assert!(!projected.contains(&counter), "{counter} is projected");
            }
            (
                g["IndexName"].as_str().unwrap().to_string(),
                key_schema(&g["KeySchema"]),
            )
        })
        .collect();
    assert_eq!(gsis[keys::GSI1], pair(keys::GSI1_PK, keys::GSI1_SK));
    assert_eq!(gsis[keys::GSI2], pair(keys::GSI2_PK, keys::GSI2_SK));
    assert_eq!(gsis[keys::GSI3], pair(keys::GSI3_PK, keys::GSI3_SK));
    assert_eq!(props["TimeToLiveSpecification"]["AttributeName"], keys::TTL);
    assert_eq!(props["TimeToLiveSpecification"]["Enabled"], true);
}

#[test]
fn both_jobs_are_scheduled() {
    let t = template();
    let events = &t["Resources"]["JobsFunction"]["Properties"]["Events"];
    let mut jobs: Vec<String> = events
        .as_mapping()
        .expect("the jobs function has events")
        .values()
        .filter(|e| e["Type"] == "Schedule")
        .map(|e| {
            let input: serde_json::Value =
                serde_json::from_str(e["Properties"]["Input"].as_str().unwrap()).unwrap();
            input["job"].as_str().unwrap().to_string()
        })
        .collect();
    jobs.sort();
    assert_eq!(jobs, ["expiry", "hiding"]);
}

/// Normalises a path so `{proxy+}` (API Gateway) and `{*rest}` (the local router) compare.
/// The HTTP API's `$default` route (whatever no other route matches) is the local router's
/// root catch-all, `/{*rest}`: both come out as `/*`.
fn normalise(path: &str) -> String {
    if path == "$default" {
        return "/*".into();
    }
    path.replace("{proxy+}", "*").replace("{*rest}", "*")
}

/// The logical id of the template's one HTTP API.
fn http_api_id(t: &Value) -> String {
    let ids: Vec<&str> = t["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::Serverless::HttpApi")
        .map(|(id, _)| id.as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 1, "one HttpApi: {ids:?}");
    ids[0].to_string()
}

/// The argument of an intrinsic function, short (`!Ref x`) or long (`{Ref: x}`) form.
/// `name` is `Ref`, `GetAtt`, `If`, ...; a `GetAtt` comes back as `"Resource.Attribute"`.
fn intrinsic(v: &Value, name: &str) -> Option<Value> {
    let arg = match v {
        Value::Tagged(t) if t.tag == name => t.value.clone(),
        Value::Mapping(m) if m.len() == 1 => {
            let key = if name == "Ref" {
                name.to_string()
            } else {
                format!("Fn::{name}")
            };
            m.get(key.as_str())?.clone()
        }
        _ => return None,
    };
    if name == "GetAtt" {
        if let Some(parts) = arg.as_sequence() {
            let parts: Vec<&str> = parts.iter().filter_map(|p| p.as_str()).collect();
            return Some(Value::String(parts.join(".")));
        }
    }
    Some(arg)
}

fn is_ref(v: &Value, target: &str) -> bool {
    intrinsic(v, "Ref").is_some_and(|r| r == target)
}

#[test]
fn local_router_serves_what_the_api_serves() {
    let t = template();
    let mut deployed: BTreeMap<String, String> = BTreeMap::new();
    for (_, resource) in t["Resources"].as_mapping().unwrap() {
        if resource["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        let binary = resource["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .unwrap()
            .to_string();
        let Some(events) = resource["Properties"]["Events"].as_mapping() else {
            continue;
        };
        for (_, event) in events {
            if event["Type"] == "HttpApi" {
                deployed.insert(
                    normalise(event["Properties"]["Path"].as_str().unwrap()),
                    binary.clone(),
                );
            }
        }
    }
    let cargo: toml::Value = toml::from_str(&repo_file("Cargo.toml")).unwrap();
    let router = cargo["workspace"]["metadata"]["lambda"]["watch"]["router"]
        .as_table()
        .unwrap();
    let local: BTreeMap<String, String> = router
        .iter()
        .map(|(path, f)| (normalise(path), f.as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        local, deployed,
        "Cargo.toml's watch router and the template's HttpApi routes differ"
    );
}

#[test]
fn task_queue_has_a_dead_letter_queue() {
    let t = template();
    let q = &t["Resources"]["TaskQueue"]["Properties"];
    assert!(q["RedrivePolicy"]["maxReceiveCount"]
        .as_u64()
        .is_some_and(|n| (1..=10).contains(&n)));
    assert!(t["Resources"]["TaskDeadLetterQueue"].is_mapping());
}

#[test]
fn unmatched_requests_reach_the_users_function() {
    // Without a `$default` route API Gateway answers an unknown path itself with
    // {"message":"Not Found"}; the users function answers with Stream's envelope.
    let t = template();
    let api = http_api_id(&t);
    let mut defaults = Vec::new();
    for (id, resource) in t["Resources"].as_mapping().unwrap() {
        let Some(events) = resource["Properties"]["Events"].as_mapping() else {
            continue;
        };
        for (_, event) in events {
            let props = &event["Properties"];
            if event["Type"] == "HttpApi" && props["Path"] == "$default" {
                assert_eq!(
                    props["Method"], "ANY",
                    "the $default route takes every method"
                );
                assert!(is_ref(&props["ApiId"], &api), "$default is on {api}");
                defaults.push((
                    id.as_str().unwrap().to_string(),
                    resource["Metadata"]["BuildProperties"]["Binary"].clone(),
                ));
            }
        }
    }
    assert_eq!(
        defaults,
        [("UsersFunction".to_string(), Value::from("users"))],
        "exactly one $default route, on the users function"
    );
}

/// An alarm's `(namespace, metric)` and its dimensions.
fn alarm_metric(alarm: &Value) -> (String, String, Vec<(String, Value)>) {
    let p = &alarm["Properties"];
    let dims = p["Dimensions"]
        .as_sequence()
        .map(|d| {
            d.iter()
                .map(|d| (d["Name"].as_str().unwrap().to_string(), d["Value"].clone()))
                .collect()
        })
        .unwrap_or_default();
    (
        p["Namespace"].as_str().unwrap_or_default().to_string(),
        p["MetricName"].as_str().unwrap_or_default().to_string(),
        dims,
    )
}

#[test]
fn alarms_watch_dead_letters_function_errors_and_server_errors() {
    let t = template();
    let resources = t["Resources"].as_mapping().unwrap();
    let alarms: Vec<(&str, &Value)> = resources
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::CloudWatch::Alarm")
        .map(|(id, r)| (id.as_str().unwrap(), r))
        .collect();

    // Each goes off on the first occurrence and notifies the topic only when one is given.
    assert_eq!(t["Parameters"]["AlarmTopicArn"]["Default"], "");
    let condition = intrinsic(&t["Conditions"]["HasAlarmTopic"], "Not")
        .expect("HasAlarmTopic is a Not")[0]
        .clone();
    let equals = intrinsic(&condition, "Equals").expect("HasAlarmTopic is Not Equals");
    assert!(is_ref(&equals[0], "AlarmTopicArn") && equals[1] == "");
    for (id, alarm) in &alarms {
        let p = &alarm["Properties"];
        assert_eq!(p["ComparisonOperator"], "GreaterThanThreshold", "{id}");
        assert_eq!(p["Threshold"].as_f64(), Some(0.0), "{id}");
        assert_eq!(p["TreatMissingData"], "notBreaching", "{id}");
        let actions = intrinsic(&p["AlarmActions"], "If")
            .unwrap_or_else(|| panic!("{id}: AlarmActions depend on HasAlarmTopic"));
        assert_eq!(actions[0], "HasAlarmTopic", "{id}");
        let topics = actions[1].as_sequence().expect("a list of topics");
        assert!(
            topics.len() == 1 && is_ref(&topics[0], "AlarmTopicArn"),
            "{id}"
        );
        assert!(
            is_ref(&actions[2], "AWS::NoValue"),
            "{id}: no actions without a topic"
        );
    }
    let watching = |namespace: &str, metric: &str, dim: &str, pred: &dyn Fn(&Value) -> bool| {
        alarms.iter().any(|(_, a)| {
            let (ns, m, dims) = alarm_metric(a);
            ns == namespace
                && m == metric
                && dims.len() == 1
                && dims[0].0 == dim
                && pred(&dims[0].1)
        })
    };

    assert!(
        watching(
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            "QueueName",
            &|v| intrinsic(v, "GetAtt").is_some_and(|a| a == "TaskDeadLetterQueue.QueueName")
        ),
        "an alarm on the dead-letter queue's depth"
    );
    let api = http_api_id(&t);
    assert!(
        watching("AWS/ApiGateway", "5xx", "ApiId", &|v| is_ref(v, &api)),
        "an alarm on the HTTP API's 5xx responses"
    );
    for (id, resource) in resources {
        if resource["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        let id = id.as_str().unwrap();
        assert!(
            watching("AWS/Lambda", "Errors", "FunctionName", &|v| is_ref(v, id)),
            "no Errors alarm for {id}"
        );
    }
}

#[test]
fn functions_log_json_and_trace() {
    let t = template();
    let globals = &t["Globals"]["Function"];
    assert_eq!(globals["Tracing"], "Active");
    assert_eq!(globals["LoggingConfig"]["LogFormat"], "JSON");
    for (id, resource) in t["Resources"].as_mapping().unwrap() {
        if resource["Type"] == "AWS::Serverless::Function" {
            let p = &resource["Properties"];
            assert!(p["Tracing"].is_null(), "{id:?} overrides Tracing");
            assert!(
                p["LoggingConfig"].is_null(),
                "{id:?} overrides LoggingConfig"
            );
        }
    }
}

#[test]
fn the_api_is_throttled_and_functions_limit_each_user() {
    let t = template();
    let api = &t["Resources"][http_api_id(&t).as_str()]["Properties"];
    let route = &api["DefaultRouteSettings"];
    assert!(is_ref(&route["ThrottlingRateLimit"], "ApiThrottleRate"));
    assert!(is_ref(&route["ThrottlingBurstLimit"], "ApiThrottleBurst"));
    for parameter in ["ApiThrottleRate", "ApiThrottleBurst"] {
        assert!(t["Parameters"][parameter]["Default"].as_u64().unwrap() > 0);
    }
    let env = &t["Globals"]["Function"]["Environment"]["Variables"];
    assert!(is_ref(&env["USER_RATE_LIMIT"], "UserRateLimit"));
    assert_eq!(
        t["Parameters"]["UserRateLimit"]["Default"].as_u64(),
        Some(u64::from(tributary_domain::rate_limit::DEFAULT_USER_LIMIT))
    );
}

/// The logical ids of the template's resources of one type.
fn resources_of_type<'a>(t: &'a Value, kind: &str) -> Vec<(&'a str, &'a Value)> {
    t["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == kind)
        .map(|(id, r)| (id.as_str().unwrap(), r))
        .collect()
}

/// The text of a `!Sub "..."` (short or long form).
fn sub_text(v: &Value) -> Option<String> {
    intrinsic(v, "Sub").and_then(|s| s.as_str().map(str::to_string))
}

#[test]
fn the_websocket_api_reaches_the_realtime_function() {
    let t = template();
    let apis: Vec<&str> = resources_of_type(&t, "AWS::ApiGatewayV2::Api")
        .into_iter()
        .filter(|(_, r)| r["Properties"]["ProtocolType"] == "WEBSOCKET")
        .map(|(id, _)| id)
        .collect();
    assert_eq!(apis, ["WebSocketApi"], "one WebSocket API");

    // Every route goes to one Lambda proxy integration of the realtime function.
    let mut keys: Vec<String> = Vec::new();
    for (id, route) in resources_of_type(&t, "AWS::ApiGatewayV2::Route") {
        let p = &route["Properties"];
        assert!(is_ref(&p["ApiId"], "WebSocketApi"), "{id}");
        keys.push(p["RouteKey"].as_str().unwrap().to_string());
        let target = sub_text(&p["Target"]).unwrap_or_else(|| panic!("{id}: Target is a !Sub"));
        let integration = target
            .strip_prefix("integrations/${")
            .and_then(|s| s.strip_suffix('}'))
            .unwrap_or_else(|| panic!("{id}: Target {target}"));
        let i = &t["Resources"][integration]["Properties"];
        assert_eq!(i["IntegrationType"], "AWS_PROXY", "{integration}");
        let uri = sub_text(&i["IntegrationUri"]).expect("IntegrationUri is a !Sub");
        assert!(
            uri.contains("${RealtimeFunction.Arn}") && uri.ends_with("/invocations"),
            "{integration}: {uri}"
        );
    }
    keys.sort();
    assert_eq!(keys, ["$connect", "$default", "$disconnect"]);

    // The local stack runs the same binary (scripts/lib/dev.py builds `realtime`).
    let function = &t["Resources"]["RealtimeFunction"];
    assert_eq!(
        function["Metadata"]["BuildProperties"]["Binary"],
        "realtime"
    );
    let cargo: toml::Value = toml::from_str(&repo_file("Cargo.toml")).unwrap();
    let members = cargo["workspace"]["members"].as_array().unwrap();
    assert!(
        members
            .iter()
            .any(|m| m.as_str() == Some("functions/realtime")),
        "functions/realtime is a workspace member"
    );

    // API Gateway may invoke it.
    let allowed = resources_of_type(&t, "AWS::Lambda::Permission")
        .into_iter()
        .any(|(_, p)| {
            let p = &p["Properties"];
            is_ref(&p["FunctionName"], "RealtimeFunction")
                && p["Principal"] == "apigateway.amazonaws.com"
                && sub_text(&p["SourceArn"]).is_some_and(|a| a.contains("${WebSocketApi}/"))
        });
    assert!(
        allowed,
        "a permission for the WebSocket API to invoke RealtimeFunction"
    );
}

#[test]
fn publishing_functions_reach_the_management_api() {
    let t = template();
    let stages = resources_of_type(&t, "AWS::ApiGatewayV2::Stage");
    assert_eq!(stages.len(), 1, "one WebSocket stage");
    let stage = stages[0].1["Properties"]["StageName"].as_str().unwrap();
    assert_eq!(stages[0].1["Properties"]["AutoDeploy"], true);

    // REALTIME_ENDPOINT and the WebSocketUrl output name the API and its stage.
    let endpoint =
        sub_text(&t["Globals"]["Function"]["Environment"]["Variables"]["REALTIME_ENDPOINT"])
            .expect("REALTIME_ENDPOINT is a !Sub");
    assert!(
        endpoint.starts_with("https://${WebSocketApi}.execute-api.")
            && endpoint.ends_with(&format!("/{stage}")),
        "{endpoint}"
    );
    let url = sub_text(&t["Outputs"]["WebSocketUrl"]["Value"]).expect("WebSocketUrl is a !Sub");
    assert!(
        url.starts_with("wss://${WebSocketApi}.execute-api.")
            && url.ends_with(&format!("/{stage}")),
        "{url}"
    );

    // The managed policies that allow execute-api:ManageConnections on the API.
    let managing: Vec<&str> = resources_of_type(&t, "AWS::IAM::ManagedPolicy")
        .into_iter()
        .filter(|(_, p)| {
            p["Properties"]["PolicyDocument"]["Statement"]
                .as_sequence()
                .unwrap()
                .iter()
                .any(|s| {
                    s["Effect"] == "Allow"
                        && s["Action"] == "execute-api:ManageConnections"
                        && sub_text(&s["Resource"]).is_some_and(|r| r.contains("${WebSocketApi}/"))
                })
        })
        .map(|(id, _)| id)
        .collect();
    assert!(!managing.is_empty(), "a policy allowing ManageConnections");

    // Every function that publishes (HTTP, SQS-triggered and the realtime one) has it.
    for (id, resource) in resources_of_type(&t, "AWS::Serverless::Function") {
        let events = resource["Properties"]["Events"].as_mapping();
        let publishes = id == "RealtimeFunction"
            || events.is_some_and(|e| {
                e.values()
                    .any(|ev| ev["Type"] == "HttpApi" || ev["Type"] == "SQS")
            });
        if !publishes {
            continue;
        }
        let policies = resource["Properties"]["Policies"]
            .as_sequence()
            .unwrap_or_else(|| panic!("{id} has policies"));
        assert!(
            policies
                .iter()
                .any(|p| managing.iter().any(|m| is_ref(p, m))),
            "{id} may not post to WebSocket connections"
        );
    }
}

#[test]
fn functions_deploy_as_lean_arm64_builds() {
    let t = template();
    let globals = &t["Globals"]["Function"];
    assert_eq!(globals["Runtime"], "provided.al2023");
    assert_eq!(globals["Handler"], "bootstrap");
    let arm64 = Value::Sequence(vec![Value::from("arm64")]);
    assert_eq!(globals["Architectures"], arm64, "functions run on arm64");

    // Each function is its workspace binary, built by cargo lambda (which builds for the
    // function's architecture), and none of them moves off arm64.
    let cargo: toml::Value = toml::from_str(&repo_file("Cargo.toml")).expect("Cargo.toml parses");
    let members: Vec<&str> = cargo["workspace"]["members"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|m| m.as_str()?.strip_prefix("functions/"))
        .collect();
    let functions = resources_of_type(&t, "AWS::Serverless::Function");
    assert_eq!(functions.len(), members.len(), "one function per binary");
    for (id, resource) in functions {
        assert_eq!(
            resource["Metadata"]["BuildMethod"], "rust-cargolambda",
            "{id}"
        );
        let binary = resource["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .unwrap_or_else(|| panic!("{id} names its binary"));
        assert!(members.contains(&binary), "{id}: {binary} is no function");
        let own = &resource["Properties"]["Architectures"];
        assert!(own.is_null() || *own == arm64, "{id} is not arm64");
    }

    // What keeps each bootstrap small (scripts/bench functions measures it): one unit,
    // optimised for size across crates at link time, stripped, without unwinding tables.
    let release = &cargo["profile"]["release"];
    assert_eq!(release["lto"].as_str(), Some("fat"));
    assert_eq!(release["codegen-units"].as_integer(), Some(1));
    assert_eq!(release["strip"].as_str(), Some("symbols"));
    assert_eq!(release["panic"].as_str(), Some("abort"));
    assert_eq!(release["opt-level"].as_str(), Some("z"));
    // The benchmarks build with the bench profile, which inherits release: it turns the
    // slow link-time work back off, and unwinds.
    let bench = &cargo["profile"]["bench"];
    assert_eq!(bench["panic"].as_str(), Some("unwind"));
    assert_eq!(bench["lto"].as_bool(), Some(false));
    assert!(bench["codegen-units"].as_integer().unwrap_or(1) > 1);
}

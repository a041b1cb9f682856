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
fn normalise(path: &str) -> String {
    path.replace("{proxy+}", "*").replace("{*rest}", "*")
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

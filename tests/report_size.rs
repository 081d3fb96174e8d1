//! Reports whose size follows the findings, not findings × accounts (issue 10 Figures,
//! issue 12 item 3): the JSON report lists each route once and findings cite it, its
//! streamed writer writes every member serde knows of, and SARIF stays within what GitHub
//! code scanning accepts, saying what it left out.

use std::collections::BTreeSet;

use serde_json::Value;

use iamdiff::report::diff::DiffReport;
use iamdiff::report::{json, sarif};

use crate::util::stdout_of;

/// The people fixture (issue 9): person findings and principal findings.
fn people_json() -> String {
    stdout_of(
        [
            "diff",
            "--before",
            "fixtures/aws/people/before",
            "--after",
            "fixtures/aws/people/after",
            "--view",
            "people",
            "--format",
            "json",
            "--quiet",
        ],
        1,
    )
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

// issue 12 (review follow-up): the streamed writer lists the top-level members by hand
// and once silently dropped `people`; its members must be serde's plus the route tables
#[test]
fn the_streamed_json_writes_every_member_serde_knows() {
    let report = json::from_str(&people_json()).unwrap();
    assert!(!report.people.is_empty(), "the fixture has person findings");
    let mut without_people = report.clone();
    without_people.people.clear();
    for r in [&report, &without_people] {
        let mut want = keys(&serde_json::to_value(r).unwrap());
        want.extend(json::ADDED_MEMBERS.iter().map(|k| (*k).to_owned()));
        let mut buf = Vec::new();
        json::write(r, &mut buf).unwrap();
        let written: Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(keys(&written), want);
    }
}

// issue 10 Figures: a person's findings each repeated every account's route (133 MB of a
// 220 MB report); now each route is listed once, sides cite a list of them, and nothing
// is lost: reading the report back gives the same report and the same bytes
#[test]
fn json_lists_each_route_once_and_reads_back_whole() {
    let text = people_json();
    let v: Value = serde_json::from_str(&text).unwrap();
    let routes = v["routes"].as_array().unwrap();
    let sets = v["route_sets"].as_array().unwrap();
    assert!(!routes.is_empty());
    let distinct: BTreeSet<String> = routes.iter().map(Value::to_string).collect();
    assert_eq!(distinct.len(), routes.len(), "a route is listed once");
    let distinct: BTreeSet<String> = sets.iter().map(Value::to_string).collect();
    assert_eq!(
        distinct.len(),
        sets.len(),
        "a list of routes is listed once"
    );
    let mut cited = 0;
    for list in ["principals", "people"] {
        for p in v[list].as_array().unwrap() {
            for f in p["findings"].as_array().unwrap() {
                assert!(f["id"].is_string(), "{list} findings carry their id");
                for side in ["before", "after"] {
                    let n = f[side]["route_set"].as_u64().expect("route_set") as usize;
                    assert!(n < sets.len());
                    assert!(f[side].get("routes").is_none());
                    cited += 1;
                }
            }
        }
    }
    assert!(cited > 0);
    for set in sets {
        for r in set.as_array().unwrap() {
            assert!((r.as_u64().unwrap() as usize) < routes.len());
        }
    }
    // the complete record: back to the model and out again, byte for byte
    let report: DiffReport = json::from_str(&text).unwrap();
    assert!(
        report
            .findings()
            .any(|f| !f.before.routes.is_empty() || !f.after.routes.is_empty())
    );
    let mut again = Vec::new();
    json::write(&report, &mut again).unwrap();
    assert_eq!(String::from_utf8(again).unwrap(), text);
}

// issue 10 Figures: GitHub code scanning rejects more than 25,000 results per run; past
// the limit SARIF keeps the most severe and says how many it left out
#[test]
fn sarif_keeps_the_most_severe_results_within_the_limit_and_says_so() {
    let report = json::from_str(&people_json()).unwrap();
    let all = report
        .findings()
        .filter(|f| f.code != iamdiff::diff::findings::Code::UnusedWaiver)
        .count();
    assert!(all > 2);
    let mut buf = Vec::new();
    sarif::write_sarif_limited(&report, 2, &mut buf).unwrap();
    let v: Value = serde_json::from_slice(&buf).unwrap();
    let run = &v["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(run["properties"]["resultsLeftOut"], all - 2);
    assert_eq!(run["properties"]["resultsTotal"], all);
    let note = run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
        .as_str()
        .unwrap();
    assert!(note.contains(&format!("{} of {all}", all - 2)), "{note}");
    assert!(note.contains("JSON report"), "{note}");
    // the kept ones are the most severe: failing ones first
    let failing = report.findings().filter(|f| f.fails_gate).count();
    let kept_failing = results.iter().filter(|r| r["level"] == "error").count();
    assert_eq!(kept_failing, failing.min(2));
    // every result's file is in run.artifacts, cited by index
    let artifacts = run["artifacts"].as_array().unwrap();
    for r in results {
        let loc = &r["locations"][0]["physicalLocation"]["artifactLocation"];
        if loc.is_object() {
            let n = loc["index"].as_u64().unwrap() as usize;
            assert_eq!(artifacts[n]["location"]["uri"], loc["uri"]);
        }
    }
    // without a limit to reach, nothing is said
    let mut buf = Vec::new();
    sarif::write_sarif(&report, &mut buf).unwrap();
    let v: Value = serde_json::from_slice(&buf).unwrap();
    assert_eq!(v["runs"][0]["results"].as_array().unwrap().len(), all);
    assert_eq!(v["runs"][0]["properties"]["resultsLeftOut"], 0);
    assert!(
        v["runs"][0]["invocations"][0]
            .get("toolExecutionNotifications")
            .is_none()
    );
}

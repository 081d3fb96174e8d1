//! The oracle corpus (`fixtures/oracle/`): decisions taken from the AWS documentation,
//! never from iamdiff. Every case must agree, through the library and through the binary.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use iamdiff::catalog::catalog;
use iamdiff::eval::context::RequestContext;

use crate::util::{fixture, iamdiff, rel};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    doc: String,
    principal: String,
    action: String,
    resource: Option<String>,
    #[serde(default)]
    context: BTreeMap<String, OneOrMany>,
    #[serde(default)]
    closed_context: bool,
    expect: String,
    #[serde(default)]
    statements: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn values(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

struct Topic {
    dir: PathBuf,
    account: PathBuf,
    scps: Vec<PathBuf>,
    cases: Vec<Case>,
}

fn topics() -> Vec<Topic> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixture("oracle"))
        .expect("fixtures/oracle exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("cases.yaml").is_file())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|dir| {
            let mut scps: Vec<PathBuf> = std::fs::read_dir(&dir)
                .unwrap()
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("scp-"))
                })
                .collect();
            scps.sort();
            let text = std::fs::read_to_string(dir.join("cases.yaml")).unwrap();
            let cases: Vec<Case> = serde_yaml::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: {e}", dir.join("cases.yaml").display()));
            Topic {
                account: dir.join("account.json"),
                dir,
                scps,
                cases,
            }
        })
        .collect()
}

fn check_statements(case: &Case, topic: &Path, sids: &[String]) {
    for want in &case.statements {
        assert!(
            sids.iter().any(|s| s == want),
            "{}: case `{}`: expected statement `{want}` among the deciding statements {sids:?}",
            topic.display(),
            case.name
        );
    }
}

#[test]
fn oracle_library() {
    let topics = topics();
    assert!(
        topics.len() >= 10,
        "oracle corpus has {} topics",
        topics.len()
    );
    let mut n = 0;
    let mut failures = Vec::new();
    for t in &topics {
        let snap = iamdiff::ingest::load_side(std::slice::from_ref(&t.account), &t.scps)
            .unwrap_or_else(|e| panic!("{e}"));
        for case in &t.cases {
            assert!(
                case.doc.starts_with("https://docs.aws.amazon.com/"),
                "{}: cite the doc",
                case.name
            );
            let mut ctx = RequestContext::new(case.closed_context);
            for (k, v) in &case.context {
                ctx.insert(k, v.values());
            }
            let p = snap
                .principals
                .iter()
                .find(|p| p.name == case.principal)
                .unwrap_or_else(|| panic!("{}: no principal {}", case.name, case.principal));
            let e = iamdiff::eval::explain(
                &snap,
                catalog(),
                p,
                &case.action,
                case.resource.as_deref(),
                &ctx,
            );
            n += 1;
            if e.decision.as_str() != case.expect {
                failures.push(format!(
                    "{}: `{}`: expected {}, got {} ({:?})",
                    rel(&t.dir),
                    case.name,
                    case.expect,
                    e.decision.as_str(),
                    e.reasons
                ));
                continue;
            }
            let sids: Vec<String> = e
                .statements
                .iter()
                .filter(|s| s.outcome != "does-not-apply")
                .map(|s| match &s.origin.statement {
                    iamdiff::model::StatementRef::Sid(s) => s.clone(),
                    iamdiff::model::StatementRef::Index(i) => format!("#{i}"),
                })
                .collect();
            check_statements(case, &t.dir, &sids);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} oracle cases disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(n >= 40, "only {n} oracle cases");
}

#[test]
fn oracle_binary() {
    for t in topics() {
        for case in &t.cases {
            let mut cmd = iamdiff();
            cmd.arg("explain").arg(rel(&t.account));
            for s in &t.scps {
                cmd.arg("--scp").arg(rel(s));
            }
            cmd.args([
                "--principal",
                &case.principal,
                "--action",
                &case.action,
                "--format",
                "json",
            ]);
            if let Some(r) = &case.resource {
                cmd.args(["--resource", r]);
            }
            for (k, v) in &case.context {
                for x in v.values() {
                    cmd.arg("--context").arg(format!("{k}={x}"));
                }
            }
            if case.closed_context {
                cmd.arg("--closed-context");
            }
            let out = cmd.output().unwrap();
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}: {}",
                case.name,
                String::from_utf8_lossy(&out.stderr)
            );
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(
                v["decision"],
                case.expect.as_str(),
                "{}: `{}`",
                rel(&t.dir),
                case.name
            );
            assert!(v["statements"].is_array());
        }
    }
}

//! Property tests of the diff engine against brute force. The engine compares resource
//! sets symbolically (language inclusion over IAM patterns, with witnesses); here random
//! small accounts (one user, a few S3 statements: Allow and Deny, `Resource` and
//! `NotResource`, some with a condition the context leaves open) go through the library
//! as `iamdiff diff` wires it, and every request on every concrete ARN of a small universe
//! is decided with `eval::explain`, which is implemented independently. A loss the brute
//! force sees must never be missing from the diff (the tool's first promise), every
//! witness must really be allowed on one side and not the other, and an action the diff
//! is silent about must not have changed on any sampled ARN. The minimal cases the
//! property found are replayed by name at the end.

use proptest::prelude::*;
use std::path::{Path, PathBuf};

use iamdiff::catalog::{AccessLevel, catalog};
use iamdiff::diff::findings::{Code, Finding};
use iamdiff::diff::mapping::Renames;
use iamdiff::diff::{DEFAULT_FAIL_ON, DiffOptions, Outcome, SideInput};
use iamdiff::eval::context::RequestContext;
use iamdiff::eval::{Decision, EvalOptions};
use iamdiff::model::Snapshot;

const ACTIONS: [&str; 2] = ["s3:GetObject", "s3:PutObject"];
const PREFIX: &str = "arn:aws:s3:::b/";
const USER: &str = "u";
/// Longest pattern tail after `arn:aws:s3:::b/` (the universe covers its instances).
const TAIL: usize = 3;

/// One generated statement.
#[derive(Debug, Clone)]
struct Stmt {
    allow: bool,
    actions: Vec<&'static str>,
    /// `NotResource` instead of `Resource`.
    not_resource: bool,
    resources: Vec<String>,
    /// A `Bool` condition on this key, which the open context does not give.
    condition: Option<&'static str>,
}

impl Stmt {
    fn json(&self) -> serde_json::Value {
        let mut s = serde_json::json!({
            "Effect": if self.allow { "Allow" } else { "Deny" },
            "Action": self.actions,
        });
        let key = if self.not_resource {
            "NotResource"
        } else {
            "Resource"
        };
        s[key] = serde_json::json!(self.resources);
        if let Some(k) = self.condition {
            s["Condition"] = serde_json::json!({ "Bool": { k: "true" } });
        }
        s
    }
}

/// A resource pattern: `arn:aws:s3:::b/` and up to three of `a b / * ?`, or (rarely)
/// `*` or a pattern over the bucket name itself.
fn pattern() -> impl Strategy<Value = String> {
    let tail = proptest::collection::vec(
        prop_oneof![
            3 => Just('a'),
            2 => Just('b'),
            2 => Just('/'),
            3 => Just('*'),
            2 => Just('?'),
        ],
        0..=TAIL,
    )
    .prop_map(|v| v.into_iter().collect::<String>());
    prop_oneof![
        12 => tail.clone().prop_map(|t| format!("{PREFIX}{t}")),
        1 => Just("*".to_owned()),
        1 => tail.prop_map(|t| format!("arn:aws:s3:::b{t}")),
    ]
}

fn statement() -> impl Strategy<Value = Stmt> {
    (
        prop::bool::weighted(0.65),
        prop_oneof![
            Just(vec!["s3:GetObject"]),
            Just(vec!["s3:PutObject"]),
            Just(vec!["s3:GetObject", "s3:PutObject"]),
        ],
        prop::bool::weighted(0.2),
        proptest::collection::vec(pattern(), 1..=2),
        prop_oneof![
            6 => Just(None),
            1 => Just(Some("aws:MultiFactorAuthPresent")),
            1 => Just(Some("aws:SecureTransport")),
        ],
    )
        .prop_map(
            |(allow, actions, not_resource, resources, condition)| Stmt {
                allow,
                actions,
                not_resource,
                resources,
                condition,
            },
        )
}

fn statements() -> impl Strategy<Value = Vec<Stmt>> {
    proptest::collection::vec(statement(), 1..=4)
}

/// A before side and an after side: independent, or the after side one edit away from
/// the before side (where losses are subtle and "no change" happens too).
fn sides() -> impl Strategy<Value = (Vec<Stmt>, Vec<Stmt>)> {
    statements().prop_flat_map(|before| {
        let n = before.len();
        let b = before.clone();
        prop_oneof![
            // independent
            2 => (Just(before.clone()), statements()),
            // one statement replaced
            2 => (Just(b.clone()), 0..n, statement()).prop_map(|(b, i, s)| {
                let mut a = b.clone();
                a[i] = s;
                (b, a)
            }),
            // one statement added
            1 => (Just(b.clone()), statement()).prop_map(|(b, s)| {
                let mut a = b.clone();
                a.push(s);
                (b, a)
            }),
            // one statement removed (when there are two or more)
            1 => (Just(b), 0..n).prop_map(|(b, i)| {
                let mut a = b.clone();
                if a.len() > 1 {
                    a.remove(i);
                }
                (b, a)
            }),
        ]
    })
}

/// A `get-account-authorization-details` export with one user holding the statements
/// in one inline policy.
fn account(stmts: &[Stmt]) -> serde_json::Value {
    serde_json::json!({
        "UserDetailList": [{
            "Path": "/",
            "UserName": USER,
            "UserId": "AIDAPROPTEST00000001",
            "Arn": format!("arn:aws:iam::111122223333:user/{USER}"),
            "CreateDate": "2024-01-01T00:00:00Z",
            "GroupList": [],
            "AttachedManagedPolicies": [],
            "UserPolicyList": [{
                "PolicyName": "generated",
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": stmts.iter().map(Stmt::json).collect::<Vec<_>>(),
                },
            }],
        }],
        "GroupDetailList": [],
        "RoleDetailList": [],
        "Policies": [],
    })
}

fn load(dir: &Path, name: &str, stmts: &[Stmt]) -> Snapshot {
    let path: PathBuf = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(&account(stmts)).unwrap()).unwrap();
    iamdiff::ingest::load_side(&[path], &[]).unwrap()
}

/// The diff as `iamdiff diff` computes it with default options.
fn run_diff(before: &Snapshot, after: &Snapshot) -> Outcome {
    let cat = catalog();
    let opts = EvalOptions::default();
    let (eb, ea) = (
        iamdiff::eval::effective(before, cat, &opts),
        iamdiff::eval::effective(after, cat, &opts),
    );
    iamdiff::diff::diff(
        cat,
        &SideInput {
            snapshot: before,
            effective: &eb,
        },
        &SideInput {
            snapshot: after,
            effective: &ea,
        },
        &DiffOptions {
            renames: &Renames::default(),
            waivers: &[],
            fail_on: &DEFAULT_FAIL_ON,
            min_level: AccessLevel::List,
            today: "2026-01-01",
        },
    )
}

/// The decision for one request, by the per-request evaluator.
fn decide(snap: &Snapshot, action: &str, arn: &str) -> Decision {
    let p = snap
        .principals
        .iter()
        .find(|p| p.name == USER)
        .expect("the generated user");
    iamdiff::eval::explain(
        snap,
        catalog(),
        p,
        action,
        Some(arn),
        &RequestContext::new(false),
    )
    .decision
}

/// `arn:aws:s3:::b` followed by every string of up to four of `a b /` (so every
/// `arn:aws:s3:::b/` + up to three, the shortest instances of every generated pattern), and
/// one ARN in another bucket.
fn universe() -> Vec<String> {
    let mut tails = vec![String::new()];
    let mut layer = vec![String::new()];
    for _ in 0..4 {
        let next: Vec<String> = layer
            .iter()
            .flat_map(|t| ['a', 'b', '/'].map(|c| format!("{t}{c}")))
            .collect();
        tails.extend(next.iter().cloned());
        layer = next;
    }
    let mut arns: Vec<String> = tails.iter().map(|t| format!("arn:aws:s3:::b{t}")).collect();
    arns.push("arn:aws:s3:::c/a".to_owned());
    arns
}

fn describe(stmts: &[Stmt]) -> String {
    serde_json::to_string(&stmts.iter().map(Stmt::json).collect::<Vec<_>>()).unwrap()
}

fn findings_for<'a>(outcome: &'a Outcome, action: &str) -> Vec<&'a Finding> {
    outcome
        .principals
        .iter()
        .flat_map(|p| &p.findings)
        .filter(|f| f.actions.iter().any(|a| a == action))
        .collect()
}

/// Checks every law on one generated pair; `Err` says which and why. Statements may carry
/// a condition on a key the (open) context does not give, so a request is allowed,
/// conditional, or not allowed; "possibly allowed" is allowed or conditional.
fn check(before_stmts: &[Stmt], after_stmts: &[Stmt]) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let before = load(dir.path(), "before.json", before_stmts);
    let after = load(dir.path(), "after.json", after_stmts);
    let outcome = run_diff(&before, &after);
    let context = || {
        format!(
            "\nbefore: {}\nafter:  {}\nfindings: {:#?}",
            describe(before_stmts),
            describe(after_stmts),
            outcome
                .principals
                .iter()
                .flat_map(|p| &p.findings)
                .map(|f| (f.code, &f.actions, &f.witness, &f.message))
                .collect::<Vec<_>>()
        )
    };

    // nothing here is undecidable, and the only principal is `u`
    for p in &outcome.principals {
        let odd = p.findings.iter().find(|f| {
            !matches!(
                f.code,
                Code::Lost | Code::Narrowed | Code::Conditional | Code::Gained | Code::Widened
            )
        });
        if p.name != USER || odd.is_some() {
            return Err(format!("unexpected principal or finding code{}", context()));
        }
    }

    let arns = universe();
    for action in ACTIONS {
        // (arn, before, after)
        let decided: Vec<(&String, Decision, Decision)> = arns
            .iter()
            .map(|arn| {
                (
                    arn,
                    decide(&before, action, arn),
                    decide(&after, action, arn),
                )
            })
            .collect();
        let first = |pred: &dyn Fn(Decision, Decision) -> bool| {
            decided
                .iter()
                .find(|(_, b, a)| pred(*b, *a))
                .map(|(r, _, _)| (*r).clone())
        };
        let found = findings_for(&outcome, action);
        let has = |codes: &[Code]| found.iter().any(|f| codes.contains(&f.code));

        // never missed: possibly allowed before and certainly not after is lost or narrowed
        if let Some(arn) = first(&|b, a| maybe(b) && !maybe(a))
            && !has(&[Code::Lost, Code::Narrowed])
        {
            return Err(format!(
                "`{action}` on `{arn}` was allowed before and is not after, and the diff has no lost/narrowed finding for it{}",
                context()
            ));
        }
        // allowed unconditionally before, only under conditions after
        if let Some(arn) = first(&|b, a| sure(b) && !sure(a))
            && !has(&[Code::Lost, Code::Narrowed, Code::Conditional])
        {
            return Err(format!(
                "`{action}` on `{arn}` was allowed unconditionally before and is not after, and the diff has no lost/narrowed/conditional finding for it{}",
                context()
            ));
        }
        if let Some(arn) = first(&|b, a| !maybe(b) && maybe(a))
            && !has(&[Code::Gained, Code::Widened])
        {
            return Err(format!(
                "`{action}` on `{arn}` is allowed after and was not before, and the diff has no gained/widened finding for it{}",
                context()
            ));
        }
        // silence means no sampled ARN changed (but for conditional → allowed, which no
        // category describes)
        if found.is_empty()
            && let Some(arn) = first(&|b, a| maybe(b) != maybe(a) || (sure(b) && !sure(a)))
        {
            return Err(format!(
                "`{action}` on `{arn}` changed and the diff is silent about `{action}`{}",
                context()
            ));
        }

        for f in &found {
            // every witness is real
            let Some(w) = &f.witness else {
                // "its conditions changed" names no resource; something must be
                // possibly allowed on both sides
                if f.code == Code::Conditional && first(&|b, a| maybe(b) && maybe(a)).is_some() {
                    continue;
                }
                return Err(format!(
                    "{} finding for `{action}` has no witness{}",
                    f.code,
                    context()
                ));
            };
            let (b, a) = (decide(&before, action, w), decide(&after, action, w));
            let ok = match f.code {
                Code::Lost | Code::Narrowed => maybe(b) && !maybe(a),
                Code::Gained | Code::Widened => maybe(a) && !maybe(b),
                _ => sure(b) && !sure(a),
            };
            if !ok {
                return Err(format!(
                    "{} witness `{w}` for `{action}`: before {}, after {}{}",
                    f.code,
                    b.as_str(),
                    a.as_str(),
                    context()
                ));
            }
            // `lost` means nothing is possibly allowed after; `gained`, nothing before
            let wrong = match f.code {
                Code::Lost => first(&|_, a| maybe(a)),
                Code::Gained => first(&|b, _| maybe(b)),
                _ => None,
            };
            if let Some(arn) = wrong {
                return Err(format!(
                    "{} for `{action}`, but `{arn}` is possibly allowed on the side that should have nothing{}",
                    f.code,
                    context()
                ));
            }
        }
    }

    // a side compared with itself has no finding
    let same = run_diff(&before, &before);
    if !same.principals.is_empty() {
        return Err(format!("diff(before, before) is not empty{}", context()));
    }
    Ok(())
}

/// Possibly allowed: allowed, or allowed under conditions.
fn maybe(d: Decision) -> bool {
    matches!(d, Decision::Allowed | Decision::Conditional)
}

/// Allowed whatever the context (a deny and an implicit deny are the same loss).
fn sure(d: Decision) -> bool {
    d == Decision::Allowed
}

/// 64 cases keep the suite fast; `IAMDIFF_PROP_CASES=5000` searches harder.
fn cases() -> u32 {
    std::env::var("IAMDIFF_PROP_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(64)
}

proptest! {
    // the minimal cases found so far are kept as the named tests below, not in a
    // regressions file
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn losses_are_never_missed_and_witnesses_are_real((before, after) in sides()) {
        if let Err(e) = check(&before, &after) {
            prop_assert!(false, "{}", e);
        }
    }
}

// ---- minimal cases the property found, replayed by name ----

fn allow(actions: &[&'static str], resources: &[&str]) -> Stmt {
    Stmt {
        allow: true,
        actions: actions.to_vec(),
        not_resource: false,
        resources: resources.iter().map(|r| (*r).to_owned()).collect(),
        condition: None,
    }
}

fn deny(actions: &[&'static str], resources: &[&str]) -> Stmt {
    Stmt {
        allow: false,
        ..allow(actions, resources)
    }
}

fn not_resource(s: Stmt) -> Stmt {
    Stmt {
        not_resource: true,
        ..s
    }
}

fn when(key: &'static str, s: Stmt) -> Stmt {
    Stmt {
        condition: Some(key),
        ..s
    }
}

fn replay(before: &[Stmt], after: &[Stmt]) {
    if let Err(e) = check(before, after) {
        panic!("{e}");
    }
}

const GET: &[&str] = &["s3:GetObject"];

/// An Allow whose resources a `NotResource` Deny removes entirely grants nothing;
/// gaining or losing it is no finding (the engine reports `gained`/`lost` without a
/// witness, and a `lost` fails the gate).
#[test]
fn empty_grant_appearing_is_not_gained() {
    replay(
        &[deny(GET, &["arn:aws:s3:::b/a"])],
        &[
            allow(GET, &["arn:aws:s3:::b/a"]),
            not_resource(deny(GET, &["arn:aws:s3:::b/"])),
        ],
    );
}

#[test]
fn empty_grant_disappearing_is_not_lost() {
    replay(
        &[
            allow(GET, &["arn:aws:s3:::b/a"]),
            not_resource(deny(GET, &["arn:aws:s3:::b/"])),
        ],
        &[deny(GET, &["arn:aws:s3:::b/a"])],
    );
    replay(
        &[not_resource(allow(GET, &["*"]))],
        &[deny(GET, &["arn:aws:s3:::b/a"])],
    );
}

/// A conditional Deny on `b/a` does not touch `b/`: nothing changed for any request,
/// yet the engine reports `conditional` with witness `b/`, which is allowed
/// unconditionally on both sides.
#[test]
fn conditional_deny_elsewhere_is_no_change() {
    replay(
        &[allow(GET, &["arn:aws:s3:::b/"])],
        &[
            allow(GET, &["arn:aws:s3:::b/"]),
            when(
                "aws:MultiFactorAuthPresent",
                deny(GET, &["arn:aws:s3:::b/a"]),
            ),
        ],
    );
}

/// `b/aab` is allowed unconditionally before (the conditional Deny is on `b/` only) and
/// denied when `aws:SecureTransport` is true after: a conditional finding the engine
/// does not report at all.
#[test]
fn conditional_deny_widened_is_reported() {
    let before = [
        allow(GET, &["arn:aws:s3:::b/a?b"]),
        when("aws:SecureTransport", deny(GET, &["arn:aws:s3:::b/"])),
    ];
    let mut after = before.to_vec();
    after.push(when(
        "aws:SecureTransport",
        deny(GET, &["arn:aws:s3:::b/*a*"]),
    ));
    replay(&before, &after);
}

/// A conditional Allow on no resource at all (`NotResource: *`) stays empty when a
/// conditional Deny joins it; "conditions changed" needs something allowed.
#[test]
fn conditions_of_an_empty_grant_do_not_matter() {
    let before = [when(
        "aws:SecureTransport",
        not_resource(allow(GET, &["*"])),
    )];
    let mut after = before.to_vec();
    after.push(when(
        "aws:MultiFactorAuthPresent",
        deny(GET, &["arn:aws:s3:::b/"]),
    ));
    replay(&before, &after);
}

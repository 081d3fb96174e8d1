//! Effective permissions, rule by rule (AWS "Policy evaluation logic"), on snapshots
//! built directly in the model so each test shows exactly the policies it needs.

use std::sync::Arc;

use super::*;
use crate::catalog::catalog;
use crate::model::{
    ActionClause, ConditionClause, Effect, Group, Origin, Policy, PolicyDocument, PolicyKind,
    PolicyRef, Principal, PrincipalKind, ResourceClause, ScpLevel, Snapshot, Statement,
    StatementRef,
};

fn st(
    effect: Effect,
    action: ActionClause,
    resource: ResourceClause,
    cond: Vec<ConditionClause>,
    sid: &str,
) -> Statement {
    Statement {
        sid: Some(sid.into()),
        effect,
        action,
        resource,
        principal: None,
        condition: cond,
        unresolved: Vec::new(),
        origin: Arc::new(Origin {
            file: Arc::from("test.json"),
            policy: Arc::from("p"),
            policy_arn: None,
            version: None,
            kind: PolicyKind::Inline,
            statement: StatementRef::Sid(sid.into()),
            pointer: None,
        }),
    }
}

fn allow(actions: &[&str], resources: &[&str], sid: &str) -> Statement {
    st(Effect::Allow, act(actions), res(resources), vec![], sid)
}

fn deny(actions: &[&str], resources: &[&str], sid: &str) -> Statement {
    st(Effect::Deny, act(actions), res(resources), vec![], sid)
}

fn act(a: &[&str]) -> ActionClause {
    ActionClause::Action(a.iter().map(|s| s.to_string()).collect())
}

fn res(r: &[&str]) -> ResourceClause {
    ResourceClause::Resource(r.iter().map(|s| s.to_string()).collect())
}

fn cond(op: &str, key: &str, vals: &[&str]) -> ConditionClause {
    ConditionClause {
        operator: op.into(),
        key: key.into(),
        values: vals.iter().map(|s| s.to_string()).collect(),
    }
}

fn policy(name: &str, statements: Vec<Statement>) -> Policy {
    Policy {
        name: Arc::from(name),
        arn: None,
        kind: PolicyKind::Inline,
        version: None,
        document: PolicyDocument {
            version: Some("2012-10-17".into()),
            statements,
        },
    }
}

/// A snapshot with one user `alice` holding the given policies directly.
fn user_with(statements: Vec<Statement>) -> Snapshot {
    let mut s = Snapshot::default();
    let id = s.add_policy(policy("p", statements));
    let mut u = Principal::new(PrincipalKind::User, "alice");
    u.arn = Some("arn:aws:iam::111122223333:user/alice".into());
    u.policies.push(PolicyRef::Resolved(id));
    s.principals.push(u);
    s
}

fn eval_one(s: &Snapshot) -> Arc<Evaluation> {
    eval_ctx(s, RequestContext::new(false))
}

fn eval_ctx(s: &Snapshot, context: RequestContext) -> Arc<Evaluation> {
    let e = effective(s, catalog(), &EvalOptions { context });
    e.principals[0].evaluation.clone()
}

fn id(a: &str) -> crate::catalog::ActionId {
    catalog()
        .lookup(a)
        .unwrap_or_else(|| panic!("{a} not in catalog"))
}

#[test]
fn wildcard_actions_expand_against_the_catalog() {
    let e = eval_one(&user_with(vec![allow(&["s3:Get*"], &["*"], "A")]));
    assert_eq!(e.status_of(id("s3:GetObject")), Some(Status::Allowed));
    assert_eq!(e.status_of(id("s3:PutObject")), None);
}

#[test]
fn actions_are_case_insensitive() {
    let e = eval_one(&user_with(vec![allow(&["S3:getOBJECT"], &["*"], "A")]));
    assert_eq!(e.status_of(id("s3:GetObject")), Some(Status::Allowed));
}

/// The grants that come from policies (not the action AWS always allows).
fn policy_grants(e: &Evaluation) -> Vec<&Grant> {
    let always = always_allowed_origin();
    e.grants
        .iter()
        .filter(|g| !Arc::ptr_eq(&g.source, &always))
        .collect()
}

#[test]
fn default_deny() {
    let e = eval_one(&user_with(vec![]));
    assert!(policy_grants(&e).is_empty());
    assert_eq!(e.status_of(id("s3:GetObject")), None);
    assert_eq!(
        e.decide(id("s3:GetObject"), "arn:aws:s3:::b/k").decision,
        Decision::NotAllowed
    );
}

/// Issue 7: "No permissions are required to perform this operation. If an administrator
/// attaches a policy to your identity that explicitly denies access to the
/// sts:GetCallerIdentity action, you can still perform this operation"
/// (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
#[test]
fn get_caller_identity_is_allowed_without_policy_and_under_deny_all() {
    let gci = id("sts:GetCallerIdentity");
    let nothing = eval_one(&user_with(vec![]));
    assert_eq!(nothing.status_of(gci), Some(Status::Allowed));
    assert_eq!(nothing.decide(gci, "*").decision, Decision::Allowed);
    let denied = eval_one(&user_with(vec![
        allow(&["*"], &["*"], "All"),
        deny(&["*"], &["*"], "Nothing"),
    ]));
    assert_eq!(denied.status_of(gci), Some(Status::Allowed));
    assert_eq!(denied.status_of(id("sts:GetSessionToken")), None);
    let p = denied.decide(gci, "*");
    assert_eq!(p.decision, Decision::Allowed);
    assert_eq!(p.deciding, vec![(always_allowed_origin(), Via::Direct)]);
    assert_eq!(
        denied.decide(id("sts:GetSessionToken"), "*").decision,
        Decision::Denied
    );
}

#[test]
fn explicit_deny_everywhere_removes_the_action() {
    let e = eval_one(&user_with(vec![
        allow(&["s3:*"], &["*"], "A"),
        deny(&["s3:DeleteObject"], &["*"], "D"),
    ]));
    assert_eq!(e.status_of(id("s3:DeleteObject")), None);
    assert_eq!(e.status_of(id("s3:GetObject")), Some(Status::Allowed));
}

#[test]
fn deny_on_some_resources_is_an_exception() {
    let e = eval_one(&user_with(vec![
        allow(&["s3:GetObject"], &["arn:aws:s3:::b/*"], "A"),
        deny(&["s3:GetObject"], &["arn:aws:s3:::b/secret/*"], "D"),
    ]));
    let g: Vec<_> = e.grants_for(id("s3:GetObject")).collect();
    assert_eq!(g.len(), 1);
    assert_eq!(g[0].exceptions.len(), 1);
    assert_eq!(g[0].status(), Status::Allowed);
}

#[test]
fn deny_covering_the_allowed_resources_removes_the_action() {
    let e = eval_one(&user_with(vec![
        allow(&["s3:GetObject"], &["arn:aws:s3:::b/x/*"], "A"),
        deny(&["s3:*"], &["arn:aws:s3:::b/*"], "D"),
    ]));
    assert_eq!(e.status_of(id("s3:GetObject")), None);
}

#[test]
fn deny_with_undecided_condition_makes_it_conditional() {
    let mut d = deny(&["s3:*"], &["*"], "D");
    d.condition = vec![cond("Bool", "aws:MultiFactorAuthPresent", &["false"])];
    let e = eval_one(&user_with(vec![allow(&["s3:GetObject"], &["*"], "A"), d]));
    assert_eq!(e.status_of(id("s3:GetObject")), Some(Status::Conditional));
}

#[test]
fn deny_condition_decided_by_context() {
    let mut d = deny(&["s3:*"], &["*"], "D");
    d.condition = vec![cond("Bool", "aws:MultiFactorAuthPresent", &["false"])];
    let s = user_with(vec![allow(&["s3:GetObject"], &["*"], "A"), d]);
    let mut ctx = RequestContext::new(false);
    ctx.insert("aws:MultiFactorAuthPresent", vec!["true".into()]);
    assert_eq!(
        eval_ctx(&s, ctx).status_of(id("s3:GetObject")),
        Some(Status::Allowed)
    );
    let mut ctx = RequestContext::new(false);
    ctx.insert("aws:MultiFactorAuthPresent", vec!["false".into()]);
    assert_eq!(eval_ctx(&s, ctx).status_of(id("s3:GetObject")), None);
}

#[test]
fn allow_condition_open_closed() {
    let mut a = allow(&["s3:GetObject"], &["*"], "A");
    a.condition = vec![cond("IpAddress", "aws:SourceIp", &["10.0.0.0/8"])];
    let s = user_with(vec![a]);
    assert_eq!(
        eval_one(&s).status_of(id("s3:GetObject")),
        Some(Status::Conditional)
    );
    assert_eq!(
        eval_ctx(&s, RequestContext::new(true)).status_of(id("s3:GetObject")),
        None
    );
    let mut ctx = RequestContext::new(true);
    ctx.insert("aws:SourceIp", vec!["10.1.2.3".into()]);
    assert_eq!(
        eval_ctx(&s, ctx).status_of(id("s3:GetObject")),
        Some(Status::Allowed)
    );
}

#[test]
fn not_action_allows_everything_else_including_uncataloged() {
    let e = eval_one(&user_with(vec![st(
        Effect::Allow,
        ActionClause::NotAction(vec!["iam:*".into()]),
        res(&["*"]),
        vec![],
        "A",
    )]));
    assert_eq!(e.status_of(id("iam:CreateUser")), None);
    assert_eq!(e.status_of(id("s3:GetObject")), Some(Status::Allowed));
    assert!(e.grants.iter().any(|g| g.actions.covers_uncataloged));
}

#[test]
fn not_resource_allow_keeps_its_scope() {
    let e = eval_one(&user_with(vec![st(
        Effect::Allow,
        act(&["s3:GetObject"]),
        ResourceClause::NotResource(vec!["arn:aws:s3:::private/*".into()]),
        vec![],
        "A",
    )]));
    let g: Vec<_> = e.grants_for(id("s3:GetObject")).collect();
    assert!(matches!(&*g[0].scope, ResourceScope::AllExcept(_)));
    assert!(!g[0].scope.matches("arn:aws:s3:::private/x"));
    assert!(g[0].scope.matches("arn:aws:s3:::public/x"));
}

#[test]
fn uncataloged_actions_are_kept_and_flagged() {
    let e = eval_one(&user_with(vec![allow(
        &["newservice:DoThing"],
        &["*"],
        "A",
    )]));
    let g = policy_grants(&e);
    assert_eq!(g.len(), 1);
    assert_eq!(g[0].actions.unknown, vec!["newservice:dothing".to_string()]);
}

fn with_boundary(mut s: Snapshot, b: Vec<Statement>) -> Snapshot {
    let id = s.add_policy(policy("boundary", b));
    s.principals[0].boundary = Some(PolicyRef::Resolved(id));
    s
}

#[test]
fn boundary_intersects() {
    let s = with_boundary(
        user_with(vec![allow(&["s3:*", "ec2:*"], &["*"], "A")]),
        vec![allow(&["s3:*"], &["*"], "B")],
    );
    let e = eval_one(&s);
    assert_eq!(e.status_of(id("s3:GetObject")), Some(Status::Allowed));
    assert_eq!(e.status_of(id("ec2:RunInstances")), None);
}

#[test]
fn boundary_does_not_grant() {
    let s = with_boundary(
        user_with(vec![allow(&["s3:GetObject"], &["*"], "A")]),
        vec![allow(&["*"], &["*"], "B")],
    );
    let e = eval_one(&s);
    assert_eq!(e.status_of(id("s3:PutObject")), None);
}

#[test]
fn boundary_resource_scope_is_a_limit() {
    let s = with_boundary(
        user_with(vec![allow(&["s3:GetObject"], &["*"], "A")]),
        vec![allow(&["s3:*"], &["arn:aws:s3:::team/*"], "B")],
    );
    let e = eval_one(&s);
    let g: Vec<_> = e.grants_for(id("s3:GetObject")).collect();
    assert_eq!(g[0].limits.len(), 1);
}

#[test]
fn boundary_deny_applies() {
    let s = with_boundary(
        user_with(vec![allow(&["s3:*"], &["*"], "A")]),
        vec![
            allow(&["*"], &["*"], "B"),
            deny(&["s3:DeleteBucket"], &["*"], "BD"),
        ],
    );
    assert_eq!(eval_one(&s).status_of(id("s3:DeleteBucket")), None);
}

#[test]
fn every_scp_level_must_allow() {
    let mut s = user_with(vec![allow(&["s3:*", "ec2:*"], &["*"], "A")]);
    let root = s.add_policy(policy("root", vec![allow(&["*"], &["*"], "R")]));
    let ou = s.add_policy(policy("ou", vec![allow(&["s3:*"], &["*"], "O")]));
    s.scps.push(ScpLevel {
        name: "root".into(),
        source: Arc::from("r.json"),
        policies: vec![root],
    });
    s.scps.push(ScpLevel {
        name: "ou".into(),
        source: Arc::from("o.json"),
        policies: vec![ou],
    });
    let e = eval_one(&s);
    assert_eq!(e.status_of(id("s3:GetObject")), Some(Status::Allowed));
    assert_eq!(e.status_of(id("ec2:RunInstances")), None);
}

#[test]
fn username_variable_is_substituted() {
    let e = eval_one(&user_with(vec![allow(
        &["s3:GetObject"],
        &["arn:aws:s3:::home/${aws:username}/*"],
        "A",
    )]));
    let g: Vec<_> = e.grants_for(id("s3:GetObject")).collect();
    assert!(g[0].scope.matches("arn:aws:s3:::home/alice/x"));
    assert!(!g[0].scope.matches("arn:aws:s3:::home/bob/x"));
    assert_eq!(g[0].status(), Status::Allowed);
}

#[test]
fn unknown_variable_is_conditional() {
    let e = eval_one(&user_with(vec![allow(
        &["s3:GetObject"],
        &["arn:aws:s3:::b/${aws:SourceIdentity}/*"],
        "A",
    )]));
    assert_eq!(e.status_of(id("s3:GetObject")), Some(Status::Conditional));
}

#[test]
fn unresolved_policy_needs_review() {
    let mut s = user_with(vec![]);
    s.principals[0].policies.push(PolicyRef::Unresolved {
        name: "Gone".into(),
        arn: None,
    });
    assert_eq!(eval_one(&s).review.len(), 1);
}

#[test]
fn principals_with_the_same_policies_share_one_evaluation() {
    let mut s = Snapshot::default();
    let pid = s.add_policy(policy("team", vec![allow(&["s3:GetObject"], &["*"], "A")]));
    let g = s.add_group(Group {
        name: "team".into(),
        arn: None,
        path: None,
        policies: vec![PolicyRef::Resolved(pid)],
    });
    for n in ["a", "b", "c"] {
        let mut u = Principal::new(PrincipalKind::User, n);
        u.groups.push(g);
        s.principals.push(u);
    }
    let e = effective(&s, catalog(), &EvalOptions::default());
    assert_eq!(e.distinct, 1);
    assert!(Arc::ptr_eq(
        &e.principals[0].evaluation,
        &e.principals[2].evaluation
    ));
    assert!(matches!(
        e.principals[1].evaluation.grants[0].via,
        Via::Group(_)
    ));
}

// counts are shared by the action sets and statuses of the grants, in any order: the same
// as counting each evaluation's grants
#[test]
fn counts_shared_by_action_sets_equal_each_count() {
    let mut conditional = allow(&["s3:PutObject", "sqs:*"], &["*"], "Cond");
    conditional.condition = vec![cond("Bool", "aws:SecureTransport", &["true"])];
    let s = user_with(vec![
        allow(&["s3:GetObject", "s3:List*"], &["arn:aws:s3:::b/*"], "Read"),
        conditional,
        allow(&["iam:*"], &["*"], "Iam"),
    ]);
    let e = eval_one(&s);
    let universe = catalog().actions().len();
    let direct = count_actions(e.grants.iter().map(|g| (g, &*g.actions)), universe);
    assert!(direct.actions > 0 && direct.conditional_only > 0);
    let memo = CountMemo::default();
    let mut reversed = e.grants.clone();
    reversed.reverse();
    assert_eq!(memo.count(&e.grants, universe), direct);
    assert_eq!(memo.count(&reversed, universe), direct);
    assert_eq!(memo.count(&e.grants, universe), direct);
    // the same sets, all allowed whatever the context: a key of its own
    let sure: Vec<Grant> = e
        .grants
        .iter()
        .cloned()
        .map(|mut g| {
            g.conditions.clear();
            g
        })
        .collect();
    let counted = count_actions(sure.iter().map(|g| (g, &*g.actions)), universe);
    assert_eq!(counted.conditional_only, 0);
    assert_eq!(memo.count(&sure, universe), counted);
}

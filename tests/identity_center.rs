//! IAM Identity Center on either side (issue 9 item 3): the CLI exports, Terraform and
//! CloudFormation forms, the roles they yield, people and assignments, the cross-check
//! against an account dump, and malformed exports.

use std::path::PathBuf;

use iamdiff::ingest::load_side;
use iamdiff::model::{
    AssignmentPrincipal, PersonSource, PolicyKind, PolicyRef, Principal, PrincipalClause,
    PrincipalKind, Snapshot, WarningCode,
};

use crate::util::{fixture, iamdiff, rel, shared};

fn corpus(name: &str) -> Option<PathBuf> {
    let p = shared()?.join("corpus/formats/identity-center").join(name);
    p.exists().then_some(p)
}

fn role<'s>(snap: &'s Snapshot, account: &str, prefix: &str) -> &'s Principal {
    snap.principals
        .iter()
        .find(|p| {
            p.kind == PrincipalKind::Role
                && p.account.as_deref() == Some(account)
                && p.name.starts_with(prefix)
        })
        .unwrap_or_else(|| panic!("no role {prefix}* in {account}"))
}

/// Names (or ARNs) of a principal's policies and their kinds.
fn policies(snap: &Snapshot, p: &Principal) -> Vec<(String, Option<PolicyKind>)> {
    p.policies
        .iter()
        .map(|r| match r {
            PolicyRef::Resolved(id) => {
                let pol = snap.policy(*id).unwrap();
                (
                    pol.arn.as_deref().unwrap_or(&pol.name).to_owned(),
                    Some(pol.kind),
                )
            }
            PolicyRef::Unresolved { name, arn } => (arn.clone().unwrap_or(name.clone()), None),
        })
        .collect()
}

fn saml_trust(snap: &Snapshot, p: &Principal, account: &str) {
    let trust = snap.policy(p.trust.unwrap()).unwrap();
    assert_eq!(trust.kind, PolicyKind::Trust);
    let s = &trust.document.statements[0];
    let Some(PrincipalClause::Principal(who)) = &s.principal else {
        panic!("trust without principal");
    };
    assert_eq!(who[0].0, "Federated");
    assert!(
        who[0]
            .1
            .starts_with(&format!("arn:aws:iam::{account}:saml-provider/AWSSSO_"))
            && who[0].1.ends_with("_DO_NOT_DELETE"),
        "{who:?}"
    );
    let text = format!("{:?}", s.action);
    assert!(text.contains("sts:AssumeRoleWithSAML") && text.contains("sts:TagSession"));
}

#[test]
fn corpus_cli_exports_yield_roles_people_and_assignments() {
    // issue 9: the sso-admin / identitystore outputs of the corpus, read in place
    let names = [
        "sso-admin.list-instances.json",
        "sso-admin.list-permission-sets.page1.json",
        "sso-admin.describe-permission-set.ps-0a1b2c3d4e5f6a7b.json",
        "sso-admin.describe-permission-set.ps-8c9d0e1f2a3b4c5d.json",
        "sso-admin.list-managed-policies-in-permission-set.ps-0a1b2c3d4e5f6a7b.json",
        "sso-admin.list-managed-policies-in-permission-set.ps-8c9d0e1f2a3b4c5d.json",
        "sso-admin.list-customer-managed-policy-references-in-permission-set.ps-0a1b2c3d4e5f6a7b.json",
        "sso-admin.list-customer-managed-policy-references-in-permission-set.ps-8c9d0e1f2a3b4c5d.json",
        "sso-admin.get-inline-policy-for-permission-set.ps-0a1b2c3d4e5f6a7b.empty.json",
        "sso-admin.get-inline-policy-for-permission-set.ps-8c9d0e1f2a3b4c5d.json",
        "sso-admin.get-permissions-boundary-for-permission-set.ps-8c9d0e1f2a3b4c5d.json",
        "sso-admin.get-permissions-boundary-for-permission-set.ps-6e7f8a9b0c1d2e3f.managed.json",
        "sso-admin.list-account-assignments.222222222222.ps-8c9d0e1f2a3b4c5d.json",
        "sso-admin.list-accounts-for-provisioned-permission-set.ps-8c9d0e1f2a3b4c5d.json",
        "identitystore.list-users.json",
        "identitystore.list-groups.json",
        "identitystore.list-group-memberships.aws-developers.json",
    ];
    let Some(files) = names.iter().map(|n| corpus(n)).collect::<Option<Vec<_>>>() else {
        return;
    };
    let snap = load_side(&files, &[]).unwrap();
    // assigned in 222222222222, provisioned in 333333333333 too
    for account in ["222222222222", "333333333333"] {
        let r = role(&snap, account, "AWSReservedSSO_Developer");
        assert_eq!(r.name, "AWSReservedSSO_Developer");
        assert_eq!(r.path.as_deref(), Some("/aws-reserved/sso.amazonaws.com/"));
        let pols = policies(&snap, r);
        let names: Vec<&str> = pols.iter().map(|(n, _)| n.as_str()).collect();
        assert!(
            names.contains(&"arn:aws:iam::aws:policy/PowerUserAccess"),
            "{names:?}"
        );
        assert!(
            names.contains(&"arn:aws:iam::aws:policy/AWSSupportAccess"),
            "{names:?}"
        );
        // customer managed references resolve in each account; unknown here
        assert!(
            names.contains(
                &format!("arn:aws:iam::{account}:policy/guardrails/deny-prod-data").as_str()
            ),
            "{names:?}"
        );
        assert!(
            pols.iter()
                .any(|(n, k)| n == "AwsSSOInlinePolicy" && *k == Some(PolicyKind::Inline)),
            "{pols:?}"
        );
        let Some(PolicyRef::Unresolved { arn: Some(b), .. }) = &r.boundary else {
            panic!("boundary {:?}", r.boundary);
        };
        assert_eq!(b, &format!("arn:aws:iam::{account}:policy/dev-boundary"));
        saml_trust(&snap, r, account);
    }
    // AdministratorAccess is described but assigned nowhere: no role
    assert!(
        !snap
            .principals
            .iter()
            .any(|p| p.name.contains("Administrator"))
    );
    let people = &snap.people;
    let alice = people
        .people
        .iter()
        .find(|p| p.key == "alice@example.com")
        .unwrap();
    assert_eq!(alice.source, PersonSource::IdentityCenter);
    assert_eq!(alice.groups, vec!["aws-developers".to_owned()]);
    let bob = people.people.iter().find(|p| p.key == "bob").unwrap();
    assert!(
        bob.names.contains(&"bob@example.com".to_owned()),
        "{:?}",
        bob.names
    );
    let mut got: Vec<(AssignmentPrincipal, &str, &str)> = people
        .assignments
        .iter()
        .map(|a| (a.principal_kind, a.principal.as_str(), a.role.as_str()))
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            (AssignmentPrincipal::User, "bob", "AWSReservedSSO_Developer"),
            (
                AssignmentPrincipal::Group,
                "aws-developers",
                "AWSReservedSSO_Developer"
            ),
        ]
    );
    let devs = people
        .store_groups
        .iter()
        .find(|(g, _)| g == "aws-developers")
        .unwrap();
    assert_eq!(
        devs.1,
        vec!["alice@example.com".to_owned(), "bob".to_owned()]
    );
    // the boundary of an undescribed set is named, not silently used
    assert!(
        snap.warnings
            .iter()
            .any(|w| w.message.contains("ps-6e7f8a9b0c1d2e3f"))
    );
}

#[test]
fn combined_seed_export_is_read_by_command_name() {
    // issue 9: the seed system's one-object-per-call export
    let Some(p) = shared().map(|s| {
        s.join("corpus/seed-systems/aws-identity-center/permission-set-export.example.json")
    }) else {
        return;
    };
    if !p.exists() {
        return;
    }
    let snap = load_side(&[p], &[]).unwrap();
    let r = role(&snap, "111122223333", "AWSReservedSSO_DataScientist");
    let names: Vec<String> = policies(&snap, r).into_iter().map(|(n, _)| n).collect();
    assert!(names.contains(&"arn:aws:iam::111122223333:policy/ml-project-buckets".to_owned()));
    assert!(
        names.contains(&"AwsSSOInlinePolicy".to_owned()),
        "{names:?}"
    );
}

fn fixture_side(which: &str) -> Snapshot {
    load_side(&[fixture(&format!("aws/identity-center/{which}"))], &[]).unwrap()
}

#[test]
fn the_fixture_matches_dump_roles_and_reports_drift_naming_both_places() {
    // issue 9: assignments match the dump's AWSReservedSSO_<set>_<suffix> roles; the
    // ReadOnly role's hand-attached policy is a warning naming the dump and the export
    let snap = fixture_side("after");
    let sso: Vec<&str> = snap
        .principals
        .iter()
        .filter(|p| p.name.starts_with("AWSReservedSSO_"))
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(
        sso,
        vec![
            "AWSReservedSSO_Developers_0a1b2c3d4e5f6a7b",
            "AWSReservedSSO_ReadOnly_1b2c3d4e5f6a7b8c",
            "AWSReservedSSO_Admins_2c3d4e5f6a7b8c9d",
        ],
        "the dump's roles are kept, none made twice"
    );
    let drift: Vec<&str> = snap
        .warnings
        .iter()
        .filter(|w| w.code == WarningCode::Inconsistent)
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(drift.len(), 1, "{drift:?}");
    assert!(
        drift[0].contains("AWSReservedSSO_ReadOnly_1b2c3d4e5f6a7b8c")
            && drift[0].contains("after/account.json")
            && drift[0].contains("AWSSupportAccess"),
        "{}",
        drift[0]
    );
    let w = snap
        .warnings
        .iter()
        .find(|w| w.code == WarningCode::Inconsistent)
        .unwrap();
    assert!(
        w.place
            .file
            .contains("describe-permission-set.ps-d000000000000002"),
        "{}",
        w.place
    );
    // people: frank is left out of the store group `developers`
    let store = &snap.people.store_groups;
    let devs = store.iter().find(|(g, _)| g == "developers").unwrap();
    assert_eq!(
        devs.1,
        vec![
            "erin@example.com".to_owned(),
            "grace@example.com".to_owned()
        ]
    );
    let frank = snap
        .people
        .people
        .iter()
        .find(|p| p.key == "frank@example.com")
        .unwrap();
    assert!(frank.groups.is_empty(), "{:?}", frank.groups);
    let roles: Vec<(&str, &str)> = snap
        .people
        .assignments
        .iter()
        .map(|a| (a.principal.as_str(), a.role.as_str()))
        .collect();
    assert!(roles.contains(&("developers", "AWSReservedSSO_Developers_0a1b2c3d4e5f6a7b")));
}

#[test]
fn the_fixture_export_alone_makes_the_roles_with_their_policies() {
    // issue 9: without the dump, the roles are made from the permission sets
    let snap = load_side(&[fixture("aws/identity-center/after/identity-center")], &[]).unwrap();
    let dev = role(&snap, "111111111111", "AWSReservedSSO_Developers");
    assert_eq!(dev.name, "AWSReservedSSO_Developers");
    let inline = policies(&snap, dev);
    assert_eq!(inline.len(), 1, "{inline:?}");
    let ro = role(&snap, "111111111111", "AWSReservedSSO_ReadOnly");
    assert_eq!(
        policies(&snap, ro)[0].0,
        "arn:aws:iam::aws:policy/ReadOnlyAccess"
    );
    saml_trust(&snap, ro, "111111111111");
    assert!(
        !snap
            .warnings
            .iter()
            .any(|w| w.code == WarningCode::Inconsistent),
        "{:?}",
        snap.warnings
    );
}

fn effective(side: &str, principal: &str) -> String {
    let out = iamdiff()
        .args([
            "effective",
            &rel(&fixture(&format!("aws/identity-center/{side}"))),
            "--principal",
            principal,
            "--service",
            "s3",
            "--detail",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_developers_permission_set_is_narrower_than_the_group_it_replaces() {
    // issue 9 (principal level; the person view is built on it): erin's group gave
    // s3:DeleteObject on app-data, the Developers permission set's role does not
    let before = effective("before", "erin");
    assert!(before.contains("DeleteObject"), "{before}");
    let after = effective("after", "AWSReservedSSO_Developers*");
    assert!(after.contains("GetObject"), "{after}");
    assert!(!after.contains("DeleteObject"), "{after}");
}

#[test]
fn terraform_permission_sets_yield_the_same_roles() {
    // issue 9: aws_ssoadmin_* / aws_identitystore_* in `terraform show -json`
    let Some(tf) = corpus("terraform-show.ssoadmin.state.json") else {
        return;
    };
    let snap = load_side(&[tf], &[]).unwrap();
    let r = role(&snap, "222222222222", "AWSReservedSSO_Developer");
    let pols = policies(&snap, r);
    let names: Vec<&str> = pols.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "arn:aws:iam::aws:policy/PowerUserAccess",
            "arn:aws:iam::222222222222:policy/dev-extra-permissions",
            "AwsSSOInlinePolicy",
        ]
    );
    let inline = match r.policies[2] {
        PolicyRef::Resolved(id) => snap.policy(id).unwrap(),
        _ => panic!(),
    };
    assert_eq!(inline.document.statements.len(), 2);
    assert!(
        matches!(&r.boundary, Some(PolicyRef::Unresolved { arn: Some(a), .. }) if a.ends_with(":policy/dev-boundary"))
    );
    saml_trust(&snap, r, "222222222222");
    let a = &snap.people.assignments[0];
    assert_eq!(a.principal_kind, AssignmentPrincipal::Group);
    assert_eq!(a.account, "222222222222");
    // the membership names a user no list-users gives: kept by id, with a warning
    assert_eq!(snap.people.store_groups.len(), 1);
    assert!(
        !snap
            .warnings
            .iter()
            .any(|w| w.message.contains("manages no IAM")),
        "{:?}",
        snap.warnings
    );
}

#[test]
fn terraform_plan_with_unknown_inline_policy_needs_review() {
    // issue 9: a value known only after apply is an unresolved part, with its place
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.json");
    std::fs::write(
        &plan,
        r#"{"format_version":"1.2","planned_values":{"root_module":{"resources":[
  {"address":"aws_ssoadmin_permission_set.p","mode":"managed","type":"aws_ssoadmin_permission_set","name":"p",
   "values":{"name":"Ops","instance_arn":"arn:aws:sso:::instance/ssoins-1"}},
  {"address":"aws_ssoadmin_permission_set_inline_policy.p","mode":"managed","type":"aws_ssoadmin_permission_set_inline_policy","name":"p",
   "values":{"instance_arn":"arn:aws:sso:::instance/ssoins-1"}},
  {"address":"aws_ssoadmin_account_assignment.a","mode":"managed","type":"aws_ssoadmin_account_assignment","name":"a",
   "values":{"principal_id":"u-1","principal_type":"USER","target_id":"444455556666","target_type":"AWS_ACCOUNT"}}]}},
 "resource_changes":[
  {"address":"aws_ssoadmin_permission_set.p","type":"aws_ssoadmin_permission_set","change":{"actions":["create"],"after_unknown":{"arn":true}}},
  {"address":"aws_ssoadmin_permission_set_inline_policy.p","type":"aws_ssoadmin_permission_set_inline_policy","change":{"actions":["create"],"after_unknown":{"inline_policy":true,"permission_set_arn":true}}},
  {"address":"aws_ssoadmin_account_assignment.a","type":"aws_ssoadmin_account_assignment","change":{"actions":["create"],"after_unknown":{"permission_set_arn":true}}}],
 "configuration":{"root_module":{"resources":[
  {"address":"aws_ssoadmin_permission_set_inline_policy.p","type":"aws_ssoadmin_permission_set_inline_policy","name":"p",
   "expressions":{"permission_set_arn":{"references":["aws_ssoadmin_permission_set.p.arn","aws_ssoadmin_permission_set.p"]},"inline_policy":{"references":["data.aws_iam_policy_document.x.json"]}}},
  {"address":"aws_ssoadmin_account_assignment.a","type":"aws_ssoadmin_account_assignment","name":"a",
   "expressions":{"permission_set_arn":{"references":["aws_ssoadmin_permission_set.p.arn","aws_ssoadmin_permission_set.p"]}}}]}}}"#,
    )
    .unwrap();
    let snap = load_side(&[plan], &[]).unwrap();
    let r = role(&snap, "444455556666", "AWSReservedSSO_Ops");
    assert!(
        r.policies
            .iter()
            .any(|p| matches!(p, PolicyRef::Unresolved { .. })),
        "{:?}",
        r.policies
    );
    assert!(
        snap.warnings
            .iter()
            .any(|w| w.message.contains("inline_policy") && w.message.contains("needs review")),
        "{:?}",
        snap.warnings
    );
}

#[test]
fn cloudformation_permission_sets_and_assignments() {
    // issue 9: AWS::SSO::PermissionSet (inline policy as YAML and as a JSON string) and
    // AWS::SSO::Assignment by `!GetAtt X.PermissionSetArn`
    let Some(t) = corpus("cfn.sso-permission-set-assignment.yaml") else {
        return;
    };
    let snap = load_side(&[t], &[]).unwrap();
    let dev = role(&snap, "222222222222", "AWSReservedSSO_Developer");
    let names: Vec<String> = policies(&snap, dev).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        vec![
            "arn:aws:iam::aws:policy/PowerUserAccess",
            "arn:aws:iam::222222222222:policy/dev-extra-permissions",
            "AwsSSOInlinePolicy",
        ]
    );
    let ro = role(&snap, "333333333333", "AWSReservedSSO_ReadOnly");
    let inline = ro
        .policies
        .iter()
        .find_map(|p| match p {
            PolicyRef::Resolved(id) => snap.policy(*id).filter(|p| p.kind == PolicyKind::Inline),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        inline.document.statements.len(),
        1,
        "the JSON-string inline policy"
    );
    let kinds: Vec<AssignmentPrincipal> = snap
        .people
        .assignments
        .iter()
        .map(|a| a.principal_kind)
        .collect();
    assert_eq!(
        kinds,
        vec![AssignmentPrincipal::Group, AssignmentPrincipal::User]
    );
    // no longer skipped as "IAM Identity Center, not IAM identities"
    assert!(
        !snap
            .warnings
            .iter()
            .any(|w| w.message.contains("not IAM identities")),
        "{:?}",
        snap.warnings
    );
}

#[test]
fn cloudformation_unresolvable_references_need_review() {
    // issue 9: an intrinsic the reader cannot resolve is a warning with its place, and
    // the role's access through it needs review; a macro's assignments are named
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("sso.yaml");
    std::fs::write(
        &t,
        "Resources:\n  Ps:\n    Type: AWS::SSO::PermissionSet\n    Properties:\n      InstanceArn: arn:aws:sso:::instance/ssoins-1\n      Name: Ops\n      ManagedPolicies:\n        - !ImportValue SharedPolicyArn\n  A:\n    Type: AWS::SSO::Assignment\n    Properties:\n      InstanceArn: arn:aws:sso:::instance/ssoins-1\n      PermissionSetArn: !GetAtt Ps.PermissionSetArn\n      PrincipalType: GROUP\n      PrincipalId: g-1\n      TargetType: AWS_ACCOUNT\n      TargetId: '444455556666'\n  B:\n    Type: AWS::SSO::Assignment\n    Properties:\n      InstanceArn: arn:aws:sso:::instance/ssoins-1\n      PermissionSetArn: !ImportValue OtherSet\n      PrincipalType: GROUP\n      PrincipalId: g-1\n      TargetType: AWS_ACCOUNT\n      TargetId: '444455556666'\n",
    )
    .unwrap();
    let snap = load_side(&[t], &[]).unwrap();
    let r = role(&snap, "444455556666", "AWSReservedSSO_Ops");
    assert!(
        matches!(r.policies[0], PolicyRef::Unresolved { .. }),
        "{:?}",
        r.policies
    );
    let w = snap
        .warnings
        .iter()
        .find(|w| w.message.contains("SharedPolicyArn"))
        .unwrap();
    assert!(w.place.line.is_some(), "{w}");
    let b = snap
        .warnings
        .iter()
        .find(|w| w.message.contains("assignment `B` is not read"))
        .unwrap();
    assert!(b.message.contains("needs review"), "{b}");

    let Some(util) = corpus("awsssoutil-example-template.yaml") else {
        return;
    };
    let snap = load_side(&[util], &[]).unwrap();
    let macros = snap
        .warnings
        .iter()
        .filter(|w| w.message.contains("AssignmentGroup"))
        .count();
    assert_eq!(macros, 2, "{:?}", snap.warnings);
}

#[test]
fn unattributed_exports_exit_2_naming_the_file_and_what_is_missing() {
    // issue 9: a per-permission-set output without `PermissionSetArn` or a file name
    // that gives the set is not guessed at
    let f = fixture("malformed/ic-managed-no-permission-set.json");
    let out = iamdiff().args(["effective", &rel(&f)]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ic-managed-no-permission-set.json:2:"),
        "{err}"
    );
    assert!(
        err.contains("which permission set") && err.contains("sso-admin.<command>.<ps-id>.json"),
        "{err}"
    );
    let f = fixture("malformed/ic-assignment-undescribed-set.json");
    let out = iamdiff().args(["effective", &rel(&f)]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ps-8c9d0e1f2a3b4c5d") && err.contains("describe-permission-set"),
        "{err}"
    );
}

#[test]
fn identity_store_users_are_not_read_as_iam_users() {
    // issue 9: `identitystore list-users` shares `Users` with `aws iam list-users`
    let Some(u) = corpus("identitystore.list-users.json") else {
        return;
    };
    let snap = load_side(&[u], &[]).unwrap();
    assert!(snap.principals.is_empty());
    assert_eq!(snap.people.people.len(), 2);
    assert!(!snap.defines_users);
}

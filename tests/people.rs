//! People and the roles they assume (issue 9): the fixture `fixtures/aws/people` (see its
//! `make.py`) holds a chain erin → role-a (account 1) → role-b (account 2, external id), a
//! trust policy tightened so the analysts can no longer assume `deployer`, a new MFA
//! condition on role-a, and gina removed from the group that let her assume `ops-admin`.

use std::collections::BTreeSet;

use iamdiff::diff::findings::Code;
use iamdiff::diff::people::PersonDiff;
use iamdiff::report::diff::DiffReport;

use crate::util::iamdiff;

const BEFORE: &str = "fixtures/aws/people/before";
const AFTER: &str = "fixtures/aws/people/after";

fn run(args: &[&str]) -> (i32, String, String) {
    let out = iamdiff().args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn diff(extra: &[&str]) -> DiffReport {
    let mut args = vec![
        "diff", "--before", BEFORE, "--after", AFTER, "--format", "json", "--quiet",
    ];
    args.extend(extra);
    let (code, out, err) = run(&args);
    assert_eq!(code, 1, "{err}");
    iamdiff::report::json::from_str(&out).unwrap()
}

fn person<'a>(r: &'a DiffReport, name: &str) -> Option<&'a PersonDiff> {
    r.people.iter().find(|p| p.diff.name == name)
}

fn actions(p: &PersonDiff, code: Code) -> Vec<String> {
    p.diff
        .findings
        .iter()
        .filter(|f| f.code == code)
        .flat_map(|f| f.actions.clone())
        .collect()
}

fn path<'a>(p: &'a PersonDiff, role: &str) -> Option<&'a iamdiff::diff::people::PathChange> {
    p.paths.iter().find(|c| c.role == role)
}

// issue 9: a tightened trust policy loses the analysts the role: everything it granted that
// they cannot get otherwise (CreateStack), not what their group still grants (DescribeStacks)
#[test]
fn losing_the_last_path_to_a_role_loses_only_what_no_other_path_grants() {
    let r = diff(&[]);
    for name in ["erin", "hank"] {
        let p = person(&r, name).unwrap();
        assert_eq!(
            actions(p, Code::Lost),
            ["cloudformation:CreateStack"],
            "{name}"
        );
        let lost = path(p, "111111111111/deployer").unwrap();
        assert_eq!(lost.change, "lost");
        assert_eq!(
            lost.before.as_deref(),
            Some(&*format!("{name} → 111111111111/deployer"))
        );
        let f = p
            .diff
            .findings
            .iter()
            .find(|f| f.code == Code::Lost)
            .unwrap();
        assert!(
            f.message.contains("via role 111111111111/deployer"),
            "{}",
            f.message
        );
    }
    // the platform team keeps it: frank has no finding at all
    assert!(person(&r, "frank").is_none());
    // the principal view cannot see it: erin's own policies did not change
    assert!(r.principals.iter().all(|p| !p.name.ends_with("/erin")));
    let s = r.summary.people.unwrap();
    assert_eq!((s.compared, s.lost_paths, s.conditional_paths), (4, 3, 2));
}

// issue 9: a user removed from the group that granted sts:AssumeRole loses the role's access
#[test]
fn leaving_the_group_that_could_assume_a_role_loses_the_role() {
    let r = diff(&[]);
    let gina = person(&r, "gina").unwrap();
    assert_eq!(actions(gina, Code::Lost), ["ec2:TerminateInstances"]);
    assert_eq!(path(gina, "111111111111/ops-admin").unwrap().change, "lost");
    assert!(gina.diff.fails_gate);
}

// issue 9: a new MFA condition in a trust policy makes the path, and what it grants, conditional
#[test]
fn a_new_mfa_condition_makes_the_path_conditional() {
    let r = diff(&[]);
    let erin = person(&r, "erin").unwrap();
    let c = path(erin, "111111111111/role-a").unwrap();
    assert_eq!(c.change, "conditional");
    assert_eq!(c.conditions, ["aws:MultiFactorAuthPresent Bool true"]);
    assert!(actions(erin, Code::Conditional).contains(&"s3:GetObject".to_owned()));
}

// issue 9: the chain crosses accounts: role-b trusts role-a (which must allow
// sts:AssumeRole on it) under an external id, conditional until the context gives it
#[test]
fn the_role_chain_crosses_accounts_under_its_external_id() {
    let people = |extra: &[&str]| {
        let mut args = vec!["effective", BEFORE, "--people", "--format", "json"];
        args.extend(extra);
        let (code, out, err) = run(&args);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<serde_json::Value>(&out).unwrap()
    };
    let role_b = |v: &serde_json::Value| {
        v["people"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["person"] == "erin")
            .unwrap()["roles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["role"] == "222222222222/role-b")
            .cloned()
            .unwrap()
    };
    let v = people(&[]);
    let b = role_b(&v);
    assert_eq!(b["status"], "conditional");
    assert_eq!(
        b["path"],
        "erin → 111111111111/role-a → 222222222222/role-b"
    );
    let step = &b["steps"][1];
    assert_eq!(
        step["conditions"][0],
        "sts:ExternalId StringEquals erin-ext-42"
    );
    assert!(
        step["identity"][0]
            .as_str()
            .unwrap()
            .contains("ChainToRoleB")
    );
    assert_eq!(b["actions"][0], "dynamodb:GetItem");
    // services are external entry points, kept
    assert_eq!(
        v["entry_points"][0]["entry"],
        "service:lambda.amazonaws.com"
    );
    let v = people(&["--context", "sts:ExternalId=erin-ext-42"]);
    assert_eq!(role_b(&v)["status"], "allowed");
}

// issue 9: explain answers for a person with the path as well as the statements
#[test]
fn explain_shows_the_path_of_the_deciding_role_session() {
    let (code, out, err) = run(&[
        "explain",
        BEFORE,
        "--principal",
        "erin",
        "--person",
        "--action",
        "cloudformation:CreateStack",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("decision: allowed"), "{out}");
    assert!(out.contains("path: erin → 111111111111/deployer"), "{out}");
    assert!(out.contains("Sid `AccountRoot`"), "{out}");
    assert!(out.contains("Stacks"), "{out}");
    let (_, out, _) = run(&[
        "explain",
        AFTER,
        "--principal",
        "erin",
        "--person",
        "--action",
        "cloudformation:CreateStack",
    ]);
    assert!(out.contains("decision: not-allowed"), "{out}");
}

// issue 9: `people:` rules of the map say who is who when no name is shared
#[test]
fn map_people_rules_match_people_by_another_name() {
    let dir = std::env::temp_dir().join(format!("iamdiff-people-map-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let map = dir.join("map.yaml");
    std::fs::write(
        &map,
        "renames:\n  users:\n    - from: hank\n      to: henry\npeople:\n  - from: hank\n    to: henry\n",
    )
    .unwrap();
    // the after side renames hank to henry
    let after = dir.join("after");
    std::fs::create_dir_all(&after).unwrap();
    for f in ["111111111111.json", "222222222222.json"] {
        let text = std::fs::read_to_string(format!("{AFTER}/{f}")).unwrap();
        std::fs::write(after.join(f), text.replace("hank", "henry")).unwrap();
    }
    let (code, out, err) = run(&[
        "diff",
        "--before",
        BEFORE,
        "--after",
        after.to_str().unwrap(),
        "--map",
        map.to_str().unwrap(),
        "--format",
        "json",
        "--quiet",
    ]);
    assert_eq!(code, 1, "{err}");
    let r: DiffReport = iamdiff::report::json::from_str(&out).unwrap();
    let henry = person(&r, "henry").unwrap();
    assert_eq!(henry.diff.before_name.as_deref(), Some("hank"));
    assert_eq!(actions(henry, Code::Lost), ["cloudformation:CreateStack"]);
    assert!(
        r.people
            .iter()
            .all(|p| p.diff.status != iamdiff::diff::outcome::PrincipalStatus::Removed)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

// issue 9: `--view principals` keeps the report as it was
#[test]
fn the_principal_view_alone_has_no_people() {
    let r = diff(&["--view", "principals"]);
    assert!(r.people.is_empty());
    assert!(r.summary.people.is_none());
}

// issue 9: AWS's rules: a trust naming the user's own ARN in the same account suffices
// alone; naming the account root needs the user's identity allow; another account's role
// needs both
#[test]
fn trust_by_arn_suffices_in_the_account_root_and_other_accounts_need_the_identity_allow() {
    let dir = std::env::temp_dir().join(format!("iamdiff-people-rules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let role = |acct: &str, name: &str, principal: &str| {
        serde_json::json!({
            "Path": "/", "RoleName": name, "RoleId": format!("AROA{}", name.to_uppercase()),
            "Arn": format!("arn:aws:iam::{acct}:role/{name}"),
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}]},
            "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}}],
            "AttachedManagedPolicies": [], "InstanceProfileList": [], "Tags": []
        })
    };
    let ivy = "arn:aws:iam::111111111111:user/ivy";
    let one = serde_json::json!({
        "UserDetailList": [{"Path": "/", "UserName": "ivy", "UserId": "AIDAIVY", "Arn": ivy,
            "GroupList": [], "AttachedManagedPolicies": [], "UserPolicyList": [], "Tags": []}],
        "GroupDetailList": [], "Policies": [],
        "RoleDetailList": [role("111111111111", "by-arn", ivy),
                           role("111111111111", "by-root", "arn:aws:iam::111111111111:root")]
    });
    let two = serde_json::json!({
        "UserDetailList": [], "GroupDetailList": [], "Policies": [],
        "RoleDetailList": [role("222222222222", "other-account", ivy)]
    });
    std::fs::write(dir.join("111111111111.json"), one.to_string()).unwrap();
    std::fs::write(dir.join("222222222222.json"), two.to_string()).unwrap();
    let (code, out, err) = run(&[
        "effective",
        dir.to_str().unwrap(),
        "--people",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let roles: Vec<&str> = v["people"][0]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["111111111111/by-arn"]);
    let _ = std::fs::remove_dir_all(&dir);
}

fn cause_summaries<'a>(r: &'a DiffReport, f: &iamdiff::diff::findings::Finding) -> Vec<&'a str> {
    f.causes
        .iter()
        .map(|c| r.change(c).unwrap().summary.as_str())
        .collect()
}

// issue 9 (with issue 12): every person finding names the input change behind its path —
// the tightened trust, the new MFA condition, the group that granted sts:AssumeRole
#[test]
fn person_findings_name_the_change_that_broke_their_path() {
    let r = diff(&[]);
    for name in ["erin", "hank"] {
        let p = person(&r, name).unwrap();
        for f in &p.diff.findings {
            let want = if f.code == Code::Lost {
                "trust policy of 111111111111/deployer changed"
            } else {
                "trust policy of 111111111111/role-a changed"
            };
            assert_eq!(cause_summaries(&r, f), [want], "{name}: {f:?}");
        }
    }
    let gina = person(&r, "gina").unwrap();
    for f in &gina.diff.findings {
        assert_eq!(
            cause_summaries(&r, f),
            ["111111111111/gina removed from group ops"]
        );
    }
    assert!(
        !r.changes
            .iter()
            .any(|c| c.kind == iamdiff::diff::changes::ChangeKind::Unexplained),
        "{:#?}",
        r.changes
    );
}

// issue 9: IAM users moved to Identity Center are matched to their store users by the
// e-mail's local part; the person left out of the store group loses the group's access
// through the membership change, and the gained roles name their assignment
#[test]
fn identity_center_migration_findings_name_memberships_and_assignments() {
    let out = iamdiff()
        .args([
            "diff",
            "--before",
            "fixtures/aws/identity-center/before",
            "--after",
            "fixtures/aws/identity-center/after",
            "--format",
            "json",
            "--quiet",
        ])
        .output()
        .unwrap();
    let r = iamdiff::report::json::from_str(&String::from_utf8_lossy(&out.stdout)).unwrap();
    let s = r.summary.people.unwrap();
    assert_eq!((s.compared, s.removed, s.new), (4, 0, 0), "{s:?}");
    let frank = person(&r, "frank@example.com").unwrap();
    assert!(!actions(frank, Code::Lost).is_empty());
    for f in &frank.diff.findings {
        assert_eq!(
            cause_summaries(&r, f),
            ["frank is not in identity-store group developers that replaces IAM group developers"]
        );
    }
    let heidi = person(&r, "heidi@example.com").unwrap();
    for f in heidi
        .diff
        .findings
        .iter()
        .filter(|f| f.code == Code::Gained)
    {
        assert!(
            cause_summaries(&r, f)
                .contains(&"permission set ReadOnly in 111111111111 assigned to group readonly"),
            "{f:?}"
        );
    }
    for p in &r.people {
        for f in &p.diff.findings {
            assert!(!f.causes.is_empty() && !f.causes.iter().any(|c| c.starts_with('U')));
        }
    }
}

// the generator module is compiled once, in the organizations tests
use crate::organizations::org_gen;

// issue 9: the benchmark generator's organization with Identity Center at CI size (10
// accounts, 200 people, 40 permission sets): every role its mutations — a person leaving
// a group, an assignment removed, a permission set no longer allowing the chain, a
// chain-2 trust policy trusting another role — cut someone off from is reported as that
// person's lost path, with the path they had, and nothing else is lost
#[test]
fn generated_identity_center_losses_are_all_reported_with_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let (_, losses) = org_gen::write_pair_with(
        org_gen::OrgScale::SMALL,
        42,
        Some(org_gen::IcScale::new(200, 40)),
        dir.path(),
    )
    .unwrap();
    let kinds: BTreeSet<&str> = losses
        .iter()
        .filter_map(|l| l.mutation.split(' ').nth(1))
        .collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["drop-chain", "leave-group", "retrust", "unassign"]
    );
    let side = |s: &str| dir.path().join(s).to_str().unwrap().to_owned();
    let map = side("map.yaml");
    let (code, out, err) = run(&[
        "diff",
        "--before",
        &side("before"),
        "--after",
        &side("after"),
        "--map",
        &map,
        "--view",
        "people",
        "--format",
        "json",
        "--quiet",
    ]);
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mut lost: BTreeSet<(String, String)> = BTreeSet::new();
    for p in v["people"].as_array().unwrap() {
        for c in p["paths"].as_array().into_iter().flatten() {
            if c["change"] == "lost" {
                let (name, role) = (p["name"].as_str().unwrap(), c["role"].as_str().unwrap());
                // the path lost starts at the person and ends at the role
                let path = c["before"].as_str().unwrap();
                assert!(
                    path.starts_with(&format!("{name} → ")) && path.ends_with(role),
                    "{path}"
                );
                lost.insert((name.to_owned(), role.to_owned()));
            }
        }
    }
    let expected: BTreeSet<(String, String)> = losses
        .iter()
        .map(|l| (l.person.clone(), l.role.clone()))
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(lost, expected);
}

/// `explain --person` of one request on one side: its decision.
fn explain_person(side: &str, person: &str, action: &str, resource: Option<&str>) -> String {
    let mut args = vec![
        "explain",
        side,
        "--principal",
        person,
        "--person",
        "--action",
        action,
        "--format",
        "json",
    ];
    if let Some(r) = resource {
        args.extend(["--resource", r]);
    }
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{args:?}: {err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v["decision"].as_str().unwrap().to_owned()
}

fn maybe(d: &str) -> bool {
    d == "allowed" || d == "conditional"
}

// issue 9: one answer everywhere for people, as issue 7 asks of principals: for every
// person and action of the people fixture, `explain --person` decides as `effective
// --people` lists (directly or through a role, and never unconditionally when every path
// to it is conditional), and every change between the sides is a finding of `diff --view
// people` (or of the person's own IAM user) whose before and after states `explain`
// gives on the finding's witness resource
#[test]
fn explain_effective_and_the_person_diff_agree_on_every_person_and_action() {
    let effective = |side: &str| {
        let (code, out, err) = run(&["effective", side, "--people", "--format", "json"]);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<serde_json::Value>(&out).unwrap()
    };
    let (eb, ea) = (effective(BEFORE), effective(AFTER));
    // (person, action) → (any path, an unconditional path)
    type Listed = std::collections::BTreeMap<(String, String), (bool, bool)>;
    let listed = |v: &serde_json::Value| {
        let mut m = Listed::new();
        for p in v["people"].as_array().unwrap() {
            let name = p["person"].as_str().unwrap().to_owned();
            for a in p["direct"].as_array().unwrap() {
                m.insert((name.clone(), a.as_str().unwrap().to_owned()), (true, true));
            }
            for r in p["roles"].as_array().unwrap() {
                let sure = r["status"] == "allowed";
                for a in r["actions"].as_array().unwrap() {
                    let e = m
                        .entry((name.clone(), a.as_str().unwrap().to_owned()))
                        .or_default();
                    *e = (true, e.1 || sure);
                }
            }
        }
        m
    };
    let (lb, la) = (listed(&eb), listed(&ea));
    let people: BTreeSet<String> = lb.keys().chain(la.keys()).map(|k| k.0.clone()).collect();
    let mut actions: BTreeSet<String> = lb.keys().chain(la.keys()).map(|k| k.1.clone()).collect();
    actions.insert("iam:CreateUser".to_owned());
    let r = diff(&["--view", "people"]);
    let findings_of = |name: &str| -> Vec<&iamdiff::diff::findings::Finding> {
        let own = r
            .principals
            .iter()
            .filter(|p| p.name.ends_with(&format!("/{name}")));
        person(&r, name)
            .map(|p| &p.diff)
            .into_iter()
            .chain(own)
            .flat_map(|d| d.findings.iter())
            .collect()
    };
    let mut checked = 0;
    for name in &people {
        let findings = findings_of(name);
        for action in &actions {
            let key = (name.clone(), action.clone());
            let mut decisions = Vec::new();
            for (side, l) in [(BEFORE, &lb), (AFTER, &la)] {
                let d = explain_person(side, name, action, None);
                let (any, sure) = l.get(&key).copied().unwrap_or_default();
                assert_eq!(maybe(&d), any, "{side}: {name} {action}: explain says {d}");
                assert!(
                    sure || d != "allowed",
                    "{side}: {name} {action}: only conditional paths"
                );
                decisions.push(d);
                checked += 1;
            }
            let (db, da) = (&decisions[0], &decisions[1]);
            let said = |codes: &[Code]| {
                findings
                    .iter()
                    .any(|f| codes.contains(&f.code) && f.actions.contains(action))
            };
            if maybe(db) && !maybe(da) {
                assert!(
                    said(&[Code::Lost]),
                    "{name} {action}: {db} → {da}, no lost finding"
                );
            } else if !maybe(db) && maybe(da) {
                assert!(
                    said(&[Code::Gained]),
                    "{name} {action}: {db} → {da}, no gained finding"
                );
            } else if db == "allowed" && da == "conditional" {
                assert!(
                    said(&[Code::Conditional]),
                    "{name} {action}: {db} → {da}, no conditional finding"
                );
            }
        }
        // and each person finding's witness is decided by explain as the finding states
        for f in person(&r, name)
            .map(|p| p.diff.findings.as_slice())
            .unwrap_or(&[])
        {
            let Some(w) = f.witness.as_deref() else {
                continue;
            };
            for action in &f.actions {
                assert_eq!(
                    explain_person(BEFORE, name, action, Some(w)),
                    f.before.status,
                    "{f:?}"
                );
                assert_eq!(
                    explain_person(AFTER, name, action, Some(w)),
                    f.after.status,
                    "{f:?}"
                );
                checked += 2;
            }
        }
    }
    assert!(checked > 40, "{checked}");
}

//! Several accounts on each side (issue 8): principals are keyed by account and name, so
//! the same small account given twice (once with its account id replaced) is compared
//! account by account — twice the principals, nothing paired across accounts, nothing
//! removed — and a change made in one account is reported in that account only, under
//! `ACCOUNT/name`. Also: `--map` rules with an account part move principals between
//! accounts, and `explain` names the account.

use std::path::{Path, PathBuf};

use iamdiff::diff::findings::{Code, Finding};
use iamdiff::report::diff::{DiffReport, PrincipalStatus};

use crate::util::{fixture, iamdiff};

/// The company fixture's account.
const A: &str = "111122223333";
/// The account of its copy.
const B: &str = "999988887777";
/// Principals in the company fixture.
const PER_ACCOUNT: usize = 12;

/// bob's only group membership, as the fixture writes it.
const BOB_GROUPS: &str = "\"GroupList\": [\n                \"data-science-team\"\n            ],";

/// Writes the fixture (`a.json`), its copy in account B (`b.json`), and the copy with
/// `mutate` applied (`b-after.json`) to a new directory.
fn accounts(mutate: impl Fn(&str) -> String) -> (tempfile::TempDir, PathBuf, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("aws/company/account.json")).unwrap();
    let copy = text.replace(A, B);
    let after = mutate(&copy);
    assert_ne!(after, copy, "the mutation changes nothing");
    let write = |name: &str, t: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, t).unwrap();
        p
    };
    let a = write("a.json", &text);
    let b = write("b.json", &copy);
    let b2 = write("b-after.json", &after);
    (dir, a, b, b2)
}

/// bob (of account B) leaves his only group.
fn bob_leaves_his_group(text: &str) -> String {
    assert_eq!(text.matches(BOB_GROUPS).count(), 1);
    text.replace(BOB_GROUPS, "\"GroupList\": [],")
}

fn diff_json(args: &[&Path], before: usize, extra: &[&str]) -> DiffReport {
    let mut cmd = iamdiff();
    cmd.arg("diff").arg("--before");
    cmd.args(&args[..before]);
    cmd.arg("--after");
    cmd.args(&args[before..]);
    cmd.args(extra).args(["--format", "json", "--quiet"]);
    let out = cmd.output().unwrap();
    let code = out.status.code().unwrap();
    assert!(
        code == 0 || code == 1,
        "exit {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    iamdiff::report::json::from_str(&String::from_utf8_lossy(&out.stdout)).unwrap()
}

/// A finding with the principal's name taken out, to compare two runs' findings.
fn anonymous(f: &Finding) -> Finding {
    let mut f = f.clone();
    f.principal = String::new();
    f.message = f.message.replace(&format!("{B}/"), "");
    f
}

// issue 8: the reproduction — two accounts on each side, one mutated in account B only
#[test]
fn two_accounts_per_side_are_compared_account_by_account() {
    let (_dir, a, b, b2) = accounts(bob_leaves_his_group);
    let r = diff_json(&[&a, &b, &a, &b2], 2, &[]);
    assert_eq!(r.before.principals, 2 * PER_ACCOUNT);
    assert_eq!(r.summary.compared, 2 * PER_ACCOUNT, "{:?}", r.summary);
    assert_eq!((r.summary.removed, r.summary.new), (0, 0));
    // only bob of account B changed, shown with his account
    let names: Vec<(&str, Option<&str>, PrincipalStatus)> = r
        .principals
        .iter()
        .map(|p| (p.name.as_str(), p.account.as_deref(), p.status))
        .collect();
    assert_eq!(
        names,
        vec![(
            format!("{B}/bob").as_str(),
            Some(B),
            PrincipalStatus::Changed
        )]
    );
    // nobody was paired with a principal of another name or account
    assert!(r.principals.iter().all(|p| p.before_name.is_none()));
    // exactly the losses of the same mutation made to account B alone
    let alone = diff_json(&[&b, &b2], 1, &[]);
    assert_eq!(alone.summary.compared, PER_ACCOUNT);
    assert_eq!(alone.principals.len(), 1);
    let single = &alone.principals[0];
    // a single-account run shows bare names, as it always did
    assert_eq!(
        (single.name.as_str(), single.account.as_deref()),
        ("bob", None)
    );
    let bob = &r.principals[0];
    assert!(bob.findings.iter().any(|f| f.code == Code::Lost));
    assert!(
        bob.findings
            .iter()
            .all(|f| f.principal == format!("{B}/bob"))
    );
    assert_eq!(
        bob.findings.iter().map(anonymous).collect::<Vec<_>>(),
        single.findings.iter().map(anonymous).collect::<Vec<_>>()
    );
    assert_eq!(bob.counts, single.counts);
    assert!(bob.counts.lost > 0);
    // the table names the account too
    let out = iamdiff()
        .arg("diff")
        .arg("--before")
        .args([&a, &b])
        .arg("--after")
        .args([&a, &b2])
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains(&format!("user {B}/bob")), "{table}");
    assert!(table.contains("24 on both sides"), "{table}");
}

// issue 8: a side given as a folder of account exports reads each account apart
#[test]
fn a_folder_of_account_exports_is_one_side() {
    let (dir, a, b, b2) = accounts(bob_leaves_his_group);
    let before = dir.path().join("before");
    let after = dir.path().join("after");
    for (d, files) in [(&before, [&a, &b]), (&after, [&a, &b2])] {
        std::fs::create_dir(d).unwrap();
        for f in files {
            std::fs::copy(f, d.join(f.file_name().unwrap())).unwrap();
        }
    }
    let r = diff_json(&[&before, &after], 1, &[]);
    assert_eq!(r.summary.compared, 2 * PER_ACCOUNT);
    assert_eq!((r.summary.removed, r.summary.new), (0, 0));
    let names: Vec<&str> = r.principals.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec![format!("{B}/bob")]);
}

// issue 8: customer-managed policies of the same name in two accounts are two policies:
// editing account B's changes nothing for account A's principals that attach theirs
#[test]
fn a_policy_edited_in_one_account_changes_that_account_only() {
    let (_dir, a, b, b2) = accounts(|t| t.replacen("\"ecr:PutImage\",", "", 1));
    let r = diff_json(&[&a, &b, &a, &b2], 2, &[]);
    assert_eq!(r.summary.compared, 2 * PER_ACCOUNT);
    let mut names: Vec<String> = r.principals.iter().map(|p| p.name.clone()).collect();
    names.sort();
    // carol (through her group) and the role ci-deploy attach ml-ecr-push; dave's own
    // power-user policy still allows the action
    assert_eq!(names, vec![format!("{B}/carol"), format!("{B}/ci-deploy")]);
    for p in &r.principals {
        assert_eq!(p.account.as_deref(), Some(B));
        let changed: Vec<(Code, &str)> = p
            .findings
            .iter()
            .flat_map(|f| f.actions.iter().map(move |a| (f.code, a.as_str())))
            .collect();
        // lost where only the edited policy allowed it, narrowed where another still
        // allows it on some repositories
        assert!(!changed.is_empty(), "{}", p.name);
        for (code, action) in changed {
            assert_eq!(action, "ecr:PutImage", "{}", p.name);
            assert!(matches!(code, Code::Lost | Code::Narrowed), "{code:?}");
        }
    }
}

// issue 8: a `--map` rule with account parts moves a role from one account to another
// (an account consolidation); the same name in the other account is left alone
#[test]
fn cross_account_map_rules_move_principals_between_accounts() {
    let (dir, a, b, _) = accounts(bob_leaves_his_group);
    let text = std::fs::read_to_string(&a).unwrap();
    // after: account A's ci-deploy lives in account B as app-ci-deploy, beside B's own
    let a_after = dir.path().join("a-after.json");
    std::fs::write(&a_after, remove_role(&text, "ci-deploy")).unwrap();
    let moved = role_block(&text, "ci-deploy")
        .replace(A, B)
        .replace("role/ci-deploy", "role/app-ci-deploy")
        .replace(
            "\"RoleName\": \"ci-deploy\"",
            "\"RoleName\": \"app-ci-deploy\"",
        );
    let b_text = std::fs::read_to_string(&b).unwrap();
    let own = role_block(&b_text, "ci-deploy");
    let b_after = dir.path().join("b-moved.json");
    std::fs::write(
        &b_after,
        replace_role(&b_text, "ci-deploy", &format!("{own},\n{moved}")),
    )
    .unwrap();
    let map = dir.path().join("map.yaml");
    std::fs::write(
        &map,
        format!("renames:\n  roles:\n    - pattern: \"{A}:role/(ci-.*)\"\n      to: \"{B}:role/app-$1\"\n"),
    )
    .unwrap();
    let map_arg = ["--map", map.to_str().unwrap()];

    let r = diff_json(&[&a, &b, &a_after, &b_after], 2, &map_arg);
    let statuses: Vec<(&str, Option<&str>, PrincipalStatus)> = r
        .principals
        .iter()
        .map(|p| (p.name.as_str(), p.before_name.as_deref(), p.status))
        .collect();
    assert_eq!(
        (r.summary.compared, r.summary.removed, r.summary.new),
        (2 * PER_ACCOUNT, 0, 0),
        "{statuses:?}"
    );
    // the moved role is compared with its old self (its ECR repositories are now
    // account B's, which is what the consolidation did); nothing else changed
    assert_eq!(statuses.len(), 1, "{statuses:?}");
    for (name, before, _) in &statuses {
        assert_eq!(*name, format!("{B}/app-ci-deploy"));
        assert_eq!(*before, Some(format!("{A}/ci-deploy").as_str()));
    }

    // without the rule, the role is removed from A and new in B
    let r = diff_json(&[&a, &b, &a_after, &b_after], 2, &[]);
    assert_eq!((r.summary.removed, r.summary.new), (1, 1));

    // explain follows the rule and names the account on each side
    let out = iamdiff()
        .arg("explain")
        .arg("--before")
        .args([&a, &b])
        .arg("--after")
        .args([&a_after, &b_after])
        .args(map_arg)
        .args(["--principal", &format!("{A}/ci-deploy")])
        .args(["--action", "ecr:GetAuthorizationToken"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    for want in [
        format!("principal: role {A}/ci-deploy (arn:aws:iam::{A}:role/ci-deploy)"),
        format!("principal: role {B}/app-ci-deploy (arn:aws:iam::{B}:role/app-ci-deploy)"),
    ] {
        assert!(text.contains(&want), "{want} not in:\n{text}");
    }
}

// issue 8: a name shared by several accounts asks which one; `ACCOUNT/name` picks it
#[test]
fn explain_names_the_account_of_a_shared_name() {
    let (_dir, a, b, _b2) = accounts(bob_leaves_his_group);
    let out = iamdiff()
        .arg("explain")
        .args([&a, &b])
        .args(["--principal", "bob", "--action", "s3:GetObject"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("names principals in several accounts")
            && err.contains(&format!("{A}:user/bob"))
            && err.contains(&format!("{B}:user/bob")),
        "{err}"
    );
    let out = iamdiff()
        .arg("explain")
        .args([&a, &b])
        .args([
            "--principal",
            &format!("{B}/bob"),
            "--action",
            "s3:GetObject",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(&format!(
            "principal: user {B}/bob (arn:aws:iam::{B}:user/bob)"
        )),
        "{text}"
    );
}

/// The JSON object of a role in the fixture's text, from its `{` to its `}`.
fn role_block(text: &str, name: &str) -> String {
    let (start, end) = role_span(text, name);
    text[start..end].to_owned()
}

fn role_span(text: &str, name: &str) -> (usize, usize) {
    let at = text
        .find(&format!("\"RoleName\": \"{name}\""))
        .unwrap_or_else(|| panic!("no role {name}"));
    let start = text[..at].rfind("\n        {").unwrap() + 1;
    let end = start + text[start..].find("\n        }").unwrap() + "\n        }".len();
    (start, end)
}

/// The text with a role's object replaced by `with`.
fn replace_role(text: &str, name: &str, with: &str) -> String {
    let (start, end) = role_span(text, name);
    format!("{}{with}{}", &text[..start], &text[end..])
}

/// The text without a role (and the comma after it).
fn remove_role(text: &str, name: &str) -> String {
    let (start, end) = role_span(text, name);
    let rest = &text[end..];
    let rest = rest.strip_prefix(',').unwrap_or(rest);
    format!("{}{}", &text[..start].trim_end_matches('\n'), rest)
}

// issue 8: per-call CLI exports of two accounts, one folder each, stay two accounts:
// same-named users, groups and roles are not merged, and names resolve in their account
#[test]
fn per_call_export_folders_of_two_accounts_stay_apart() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture("aws/cli/complete");
    for (name, account) in [("a", A), ("b", B)] {
        let d = dir.path().join(name);
        std::fs::create_dir(&d).unwrap();
        for e in std::fs::read_dir(&src).unwrap() {
            let p = e.unwrap().path();
            if p.extension().and_then(|x| x.to_str()) != Some("json") {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap().replace(A, account);
            std::fs::write(d.join(p.file_name().unwrap()), text).unwrap();
        }
    }
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let one = diff_json(&[&a, &a], 1, &[]);
    let r = diff_json(&[&a, &b, &a, &b], 2, &[]);
    assert!(one.summary.compared > 0);
    assert_eq!(r.summary.compared, 2 * one.summary.compared);
    assert_eq!(r.before.principals, 2 * one.before.principals);
    assert_eq!(
        (r.summary.removed, r.summary.new, r.summary.changed),
        (0, 0, 0)
    );
}

// issue 8: a waiver naming `bob` applies to bob in every account; one naming
// `ACCOUNT/bob` to that account's bob only
#[test]
fn waivers_name_a_principal_in_every_account_or_in_one() {
    let (dir, a, b, b2) = accounts(bob_leaves_his_group);
    for (principal, applied) in [
        ("bob", true),
        (&*format!("{B}/bob"), true),
        (&*format!("{A}/bob"), false),
    ] {
        let waivers = dir.path().join("waivers.yaml");
        std::fs::write(
            &waivers,
            format!("waivers:\n  - principal: \"{principal}\"\n    action: \"*\"\n    reason: r\n    approved_by: me\n"),
        )
        .unwrap();
        let r = diff_json(
            &[&a, &b, &a, &b2],
            2,
            &[
                "--waivers",
                waivers.to_str().unwrap(),
                "--today",
                "2026-01-01",
            ],
        );
        assert_eq!(
            r.waivers[0].matched > 0,
            applied,
            "{principal}: {:?}",
            r.waivers[0]
        );
        assert_eq!(r.gate.passed, applied, "{principal}");
    }
}

//! Ports between vocabularies end to end (issue 10 item 5): the fixture company's AWS
//! access ported to GCP (`fixtures/ports/aws-to-gcp`, a map missing `sts:AssumeRole`) and to
//! the two-role platform (`fixtures/ports/aws-to-platform`): who loses access, who is
//! widened, what cannot be expressed, every finding naming the source statement, the map
//! rule and the target binding; every report format; `--map` rename files unchanged.

use serde_json::Value;

use crate::util::{fixture, iamdiff, rel};

const COMPANY: &str = "fixtures/aws/company/account.json";

fn port(after: &str, map: &str, format: &str) -> (Option<i32>, String) {
    let out = iamdiff()
        .args([
            "diff", "-q", "--before", COMPANY, "--after", after, "--map", map, "--format", format,
            "--detail",
        ])
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn json(after: &str, map: &str) -> Value {
    let (code, out) = port(after, map, "json");
    assert_eq!(code, Some(1), "{out}");
    let mut v = serde_json::from_str(&out).unwrap();
    // routes are listed once in the report (issue 10 Figures): inline them to read them
    iamdiff::report::json::inline_routes(&mut v);
    v
}

fn findings<'a>(d: &'a Value, principal: &str) -> Vec<&'a Value> {
    d["principals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == principal)
        .flat_map(|p| p["findings"].as_array().unwrap())
        .collect()
}

fn route_kinds(side: &Value) -> Vec<String> {
    side["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap().to_owned())
        .collect()
}

fn gcp() -> Value {
    json(
        "fixtures/ports/aws-to-gcp/target",
        "fixtures/ports/aws-to-gcp/port.yaml",
    )
}

fn platform() -> Value {
    json(
        "fixtures/ports/aws-to-platform/platform.yaml",
        "fixtures/ports/aws-to-platform/port.yaml",
    )
}

// issue 10 item 5: the permission the map leaves out is `unmapped`, fails the gate, and
// names the source statement and the identity rule
#[test]
fn aws_to_gcp_missing_permission_is_unmapped() {
    let d = gcp();
    let heidi = findings(&d, "user:heidi@corp.com");
    let u = heidi
        .iter()
        .find(|f| f["code"] == "unmapped")
        .expect("unmapped finding");
    assert_eq!(u["actions"], serde_json::json!(["sts:AssumeRole"]));
    assert_eq!(u["fails_gate"], true);
    assert_eq!(u["category"], "review");
    let routes = u["before"]["routes"].as_array().unwrap();
    assert!(routes.iter().any(|r| r["statement"] == "AssumeOpsAdmin"));
    assert!(routes.iter().any(|r| r["pointer"] == "/port/identities/0"));
    // every other finding of the port is a loss or a widening, never another unmapped
    let unmapped: usize = d["principals"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["findings"].as_array().unwrap())
        .filter(|f| f["code"] == "unmapped")
        .count();
    assert_eq!(unmapped, 1);
}

// issue 10 item 5: a loss in the target's terms names source statement, map rule and scope
#[test]
fn aws_to_gcp_loss_names_statement_rule_and_scope() {
    let d = gcp();
    let erin = findings(&d, "user:erin@corp.com");
    let lost = erin
        .iter()
        .find(|f| {
            f["code"] == "lost" && f["actions"] == serde_json::json!(["storage.objects.create"])
        })
        .expect("erin's upload is lost");
    assert_eq!(lost["witness"], "projects/data");
    let kinds = route_kinds(&lost["before"]);
    assert!(kinds.contains(&"inline".to_owned()), "{kinds:?}");
    assert!(kinds.contains(&"port-rule".to_owned()), "{kinds:?}");
    let routes = lost["before"]["routes"].as_array().unwrap();
    assert!(
        routes
            .iter()
            .any(|r| r["statement"] == "ContractorDropUpload")
    );
    assert!(routes.iter().any(|r| r["pointer"] == "/port/permissions/5"));
    assert!(routes.iter().any(|r| r["pointer"] == "/port/resources/0"));
}

// issue 10 item 5: a target role broader than the mapped permissions is `port-widened`,
// naming the binding behind it
#[test]
fn aws_to_gcp_broad_role_is_port_widened() {
    let d = gcp();
    let heidi = findings(&d, "user:heidi@corp.com");
    let w = heidi
        .iter()
        .find(|f| {
            f["code"] == "port-widened"
                && f["service"] == "compute"
                && f["after"]["routes"][0]["policy"]
                    .as_str()
                    .unwrap()
                    .contains("roles/compute.instanceAdmin.v1")
        })
        .expect("instanceAdmin widens heidi");
    let actions: Vec<&str> = w["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(actions.contains(&"compute.instances.delete"));
    // what the source had through the map is not called wider
    assert!(!actions.contains(&"compute.instances.reset"));
    assert_eq!(w["category"], "gained");
    assert_eq!(w["fails_gate"], false);
}

// issue 10 item 5: the two-role platform — who is widened, who cannot be expressed, who
// loses access
#[test]
fn aws_to_platform_widened_unexpressed_and_lost() {
    let d = platform();
    // heidi restarts ml-platform instances only; Member of ml gives everything operational
    let heidi = findings(&d, "heidi@corp.com");
    let w = heidi
        .iter()
        .find(|f| f["code"] == "port-widened")
        .expect("heidi widened");
    assert_eq!(w["actions"], serde_json::json!(["Member"]));
    assert_eq!(w["witness"], "ml");
    assert!(w["message"].as_str().unwrap().contains("had 1 of them"));
    assert_eq!(route_kinds(&w["after"]), ["platform"]);
    assert_eq!(w["after"]["routes"][0]["pointer"], "/projects/0/members/1");
    // her account-wide CloudWatch reads have no project: cannot be expressed
    assert!(
        heidi
            .iter()
            .any(|f| f["code"] == "unmapped" && f["service"] == "cloudwatch")
    );
    // carol works on the ds buckets but is not a member of project data: lost
    let carol = findings(&d, "carol@corp.com");
    assert!(carol.iter().any(|f| f["code"] == "lost"
        && f["witness"] == "data"
        && f["actions"] == serde_json::json!(["Member"])));
    // frank is not on the platform at all: his access is lost
    let frank = d["principals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "frank@corp.com")
        .expect("frank");
    assert_eq!(frank["status"], "removed");
    assert!(
        findings(&d, "frank@corp.com")
            .iter()
            .any(|f| f["code"] == "lost" && f["after"]["status"] == "absent")
    );
    // mallory is on the platform with no AWS counterpart: all she holds is wider
    let mallory = findings(&d, "mallory@corp.com");
    assert!(
        mallory
            .iter()
            .all(|f| f["code"] == "port-widened" && f["before"]["status"] == "absent")
    );
    // skipped identities are not reported
    assert!(findings(&d, "dave").is_empty() && findings(&d, "ci-deploy").is_empty());
}

// issue 10 item 5: every report format carries the new codes
#[test]
fn port_findings_in_every_format() {
    let (after, map) = (
        "fixtures/ports/aws-to-platform/platform.yaml",
        "fixtures/ports/aws-to-platform/port.yaml",
    );
    for format in ["table", "md", "html", "sarif", "junit"] {
        let (code, out) = port(after, map, format);
        assert_eq!(code, Some(1), "{format}");
        assert!(
            out.contains("port-widened") || out.contains("WidenedByPort"),
            "{format}"
        );
        assert!(
            out.contains("unmapped") || out.contains("UnmappedInPort"),
            "{format}"
        );
    }
}

// issue 10 item 5: `--map` rename files keep working beside port maps
#[test]
fn rename_maps_still_work() {
    let out = iamdiff()
        .args([
            "diff",
            "-q",
            "--before",
            COMPANY,
            "--after",
            "fixtures/aws/migration/after.json",
            "--map",
            "fixtures/aws/migration/map.yaml",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(d["principals"].as_array().unwrap().iter().all(|p| {
        p["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["code"] != "unmapped")
    }));
}

// issue 10 item 5: malformed port and platform files exit 2 naming the file and the place
#[test]
fn malformed_port_and_platform_files_exit_2() {
    let platform = "fixtures/ports/aws-to-platform/platform.yaml";
    for (map, after, place) in [
        (
            "port-unknown-role.yaml",
            platform,
            "(at /port/permissions/0/to/0)",
        ),
        ("port-bad-yaml.yaml", platform, "port-bad-yaml.yaml:6:1"),
        ("port-two-matches.yaml", platform, "(at /port/resources/0)"),
    ] {
        let map = rel(&fixture(&format!("malformed/{map}")));
        let out = iamdiff()
            .args([
                "diff", "-q", "--before", COMPANY, "--after", after, "--map", &map,
            ])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(place), "{err}");
    }
    for (file, place) in [
        (
            "platform-unknown-member.yaml",
            ":8:15 (at /projects/0/members/0)",
        ),
        ("platform-bad-role.yaml", ":5:11 (at /members/0/role)"),
    ] {
        let after = rel(&fixture(&format!("malformed/{file}")));
        let out = iamdiff()
            .args([
                "diff",
                "-q",
                "--before",
                COMPANY,
                "--after",
                &after,
                "--map",
                "fixtures/ports/aws-to-platform/port.yaml",
            ])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(&format!("{after}{place}")), "{err}");
    }
    // a GCP port naming a permission the catalog does not know
    let bad = std::env::temp_dir().join("iamdiff-port-bad-permission.yaml");
    std::fs::write(
        &bad,
        "port:\n  to: gcp\n  permissions:\n    - from: s3:GetObject\n      to: storage.objects.gett\n",
    )
    .unwrap();
    let out = iamdiff()
        .args([
            "diff",
            "-q",
            "--before",
            COMPANY,
            "--after",
            "fixtures/ports/aws-to-gcp/target",
            "--map",
            bad.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("(at /port/permissions/0/to/0)"), "{err}");
}

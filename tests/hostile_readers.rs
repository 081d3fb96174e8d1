//! Input readers under hostile and real-world input (issue 7): deep YAML nesting, alias
//! bombs, several documents, UTF-16 and byte-order marks, CRLF, files of unknown format,
//! directory sides holding other options' files, and AWS CLI output written as YAML.
//! Inputs are generated; each bad one must exit 2 naming the file and its line:column.

use std::path::{Path, PathBuf};

use crate::util::{fixture, iamdiff};

const EXPORT: &str = r#"{"UserDetailList": [{"UserName": "alice", "Arn": "arn:aws:iam::111122223333:user/alice",
  "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}]}]}"#;

/// A fresh directory for one test's generated files.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("iamdiff-hostile-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

/// Runs iamdiff; returns (exit code, stdout, stderr).
fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = iamdiff().args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Asserts exit 2 with an error at `file:line:column` whose message holds `fragment`.
fn assert_placed(args: &[&str], file: &str, at: &str, fragment: &str) {
    let (code, _, err) = run(args);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(&format!("{file}:{at}")),
        "not placed at {at}: {err}"
    );
    assert!(err.contains(fragment), "no `{fragment}`: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

fn good_export() -> String {
    fixture("aws/company/account.json").display().to_string()
}

// issue 7: YAML nested 49,000 flow levels deep took seconds (quadratic in the parser)
// before the depth limit applied; every YAML input is now pre-scanned in linear time.
#[test]
fn deep_yaml_nesting_is_rejected_at_its_place_in_every_yaml_input() {
    let dir = scratch("deep");
    let deep = format!("a: {}\n", "[".repeat(49_000));
    let scp = write(&dir, "scp.yaml", deep.as_bytes());
    assert_placed(
        &["effective", &good_export(), "--scp", &scp],
        &scp,
        "1:131",
        "nest more than 128 levels",
    );
    let ctx = write(&dir, "ctx.yaml", deep.as_bytes());
    assert_placed(
        &["effective", &good_export(), "--context-file", &ctx],
        &ctx,
        "1:131",
        "nest more than 128 levels",
    );
    let map = write(
        &dir,
        "map.yaml",
        format!("renames:\n  roles: {}\n", "[".repeat(49_000)).as_bytes(),
    );
    let waivers = write(
        &dir,
        "w.yaml",
        format!("waivers: {}\n", "{a: ".repeat(30_000)).as_bytes(),
    );
    let before = good_export();
    for (flag, file, at) in [("--map", &map, "2:136"), ("--waivers", &waivers, "1:518")] {
        assert_placed(
            &["diff", "--before", &before, "--after", &before, flag, file],
            file,
            at,
            "nest more than 128 levels",
        );
    }
    // block nesting too, and JSON read as a side
    let block = write(
        &dir,
        "t.yaml",
        format!("Resources:\n{}x\n", "- ".repeat(20_000)).as_bytes(),
    );
    assert_placed(
        &["effective", &block],
        &block,
        "2:",
        "nest more than 128 levels",
    );
    let json = write(
        &dir,
        "deep.json",
        format!("{{\"Users\": {}", "[".repeat(200_000)).as_bytes(),
    );
    assert_placed(
        &["effective", &json],
        &json,
        "1:",
        "nest more than 128 levels",
    );
}

// issue 7: alias bombs, several documents and UTF-16 errors exited 2 without a place
#[test]
fn yaml_alias_bombs_and_second_documents_are_placed() {
    let dir = scratch("yaml-errors");
    let mut bomb = String::from("Version: '2012-10-17'\na: &a [x, x, x, x, x, x, x, x, x]\n");
    let mut prev = 'a';
    for n in 'b'..='i' {
        bomb.push_str(&format!(
            "{n}: &{n} [{}]\n",
            vec![format!("*{prev}"); 9].join(", ")
        ));
        prev = n;
    }
    let scp = write(&dir, "bomb.yaml", bomb.as_bytes());
    assert_placed(
        &["effective", &good_export(), "--scp", &scp],
        &scp,
        "3:8",
        "alias bomb",
    );
    let two = write(&dir, "two.yaml", b"admins: [alice]\n---\nadmins: [bob]\n");
    assert_placed(
        &["effective", &good_export(), "--scp", &two],
        &two,
        "2:1",
        "second document",
    );
    let ctx = write(
        &dir,
        "two-ctx.yaml",
        b"---\naws:SourceIp: 10.0.0.1\n--- \naws:SourceIp: 10.0.0.2\n",
    );
    assert_placed(
        &["effective", &good_export(), "--context-file", &ctx],
        &ctx,
        "3:1",
        "expected one YAML document",
    );
}

fn utf16le(text: &str, bom: bool) -> Vec<u8> {
    let mut out = if bom { vec![0xFF, 0xFE] } else { Vec::new() };
    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    out
}

#[test]
fn invalid_utf16_is_placed_with_its_byte_offset() {
    let dir = scratch("utf16-bad");
    let mut odd = utf16le(EXPORT, true);
    odd.push(b'x');
    let f = write(&dir, "odd.json", &odd);
    assert_placed(&["effective", &f], &f, "3:86", "half a character");
    let mut lone = utf16le("{\n  \"a\": \"", true);
    lone.extend([0x00, 0xDC]);
    let f = write(&dir, "lone.json", &lone);
    assert_placed(
        &["effective", &f],
        &f,
        "2:9",
        "unpaired surrogate `0xdc00` at byte 22",
    );
}

// issue 7: a UTF-8 BOM before a valid file was rejected (read_source kept the original
// bytes); UTF-16 with and without a BOM, and CRLF line ends, are read everywhere
#[test]
fn byte_order_marks_utf16_and_crlf_are_read_everywhere() {
    let dir = scratch("encodings");
    let (code, plain, err) = run(&["effective", &write(&dir, "plain.json", EXPORT.as_bytes())]);
    assert_eq!(code, Some(0), "{err}");
    let crlf = EXPORT.replace('\n', "\r\n");
    let variants: Vec<(&str, Vec<u8>)> = vec![
        (
            "bom.json",
            [b"\xEF\xBB\xBF".as_slice(), crlf.as_bytes()].concat(),
        ),
        ("le-bom.json", utf16le(&crlf, true)),
        ("le.json", utf16le(EXPORT, false)),
        (
            "be-bom.json",
            [0xFE, 0xFF]
                .into_iter()
                .chain(crlf.encode_utf16().flat_map(u16::to_be_bytes))
                .collect(),
        ),
        (
            "be.json",
            EXPORT.encode_utf16().flat_map(u16::to_be_bytes).collect(),
        ),
    ];
    for (name, bytes) in variants {
        let f = write(&dir, name, &bytes);
        let (code, out, err) = run(&["effective", &f]);
        assert_eq!(code, Some(0), "{name}: {err}");
        assert_eq!(
            out.replace(&f, "F"),
            plain.replace(&dir.join("plain.json").display().to_string(), "F"),
            "{name}"
        );
    }
    // a BOM'd CRLF template, context, SCP and memberships; positions stay right
    let template = "AWSTemplateFormatVersion: '2010-09-09'\r\nResources:\r\n  R:\r\n    Type: AWS::IAM::User\r\n    Properties:\r\n      UserName: bob\r\n      Policies:\r\n        - PolicyName: p\r\n          PolicyDocument:\r\n            Statement:\r\n              - Effect: Permit\r\n";
    let t = write(
        &dir,
        "t.yaml",
        &[b"\xEF\xBB\xBF".as_slice(), template.as_bytes()].concat(),
    );
    assert_placed(&["effective", &t], &t, "11:25", "`Permit`");
    let good = template.replace(
        "Permit",
        "Allow\r\n                Action: s3:*\r\n                Resource: '*'",
    );
    let t = write(&dir, "t2.yaml", &utf16le(&good, true));
    let ctx = write(
        &dir,
        "c.json",
        &utf16le("{\r\n\"aws:SourceIp\": \"10.0.0.1\"\r\n}", true),
    );
    let scp = write(
        &dir,
        "s.yaml",
        &[
            b"\xEF\xBB\xBF".as_slice(),
            b"Statement:\r\n  - Effect: Allow\r\n    Action: '*'\r\n    Resource: '*'\r\n",
        ]
        .concat(),
    );
    let members = write(
        &dir,
        "m.txt",
        &[b"\xEF\xBB\xBF".as_slice(), b"admins: bob\r\n"].concat(),
    );
    let groups = write(
        &dir,
        "g.json",
        br#"{"GroupDetailList": [{"GroupName": "admins", "Arn": "arn:aws:iam::111122223333:group/admins"}]}"#,
    );
    let (code, out, err) = run(&[
        "effective",
        &t,
        &groups,
        &members,
        "--scp",
        &scp,
        "--context-file",
        &ctx,
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("bob"), "{out}");
}

// issue 7: a file of unknown format exited 2 without a place
#[test]
fn an_unknown_format_names_keys_closest_format_and_place() {
    let dir = scratch("unknown");
    let f = write(
        &dir,
        "x.json",
        b"{\n  \"Marker\": \"m\",\n  \"Userz\": []\n}\n",
    );
    assert_placed(
        &["effective", &f],
        &f,
        "3:3",
        "looks like per-call AWS CLI output",
    );
    let (_, _, err) = run(&["effective", &f]);
    assert!(
        err.contains("`Userz` here is not `Users`; saw top-level keys `Marker`, `Userz`"),
        "{err}"
    );
    let f = write(&dir, "y.yaml", b"# notes\nzzz: {a: 1}\n");
    assert_placed(&["effective", &f], &f, "2:1", "`zzz`");
    let f = write(&dir, "z.json", b"  \"just a string\"");
    assert_placed(&["effective", &f], &f, "1:3", "cannot tell the format");
    let f = write(&dir, "e.json", b"");
    assert_placed(&["effective", &f], &f, "1:1", "the file is empty");
}

// issue 7: a directory side read every file in it, a `--map` file and SCPs included
#[test]
fn a_directory_side_reads_only_iam_inputs_and_names_the_flag_for_the_rest() {
    let dir = scratch("dir-side");
    write(&dir, "account.json", EXPORT.as_bytes());
    write(
        &dir,
        "map.yaml",
        b"renames:\n  users:\n    - from: a\n      to: b\n",
    );
    write(&dir, "scp.json", br#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}"#);
    write(&dir, "waivers.yaml", b"waivers: []\n");
    write(&dir, "context.yaml", b"aws:SourceIp: 10.0.0.1\n");
    write(
        &dir,
        "levels.yaml",
        b"format: iamdiff-levels/1\nservices: {}\n",
    );
    write(
        &dir,
        "params.json",
        br#"[{"ParameterKey": "A", "ParameterValue": "b"}]"#,
    );
    let side = dir.display().to_string();
    let (code, out, err) = run(&["effective", &side, "--format", "json"]);
    assert_eq!(code, Some(0), "{err}");
    for (file, flag) in [
        ("context.yaml", "--context-file"),
        ("levels.yaml", "--levels"),
        ("map.yaml", "--map"),
        ("params.json", "--cfn-params"),
        ("scp.json", "--scp"),
        ("waivers.yaml", "--waivers"),
    ] {
        let line = err
            .lines()
            .find(|l| l.contains(file))
            .unwrap_or_else(|| panic!("{file} not named: {err}"));
        assert!(
            line.contains("skipped") && line.contains(&format!("`{flag}`")),
            "{line}"
        );
    }
    // the SCP was not read as a policy of the side: alice keeps s3:GetObject
    assert!(out.contains("\"alice\""), "{out}");
    assert!(!out.contains("\"kind\":\"scp\""), "{out}");
    // given on its own as a side, an SCP is an error naming the flag
    let scp = dir.join("scp.json").display().to_string();
    assert_placed(&["effective", &scp], &scp, "1:1", "pass it with `--scp`");
}

// issue 7: `aws iam ... --output yaml` was read as a memberships file
#[test]
fn aws_cli_yaml_output_is_read_as_the_json_it_mirrors() {
    let dir = scratch("cli-yaml");
    let yaml = "UserDetailList:\n- UserName: alice\n  Arn: arn:aws:iam::111122223333:user/alice\n  UserPolicyList:\n  - PolicyName: p\n    PolicyDocument:\n      Version: '2012-10-17'\n      Statement:\n      - Effect: Allow\n        Action: s3:GetObject\n        Resource: '*'\nGroupDetailList: []\nRoleDetailList: []\nPolicies: []\n";
    let json = write(&dir, "a.json", EXPORT.as_bytes());
    let y = write(&dir, "a.yaml", yaml.as_bytes());
    let (code, from_json, err) = run(&["effective", &json, "--format", "json"]);
    assert_eq!(code, Some(0), "{err}");
    let (code, from_yaml, err) = run(&["effective", &y, "--format", "json"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(from_yaml.replace(&y, "F"), from_json.replace(&json, "F"));
    // list-roles output, documents as strings; an error is placed at its YAML line
    let roles = "Roles:\n- RoleName: r\n  Arn: arn:aws:iam::111122223333:role/r\n  Path: /\n  AssumeRolePolicyDocument:\n    Version: '2012-10-17'\n    Statement:\n    - Effect: Permit\n      Principal: {Service: ec2.amazonaws.com}\n      Action: sts:AssumeRole\n";
    let r = write(&dir, "roles.yaml", roles.as_bytes());
    assert_placed(&["effective", &r], &r, "8:15", "`Permit`");
}

// issue 7: warnings on stderr came out in a different order from run to run
#[test]
fn ingest_warnings_come_in_the_same_order_every_run() {
    let dir = scratch("order");
    for i in 0..5 {
        write(
            &dir,
            &format!("m{i}.yaml"),
            format!("renames:\n  users: []\n# {i}\n").as_bytes(),
        );
    }
    write(&dir, "account.json", EXPORT.as_bytes());
    let side = dir.display().to_string();
    let company = good_export();
    let first = run(&["effective", &side, &company]).2;
    for _ in 0..3 {
        assert_eq!(run(&["effective", &side, &company]).2, first);
    }
}

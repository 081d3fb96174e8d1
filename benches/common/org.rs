//! Seeded generator of whole AWS organizations for iamdiff's benchmarks (issue 8): an OU
//! tree of depth 3 with accounts spread over it, each account's
//! `get-account-authorization-details` export (Identity Center roles in every account, and
//! application roles), `aws organizations` outputs (SCPs and RCPs attached at several
//! levels), resource policies (buckets, secrets, queues, KMS keys), and an "after" copy with
//! controlled mutations — role renames that leave dangling references, OU moves into a
//! restricted OU, resource-policy edits — together with every request each one breaks.
//!
//! Like `gen.rs` it depends on nothing of the iamdiff library: its knowledge of what breaks
//! is an independent oracle. Same seed, same bytes.

use serde_json::{Value, json};
use std::io;
use std::path::Path;

/// How big an organization is.
#[derive(Debug, Clone, Copy)]
pub struct OrgScale {
    pub accounts: usize,
    pub min_roles: usize,
    pub max_roles: usize,
    pub mutations: usize,
}

impl OrgScale {
    /// The figure: 300 accounts of 20–200 roles, 1,500 resource policies, 300
    /// mutations.
    pub const FULL: OrgScale = OrgScale {
        accounts: 300,
        min_roles: 20,
        max_roles: 200,
        mutations: 290,
    };
    /// CI size.
    pub const SMALL: OrgScale = OrgScale {
        accounts: 10,
        min_roles: 20,
        max_roles: 30,
        mutations: 9,
    };

    pub fn parse(s: &str) -> Option<OrgScale> {
        match s {
            "full" | "large" => Some(Self::FULL),
            "small" => Some(Self::SMALL),
            _ => None,
        }
    }
}

/// One request a mutation certainly breaks: allowed (or allowed under conditions) before,
/// not after.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct OrgBreak {
    pub mutation: String,
    pub account: String,
    /// The role's name after the migration.
    pub role: String,
    pub action: String,
    pub resource: String,
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }
}

const ORG: &str = "o-bench00001";
const ROOT: &str = "r-bn01";
const IC_ADMIN: &str = "AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6a7b";
const IC_READ: &str = "AWSReservedSSO_ReadOnlyAccess_1b2c3d4e5f6a7b8c";
/// Application roles whose policy shapes repeat inside an account.
const SHAPES: usize = 8;

#[derive(Clone)]
struct Role {
    name: String,
    id: String,
    shape: usize,
}

#[derive(Clone)]
struct Account {
    id: String,
    parent: String,
    roles: Vec<Role>,
}

#[derive(Clone)]
struct Ou {
    id: String,
    name: String,
    parent: String,
}

/// A resource statement granting one role.
#[derive(Clone)]
struct Grant {
    sid: String,
    /// The principal as the policy names it (ARN, or a deleted role's unique id).
    principal: String,
    actions: Vec<&'static str>,
    resource: String,
}

#[derive(Clone)]
struct Res {
    kind: &'static str,
    account: String,
    name: String,
    arn: String,
    grants: Vec<Grant>,
}

#[derive(Clone)]
struct Org {
    ous: Vec<Ou>,
    accounts: Vec<Account>,
    resources: Vec<Res>,
    /// OU ids of the restricted subtree (DenyDynamoDB on its top).
    restricted: Vec<String>,
    /// The OU with the RCP enforcing secure transport on its accounts' resources.
    workloads: String,
}

fn account_id(i: usize) -> String {
    format!("{:012}", 100_000_000_000u64 + (i as u64) * 7_919)
}

fn role_arn(account: &str, role: &Role) -> String {
    let path = if role.name.starts_with("AWSReservedSSO_") {
        "/aws-reserved/sso.amazonaws.com/"
    } else {
        "/"
    };
    format!("arn:aws:iam::{account}:role{path}{}", role.name)
}

fn bucket(account: &str, n: usize) -> String {
    format!("b-{account}-{n}")
}

fn build(scale: OrgScale, seed: u64) -> Org {
    let mut rng = Rng(seed);
    let mut ous = Vec::new();
    let mut n = 0usize;
    let mut new_ou = |name: String, parent: &str, ous: &mut Vec<Ou>| {
        n += 1;
        let id = format!("ou-bn01-{n:08x}");
        ous.push(Ou {
            id: id.clone(),
            name,
            parent: parent.to_owned(),
        });
        id
    };
    let mut restricted = Vec::new();
    let mut workloads = String::new();
    let mut placeable = Vec::new();
    for top in ["Workloads", "Sandbox", "Shared", "Restricted"] {
        let t = new_ou(top.to_owned(), ROOT, &mut ous);
        let mut subtree = vec![t.clone()];
        for a in 0..3 {
            let m = new_ou(format!("{top}-{a}"), &t, &mut ous);
            subtree.push(m.clone());
            for b in 0..2 {
                let l = new_ou(format!("{top}-{a}-{b}"), &m, &mut ous);
                subtree.push(l);
            }
        }
        match top {
            "Restricted" => restricted = subtree,
            "Workloads" => {
                workloads = t;
                placeable.extend(subtree);
            }
            _ => placeable.extend(subtree),
        }
    }
    let mut accounts = Vec::new();
    for i in 0..scale.accounts {
        let id = account_id(i);
        let parent = if i == 0 {
            ROOT.to_owned()
        } else {
            placeable[(i * 7) % placeable.len()].clone()
        };
        let count = rng.range(scale.min_roles, scale.max_roles);
        let mut roles = vec![
            Role {
                name: IC_ADMIN.to_owned(),
                id: format!("AROAICADMIN{i:010}"),
                shape: 0,
            },
            Role {
                name: IC_READ.to_owned(),
                id: format!("AROAICREAD0{i:010}"),
                shape: 0,
            },
        ];
        for k in 0..count.saturating_sub(2) {
            roles.push(Role {
                name: format!("app-{k}"),
                id: format!("AROAAPP{i:05}{k:06}"),
                shape: k % SHAPES,
            });
        }
        accounts.push(Account { id, parent, roles });
    }
    let mut resources = Vec::new();
    let n = accounts.len();
    for (i, a) in accounts.iter().enumerate() {
        let acct = &a.id;
        let arn_of = |k: usize| role_arn(acct, &a.roles[2 + k]);
        // bucket 0 grants app-0 of the next account (cross account: its identity allows too)
        let next = &accounts[(i + 1) % n];
        let b0 = bucket(acct, 0);
        resources.push(Res {
            kind: "bucket",
            account: acct.clone(),
            name: b0.clone(),
            arn: format!("arn:aws:s3:::{b0}"),
            grants: vec![Grant {
                sid: "PartnerRead".into(),
                principal: role_arn(&next.id, &next.roles[2]),
                actions: vec!["s3:GetObject"],
                resource: format!("arn:aws:s3:::{b0}/*"),
            }],
        });
        let b1 = bucket(acct, 1);
        resources.push(Res {
            kind: "bucket",
            account: acct.clone(),
            name: b1.clone(),
            arn: format!("arn:aws:s3:::{b1}"),
            grants: vec![Grant {
                sid: "AppWrite".into(),
                principal: arn_of(1),
                actions: vec!["s3:PutObject"],
                resource: format!("arn:aws:s3:::{b1}/*"),
            }],
        });
        let secret = format!("db-{i}");
        let secret_arn = format!("arn:aws:secretsmanager:us-east-1:{acct}:secret:{secret}-AbCdEf");
        resources.push(Res {
            kind: "secret",
            account: acct.clone(),
            name: secret,
            arn: secret_arn,
            grants: vec![Grant {
                sid: "AppRead".into(),
                principal: arn_of(2),
                actions: vec!["secretsmanager:GetSecretValue"],
                resource: "*".into(),
            }],
        });
        let queue_arn = format!("arn:aws:sqs:us-east-1:{acct}:jobs-{i}");
        resources.push(Res {
            kind: "queue",
            account: acct.clone(),
            name: format!("jobs-{i}"),
            arn: queue_arn.clone(),
            grants: vec![Grant {
                sid: "AppConsume".into(),
                principal: arn_of(3),
                actions: vec!["sqs:ReceiveMessage", "sqs:DeleteMessage"],
                resource: queue_arn,
            }],
        });
        let key_arn = format!(
            "arn:aws:kms:us-east-1:{acct}:key/{:08x}-12ab-34cd-56ef-{:012x}",
            i, i
        );
        resources.push(Res {
            kind: "key",
            account: acct.clone(),
            name: format!("key-{i}"),
            arn: key_arn,
            grants: vec![Grant {
                sid: "Enable IAM User Permissions".into(),
                principal: format!("arn:aws:iam::{acct}:root"),
                actions: vec!["kms:*"],
                resource: "*".into(),
            }],
        });
    }
    Org {
        ous,
        accounts,
        resources,
        restricted,
        workloads,
    }
}

fn doc(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// The inline policy of an application role: its own table, bucket and queue, and what
/// resource policies also need from its identity (the partner bucket for app-0).
fn app_policy(org: &Org, i: usize, role: &Role) -> Value {
    let acct = &org.accounts[i].id;
    let n = org.accounts.len();
    let mut st = vec![
        json!({"Sid": "Table", "Effect": "Allow",
               "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
               "Resource": format!("arn:aws:dynamodb:us-east-1:{acct}:table/t{}", role.shape)}),
        json!({"Sid": "Bucket", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
               "Resource": [format!("arn:aws:s3:::{}", bucket(acct, 1)),
                            format!("arn:aws:s3:::{}/*", bucket(acct, 1))]}),
        json!({"Sid": "Logs", "Effect": "Allow",
               "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
               "Resource": format!("arn:aws:logs:us-east-1:{acct}:log-group:/app/{}:*", role.shape)}),
    ];
    if role.name == "app-0" {
        let prev = &org.accounts[(i + n - 1) % n].id;
        st.push(
            json!({"Sid": "PartnerBucket", "Effect": "Allow", "Action": "s3:GetObject",
                       "Resource": format!("arn:aws:s3:::{}/*", bucket(prev, 0))}),
        );
    }
    doc(st)
}

fn account_export(org: &Org, i: usize) -> Value {
    let a = &org.accounts[i];
    let trust_sso = doc(vec![json!({
        "Effect": "Allow",
        "Principal": {"Federated": format!("arn:aws:iam::{}:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE", a.id)},
        "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
        "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}
    })]);
    let trust_app = doc(vec![json!({
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"
    })]);
    let roles: Vec<Value> = a
        .roles
        .iter()
        .map(|r| {
            let sso = r.name.starts_with("AWSReservedSSO_");
            let (inline, attached) = if r.name == IC_ADMIN {
                (
                    vec![],
                    vec![json!({"PolicyName": "AdministratorAccess",
                                "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"})],
                )
            } else if r.name == IC_READ {
                (
                    vec![json!({"PolicyName": "AwsSSOInlinePolicy", "PolicyDocument": doc(vec![json!({
                        "Effect": "Allow",
                        "Action": ["s3:Get*", "s3:List*", "dynamodb:GetItem", "dynamodb:Describe*",
                                   "sqs:Get*", "logs:Get*", "cloudwatch:Get*"],
                        "Resource": "*"})])})],
                    vec![],
                )
            } else {
                (
                    vec![json!({"PolicyName": "app-access", "PolicyDocument": app_policy(org, i, r)})],
                    vec![],
                )
            };
            json!({
                "Path": if sso { "/aws-reserved/sso.amazonaws.com/" } else { "/" },
                "RoleName": r.name,
                "RoleId": r.id,
                "Arn": role_arn(&a.id, r),
                "CreateDate": "2024-01-02T03:04:05Z",
                "AssumeRolePolicyDocument": if sso { trust_sso.clone() } else { trust_app.clone() },
                "InstanceProfileList": [],
                "RolePolicyList": inline,
                "AttachedManagedPolicies": attached,
                "Tags": [],
                "RoleLastUsed": {}
            })
        })
        .collect();
    json!({
        "UserDetailList": [],
        "GroupDetailList": [],
        "RoleDetailList": roles,
        "Policies": [{
            "PolicyName": "AdministratorAccess",
            "PolicyId": "ANPAIWMBCKSKIEE64ZLYK",
            "Arn": "arn:aws:iam::aws:policy/AdministratorAccess",
            "Path": "/",
            "DefaultVersionId": "v1",
            "AttachmentCount": 1,
            "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": true,
            "CreateDate": "2015-02-06T18:39:46Z",
            "UpdateDate": "2015-02-06T18:39:46Z",
            "PolicyVersionList": [{
                "Document": doc(vec![json!({"Effect": "Allow", "Action": "*", "Resource": "*"})]),
                "VersionId": "v1",
                "IsDefaultVersion": true,
                "CreateDate": "2015-02-06T18:39:46Z"
            }]
        }]
    })
}

fn resource_doc(r: &Res) -> Value {
    doc(r
        .grants
        .iter()
        .map(|g| {
            json!({"Sid": g.sid, "Effect": "Allow", "Principal": {"AWS": g.principal},
                   "Action": g.actions, "Resource": g.resource})
        })
        .collect())
}

fn write_json(path: &Path, v: &Value) -> io::Result<()> {
    let mut text = serde_json::to_vec_pretty(v).map_err(io::Error::other)?;
    text.push(b'\n');
    std::fs::write(path, text)
}

struct OrgPolicy {
    id: &'static str,
    name: &'static str,
    kind: &'static str,
    content: Option<Value>,
    targets: Vec<String>,
}

fn org_policies(org: &Org) -> Vec<OrgPolicy> {
    let everything: Vec<String> = std::iter::once(ROOT.to_owned())
        .chain(org.ous.iter().map(|o| o.id.clone()))
        .chain(org.accounts.iter().map(|a| a.id.clone()))
        .collect();
    let sandbox = org
        .ous
        .iter()
        .find(|o| o.name == "Sandbox")
        .map(|o| o.id.clone())
        .unwrap_or_default();
    let shared0 = org
        .ous
        .iter()
        .find(|o| o.name == "Shared-0")
        .map(|o| o.id.clone())
        .unwrap_or_default();
    vec![
        OrgPolicy {
            id: "p-FullAWSAccess",
            name: "FullAWSAccess",
            kind: "SERVICE_CONTROL_POLICY",
            content: None,
            targets: everything.clone(),
        },
        OrgPolicy {
            id: "p-denyleave1",
            name: "DenyLeaveOrg",
            kind: "SERVICE_CONTROL_POLICY",
            content: Some(doc(vec![json!({"Sid": "DenyLeave", "Effect": "Deny",
                "Action": "organizations:LeaveOrganization", "Resource": "*"})])),
            targets: vec![ROOT.to_owned()],
        },
        OrgPolicy {
            id: "p-denyddb001",
            name: "DenyDynamoDB",
            kind: "SERVICE_CONTROL_POLICY",
            content: Some(doc(vec![json!({"Sid": "DenyDynamoDB", "Effect": "Deny",
                "Action": "dynamodb:*", "Resource": "*"})])),
            targets: vec![org.restricted[0].clone()],
        },
        OrgPolicy {
            id: "p-denyml0001",
            name: "DenyML",
            kind: "SERVICE_CONTROL_POLICY",
            content: Some(doc(vec![json!({"Sid": "DenyML", "Effect": "Deny",
                "Action": ["sagemaker:*", "bedrock:*"], "Resource": "*"})])),
            targets: vec![sandbox],
        },
        OrgPolicy {
            id: "p-regions001",
            name: "RegionLock",
            kind: "SERVICE_CONTROL_POLICY",
            content: Some(doc(vec![json!({"Sid": "RegionLock", "Effect": "Deny",
                "NotAction": ["iam:*", "organizations:*", "sts:*", "support:*"], "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}})])),
            targets: vec![shared0],
        },
        OrgPolicy {
            id: "p-RCPFullAWSAccess",
            name: "RCPFullAWSAccess",
            kind: "RESOURCE_CONTROL_POLICY",
            content: None,
            targets: everything,
        },
        OrgPolicy {
            id: "p-rcpsecure1",
            name: "EnforceSecureTransport",
            kind: "RESOURCE_CONTROL_POLICY",
            content: Some(doc(vec![
                json!({"Sid": "EnforceSecureTransport", "Effect": "Deny",
                "Principal": "*", "Action": "s3:*", "Resource": "*",
                "Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}}}),
            ])),
            targets: vec![org.workloads.clone()],
        },
        OrgPolicy {
            id: "p-rcpkeys01",
            name: "ProtectKeys",
            kind: "RESOURCE_CONTROL_POLICY",
            content: Some(doc(vec![json!({"Sid": "NoKeyDeletion", "Effect": "Deny",
                "Principal": "*", "Action": ["kms:ScheduleKeyDeletion", "kms:DisableKey"],
                "Resource": "*"})])),
            targets: vec![ROOT.to_owned()],
        },
    ]
}

fn write_side(org: &Org, dir: &Path) -> io::Result<()> {
    let (acc, orgd, res) = (
        dir.join("accounts"),
        dir.join("organization"),
        dir.join("resources"),
    );
    for d in [&acc, &orgd, &res] {
        std::fs::create_dir_all(d)?;
    }
    for (i, a) in org.accounts.iter().enumerate() {
        write_json(&acc.join(format!("{}.json", a.id)), &account_export(org, i))?;
    }
    let mgmt = &org.accounts[0].id;
    let o = |f: &str| orgd.join(format!("organizations.{f}.json"));
    write_json(
        &o("describe-organization"),
        &json!({"Organization": {"Id": ORG, "FeatureSet": "ALL",
            "MasterAccountArn": format!("arn:aws:organizations::{mgmt}:account/{ORG}/{mgmt}"),
            "MasterAccountId": mgmt}}),
    )?;
    write_json(
        &o("list-roots"),
        &json!({"Roots": [{"Id": ROOT, "Name": "Root", "PolicyTypes": [
            {"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"},
            {"Type": "RESOURCE_CONTROL_POLICY", "Status": "ENABLED"}]}]}),
    )?;
    let parents: Vec<String> = std::iter::once(ROOT.to_owned())
        .chain(org.ous.iter().map(|o| o.id.clone()))
        .collect();
    for p in &parents {
        let ous: Vec<Value> = org
            .ous
            .iter()
            .filter(|o| &o.parent == p)
            .map(|o| json!({"Id": o.id, "Name": o.name}))
            .collect();
        write_json(
            &o(&format!("list-organizational-units-for-parent.{p}")),
            &json!({ "OrganizationalUnits": ous }),
        )?;
        let accts: Vec<Value> = org
            .accounts
            .iter()
            .enumerate()
            .filter(|(_, a)| &a.parent == p)
            .map(|(i, a)| json!({"Id": a.id, "Name": format!("account-{i}"), "Status": "ACTIVE"}))
            .collect();
        write_json(
            &o(&format!("list-accounts-for-parent.{p}")),
            &json!({ "Accounts": accts }),
        )?;
    }
    let policies = org_policies(org);
    for kind in ["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"] {
        let list: Vec<Value> = policies
            .iter()
            .filter(|p| p.kind == kind)
            .map(|p| {
                json!({"Id": p.id, "Name": p.name, "Type": p.kind,
                       "AwsManaged": p.content.is_none()})
            })
            .collect();
        write_json(
            &o(&format!("list-policies.{kind}")),
            &json!({ "Policies": list }),
        )?;
    }
    for p in &policies {
        let targets: Vec<Value> = p
            .targets
            .iter()
            .map(|t| {
                let ty = if t.starts_with("r-") {
                    "ROOT"
                } else if t.starts_with("ou-") {
                    "ORGANIZATIONAL_UNIT"
                } else {
                    "ACCOUNT"
                };
                json!({"TargetId": t, "Type": ty})
            })
            .collect();
        write_json(
            &o(&format!("list-targets-for-policy.{}", p.id)),
            &json!({ "Targets": targets }),
        )?;
        if let Some(c) = &p.content {
            write_json(
                &o(&format!("describe-policy.{}", p.id)),
                &json!({"Policy": {"PolicySummary": {"Id": p.id, "Name": p.name, "Type": p.kind,
                    "AwsManaged": false}, "Content": c.to_string()}}),
            )?;
        }
    }
    // buckets and secrets as the CLI writes them; queues and keys in a per-account map
    let mut maps: std::collections::BTreeMap<&str, serde_json::Map<String, Value>> =
        std::collections::BTreeMap::new();
    for r in &org.resources {
        match r.kind {
            "bucket" => write_json(
                &res.join(format!(
                    "{}.s3api.get-bucket-policy.{}.json",
                    r.account, r.name
                )),
                &json!({"Policy": resource_doc(r).to_string()}),
            )?,
            "secret" => write_json(
                &res.join(format!(
                    "secretsmanager.get-resource-policy.{}.json",
                    r.name
                )),
                &json!({"ARN": r.arn, "Name": r.name, "ResourcePolicy": resource_doc(r).to_string()}),
            )?,
            _ => {
                maps.entry(&r.account)
                    .or_default()
                    .insert(r.arn.clone(), resource_doc(r));
            }
        }
    }
    for (acct, m) in maps {
        write_json(
            &res.join(format!("{acct}.resource-policies.json")),
            &Value::Object(m),
        )?;
    }
    Ok(())
}

/// Applies the mutations to a copy of `org`: each on its own account (never the management
/// account), cycling through renames, OU moves and resource-policy edits. Returns the
/// after side, the renames (`ACCOUNT:role/old`, `ACCOUNT:role/new`) and the breaks.
fn mutate(org: &Org, count: usize) -> (Org, Vec<(String, String)>, Vec<OrgBreak>) {
    let mut after = org.clone();
    let mut renames = Vec::new();
    let mut breaks = Vec::new();
    let n = org.accounts.len();
    let count = count.min(n.saturating_sub(1));
    for m in 0..count {
        let i = 1 + m;
        let acct = org.accounts[i].id.clone();
        let label = |kind: &str, target: &str| format!("m{m:04} {kind} {target}");
        let in_restricted = org.restricted.contains(&org.accounts[i].parent);
        match m % 5 {
            // rename app-0 (named by the previous account's bucket) or app-1 (own bucket):
            // the bucket policy keeps naming the old role, as its unique id
            0 | 1 => {
                let k = m % 5;
                let old = after.accounts[i].roles[2 + k].clone();
                let new_name = format!("{}-v2", old.name);
                let mutation = label("rename-role", &format!("{acct}:role/{}", old.name));
                {
                    let r = &mut after.accounts[i].roles[2 + k];
                    r.name = new_name.clone();
                    r.id = format!("AROANEW{i:05}{k:06}");
                }
                let old_arn = role_arn(&acct, &old);
                for r in &mut after.resources {
                    for g in &mut r.grants {
                        if g.principal == old_arn {
                            g.principal = old.id.clone();
                            for a in &g.actions {
                                breaks.push(OrgBreak {
                                    mutation: mutation.clone(),
                                    account: acct.clone(),
                                    role: new_name.clone(),
                                    action: (*a).to_owned(),
                                    resource: g.resource.replace('*', "x"),
                                });
                            }
                        }
                    }
                }
                renames.push((
                    format!("{acct}:role/{}", old.name),
                    format!("{acct}:role/{new_name}"),
                ));
            }
            // move the account into the restricted subtree: DenyDynamoDB cuts DynamoDB
            // for every role of it
            2 if !in_restricted => {
                let to = org.restricted[1 + (m % (org.restricted.len() - 1))].clone();
                let mutation = label("move-account", &format!("{acct} to {to}"));
                after.accounts[i].parent = to;
                for r in &org.accounts[i].roles {
                    let resource = if r.name.starts_with("AWSReservedSSO_") {
                        format!("arn:aws:dynamodb:us-east-1:{acct}:table/t0")
                    } else {
                        format!("arn:aws:dynamodb:us-east-1:{acct}:table/t{}", r.shape)
                    };
                    breaks.push(OrgBreak {
                        mutation: mutation.clone(),
                        account: acct.clone(),
                        role: r.name.clone(),
                        action: "dynamodb:GetItem".into(),
                        resource,
                    });
                }
            }
            // resource-policy edits: the secret no longer grants app-2; the queue now
            // grants app-4 instead of app-3
            3 => {
                let mutation = label("edit-secret-policy", &format!("db-{i}"));
                let arn_role = role_arn(&acct, &org.accounts[i].roles[4]);
                if let Some(r) = after
                    .resources
                    .iter_mut()
                    .find(|r| r.kind == "secret" && r.account == acct)
                {
                    let before = r.grants.len();
                    r.grants.retain(|g| g.principal != arn_role);
                    if r.grants.len() < before {
                        breaks.push(OrgBreak {
                            mutation,
                            account: acct.clone(),
                            role: org.accounts[i].roles[4].name.clone(),
                            action: "secretsmanager:GetSecretValue".into(),
                            resource: r.arn.clone(),
                        });
                    }
                    if r.grants.is_empty() {
                        r.grants.push(Grant {
                            sid: "Nobody".into(),
                            principal: format!("arn:aws:iam::{acct}:root"),
                            actions: vec!["secretsmanager:DescribeSecret"],
                            resource: "*".into(),
                        });
                    }
                }
            }
            _ => {
                let roles = &org.accounts[i].roles;
                if roles.len() > 6 {
                    let mutation = label("edit-queue-policy", &format!("jobs-{i}"));
                    let (old, new) = (role_arn(&acct, &roles[5]), role_arn(&acct, &roles[6]));
                    if let Some(r) = after
                        .resources
                        .iter_mut()
                        .find(|r| r.kind == "queue" && r.account == acct)
                    {
                        for g in &mut r.grants {
                            if g.principal == old {
                                g.principal = new.clone();
                                for a in &g.actions {
                                    breaks.push(OrgBreak {
                                        mutation: mutation.clone(),
                                        account: acct.clone(),
                                        role: roles[5].name.clone(),
                                        action: (*a).to_owned(),
                                        resource: g.resource.clone(),
                                    });
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    breaks.sort();
    (after, renames, breaks)
}

/// Writes `before/`, `after/`, `map.yaml` and `expected-breaks.json` into `out`; returns
/// the breaks.
pub fn write_pair(scale: OrgScale, seed: u64, out: &Path) -> io::Result<Vec<OrgBreak>> {
    let before = build(scale, seed);
    let (after, renames, breaks) = mutate(&before, scale.mutations);
    write_side(&before, &out.join("before"))?;
    write_side(&after, &out.join("after"))?;
    let mut map =
        String::from("# generated: the organization benchmark's renames\nrenames:\n  roles:\n");
    for (from, to) in &renames {
        map.push_str(&format!("    - from: \"{from}\"\n      to: \"{to}\"\n"));
    }
    std::fs::write(out.join("map.yaml"), map)?;
    write_json(
        &out.join("expected-breaks.json"),
        &serde_json::to_value(&breaks).map_err(io::Error::other)?,
    )?;
    Ok(breaks)
}

// ---------------------------------------------------------------------------------------
// Identity Center (issue 9): people in an identity store, permission sets assigned to their
// groups in accounts, the `AWSReservedSSO_*` roles AWS provisions for them, role chains of
// depth 3 behind the operations permission sets, and mutations whose path losses the
// generator works out on its own.

/// How many people and permission sets; `None` in [`write_pair_with`] keeps the output
/// of the organization alone byte for byte.
#[derive(Debug, Clone, Copy)]
pub struct IcScale {
    pub people: usize,
    pub permission_sets: usize,
    pub mutations: usize,
}

impl IcScale {
    /// `people` and `permission_sets` with a few hundred mutations at the full size (one
    /// for every 20 people, at least 8).
    pub fn new(people: usize, permission_sets: usize) -> IcScale {
        IcScale {
            people,
            permission_sets: permission_sets.max(1),
            mutations: (people / 20).max(8),
        }
    }
}

/// A role some person can no longer reach after the mutations: `role` as iamdiff names
/// roles (`ACCOUNT/NAME`), `person` the identity-store user name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct PersonLoss {
    pub person: String,
    pub role: String,
    pub mutation: String,
}

const IC_INSTANCE: &str = "ssoins-72230000beefcafe";
const IC_STORE: &str = "d-9067000bee";
/// Every this many accounts a permission set is assigned in one of them.
const IC_SPREAD: usize = 10;

/// A role a person can reach: a permission set's role or a chain role (1–3) in an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Reach {
    Ps(usize, usize),
    Chain(usize, u8),
}

#[derive(Clone)]
struct Ic {
    people: usize,
    sets: usize,
    /// Each person's store groups (group g is the team of permission set g).
    members: Vec<Vec<usize>>,
    /// (permission set, account index, group) assignments.
    assignments: Vec<(usize, usize, usize)>,
    /// Operations permission sets still allow `sts:AssumeRole` on `chain-1`.
    chain_allowed: Vec<bool>,
    /// Permission sets narrowed (one action dropped).
    narrowed: Vec<bool>,
    /// Accounts whose `chain-2` still trusts `chain-1` (else it trusts `chain-3`).
    chain2_trusts_chain1: Vec<bool>,
}

fn is_ops(k: usize) -> bool {
    k.is_multiple_of(4)
}

fn ps_name(k: usize) -> String {
    if is_ops(k) {
        format!("Ops{k:02}")
    } else {
        format!("Team{k:02}")
    }
}

fn ps_id(k: usize) -> String {
    format!("ps-e{k:015}")
}

fn ps_arn(k: usize) -> String {
    format!("arn:aws:sso:::permissionSet/{IC_INSTANCE}/{}", ps_id(k))
}

fn ps_role_name(k: usize) -> String {
    format!(
        "AWSReservedSSO_{}_{:016x}",
        ps_name(k),
        0x5eed_0000_0000_0000u64 + k as u64
    )
}

fn user_name(p: usize) -> String {
    format!("user{p:05}@example.com")
}

fn user_id(p: usize) -> String {
    format!("{p:010}-0000-4000-8000-{p:012}")
}

fn group_name(g: usize) -> String {
    format!("team-{g:02}")
}

fn group_id(g: usize) -> String {
    format!("{g:010}-1111-4000-8000-{g:012}")
}

fn build_ic(scale: IcScale, accounts: usize) -> Ic {
    let sets = scale.permission_sets;
    let members = (0..scale.people)
        .map(|p| {
            let mut g = vec![p % sets];
            if p % 3 == 0 {
                let second = (p * 7 + 3) % sets;
                if second != g[0] {
                    g.push(second);
                }
            }
            g
        })
        .collect();
    let mut assignments = Vec::new();
    for k in 0..sets {
        for i in 0..accounts {
            if (i + k) % IC_SPREAD == 0 {
                assignments.push((k, i, k));
            }
        }
    }
    Ic {
        people: scale.people,
        sets,
        members,
        assignments,
        chain_allowed: (0..sets).map(is_ops).collect(),
        narrowed: vec![false; sets],
        chain2_trusts_chain1: vec![true; accounts],
    }
}

impl Ic {
    /// What person `p` can reach: the roles of their groups' assignments, and from an
    /// operations role the chain of its account.
    fn reach(&self, p: usize) -> std::collections::BTreeSet<Reach> {
        let mut out = std::collections::BTreeSet::new();
        for &g in &self.members[p] {
            for &(k, i, _) in self.assignments.iter().filter(|a| a.2 == g) {
                out.insert(Reach::Ps(k, i));
                if self.chain_allowed[k] {
                    out.insert(Reach::Chain(i, 1));
                    if self.chain2_trusts_chain1[i] {
                        out.insert(Reach::Chain(i, 2));
                        out.insert(Reach::Chain(i, 3));
                    }
                }
            }
        }
        out
    }

    fn inline_policy(&self, k: usize) -> Value {
        let mut actions = vec!["dynamodb:GetItem", "dynamodb:Query"];
        if !self.narrowed[k] {
            actions.push("s3:GetObject");
        }
        let mut st = vec![json!({"Sid": "Team", "Effect": "Allow", "Action": actions,
            "Resource": [format!("arn:aws:dynamodb:us-east-1:*:table/team-{k}"),
                         format!("arn:aws:s3:::team-{k}-*/*")]})];
        if self.chain_allowed[k] {
            st.push(
                json!({"Sid": "Chain", "Effect": "Allow", "Action": "sts:AssumeRole",
                "Resource": "arn:aws:iam::*:role/chain-1"}),
            );
        }
        doc(st)
    }

    /// The roles AWS provisioned in account `i` and its chain roles, as the account dump
    /// lists them.
    fn roles(&self, org: &Org, i: usize) -> Vec<Value> {
        let acct = &org.accounts[i].id;
        let mut sets: Vec<usize> = self
            .assignments
            .iter()
            .filter(|a| a.1 == i)
            .map(|a| a.0)
            .collect();
        sets.sort_unstable();
        sets.dedup();
        let mut out = Vec::new();
        for k in sets {
            let name = ps_role_name(k);
            out.push(json!({
                "Path": "/aws-reserved/sso.amazonaws.com/",
                "RoleName": name,
                "RoleId": format!("AROAPS{i:05}{k:04}"),
                "Arn": format!("arn:aws:iam::{acct}:role/aws-reserved/sso.amazonaws.com/{name}"),
                "CreateDate": "2024-01-02T03:04:05Z",
                "AssumeRolePolicyDocument": doc(vec![json!({
                    "Effect": "Allow",
                    "Principal": {"Federated": format!("arn:aws:iam::{acct}:saml-provider/AWSSSO_72230000beefcafe_DO_NOT_DELETE")},
                    "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
                    "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}
                })]),
                "InstanceProfileList": [],
                "RolePolicyList": [{"PolicyName": "AwsSSOInlinePolicy", "PolicyDocument": self.inline_policy(k)}],
                "AttachedManagedPolicies": [],
                "Tags": [],
                "RoleLastUsed": {}
            }));
        }
        let role = |c: u8, trusted: String, st: Vec<Value>| {
            json!({
                "Path": "/",
                "RoleName": format!("chain-{c}"),
                "RoleId": format!("AROACHAIN{i:05}{c}"),
                "Arn": format!("arn:aws:iam::{acct}:role/chain-{c}"),
                "CreateDate": "2024-01-02T03:04:05Z",
                "AssumeRolePolicyDocument": doc(vec![json!({"Effect": "Allow",
                    "Principal": {"AWS": trusted}, "Action": "sts:AssumeRole"})]),
                "InstanceProfileList": [],
                "RolePolicyList": [{"PolicyName": "chain", "PolicyDocument": doc(st)}],
                "AttachedManagedPolicies": [],
                "Tags": [],
                "RoleLastUsed": {}
            })
        };
        let next = |c: u8| {
            json!({"Sid": "Next", "Effect": "Allow", "Action": "sts:AssumeRole",
                   "Resource": format!("arn:aws:iam::{acct}:role/chain-{c}")})
        };
        out.push(role(
            1,
            format!("arn:aws:iam::{acct}:root"),
            vec![
                next(2),
                json!({"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"}),
            ],
        ));
        let from = if self.chain2_trusts_chain1[i] { 1 } else { 3 };
        out.push(role(
            2,
            format!("arn:aws:iam::{acct}:role/chain-{from}"),
            vec![
                next(3),
                json!({"Effect": "Allow", "Action": "ec2:StartInstances",
                       "Resource": format!("arn:aws:ec2:us-east-1:{acct}:instance/*")}),
            ],
        ));
        out.push(role(
            3,
            format!("arn:aws:iam::{acct}:role/chain-2"),
            vec![
                json!({"Effect": "Allow", "Action": "ec2:TerminateInstances",
                         "Resource": format!("arn:aws:ec2:us-east-1:{acct}:instance/*")}),
            ],
        ));
        out
    }

    fn role_label(&self, org: &Org, r: Reach) -> String {
        match r {
            Reach::Ps(k, i) => format!("{}/{}", org.accounts[i].id, ps_role_name(k)),
            Reach::Chain(i, c) => format!("{}/chain-{c}", org.accounts[i].id),
        }
    }

    /// The `sso-admin` and `identitystore` exports, file by file, as the CLI writes them.
    fn write(&self, org: &Org, dir: &Path) -> io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let f = |name: &str| dir.join(format!("{name}.json"));
        let mgmt = &org.accounts[0].id;
        write_json(
            &f("sso-admin.list-instances"),
            &json!({"Instances": [{"InstanceArn": format!("arn:aws:sso:::instance/{IC_INSTANCE}"),
                "IdentityStoreId": IC_STORE, "OwnerAccountId": mgmt, "Status": "ACTIVE"}]}),
        )?;
        write_json(
            &f("sso-admin.list-permission-sets"),
            &json!({"PermissionSets": (0..self.sets).map(ps_arn).collect::<Vec<_>>()}),
        )?;
        for k in 0..self.sets {
            let id = ps_id(k);
            write_json(
                &f(&format!("sso-admin.describe-permission-set.{id}")),
                &json!({"PermissionSet": {"Name": ps_name(k), "PermissionSetArn": ps_arn(k),
                    "SessionDuration": "PT8H"}}),
            )?;
            write_json(
                &f(&format!(
                    "sso-admin.get-inline-policy-for-permission-set.{id}"
                )),
                &json!({"InlinePolicy": self.inline_policy(k).to_string()}),
            )?;
            write_json(
                &f(&format!(
                    "sso-admin.list-managed-policies-in-permission-set.{id}"
                )),
                &json!({"AttachedManagedPolicies": []}),
            )?;
            write_json(
                &f(&format!(
                    "sso-admin.list-customer-managed-policy-references-in-permission-set.{id}"
                )),
                &json!({"CustomerManagedPolicyReferences": []}),
            )?;
        }
        let mut by_pair: std::collections::BTreeMap<(usize, usize), Vec<Value>> =
            std::collections::BTreeMap::new();
        for &(k, i, g) in &self.assignments {
            by_pair.entry((i, k)).or_default().push(json!({
                "AccountId": org.accounts[i].id, "PermissionSetArn": ps_arn(k),
                "PrincipalType": "GROUP", "PrincipalId": group_id(g)}));
        }
        for ((i, k), list) in by_pair {
            write_json(
                &f(&format!(
                    "sso-admin.list-account-assignments.{}.{}",
                    org.accounts[i].id,
                    ps_id(k)
                )),
                &json!({ "AccountAssignments": list }),
            )?;
        }
        let users: Vec<Value> = (0..self.people)
            .map(|p| {
                json!({"UserName": user_name(p), "UserId": user_id(p),
                    "DisplayName": format!("User {p}"),
                    "Emails": [{"Value": user_name(p), "Type": "work", "Primary": true}],
                    "IdentityStoreId": IC_STORE})
            })
            .collect();
        write_json(&f("identitystore.list-users"), &json!({ "Users": users }))?;
        let groups: Vec<Value> = (0..self.sets)
            .map(|g| {
                json!({"GroupId": group_id(g), "DisplayName": group_name(g),
                       "IdentityStoreId": IC_STORE})
            })
            .collect();
        write_json(
            &f("identitystore.list-groups"),
            &json!({ "Groups": groups }),
        )?;
        for g in 0..self.sets {
            let list: Vec<Value> = (0..self.people)
                .filter(|&p| self.members[p].contains(&g))
                .map(|p| {
                    json!({"IdentityStoreId": IC_STORE,
                        "MembershipId": format!("m-{g:02}-{p:05}"),
                        "GroupId": group_id(g), "MemberId": {"UserId": user_id(p)}})
                })
                .collect();
            write_json(
                &f(&format!(
                    "identitystore.list-group-memberships.{}",
                    group_name(g)
                )),
                &json!({ "GroupMemberships": list }),
            )?;
        }
        Ok(())
    }
}

/// Applies the Identity Center mutations in turn — a person leaves a group, an
/// assignment is removed, a permission set is narrowed or stops allowing the chain, a
/// `chain-2` trust policy stops trusting `chain-1` — and records every role each person
/// can no longer reach, with the mutation that cut it.
fn mutate_ic(ic: &Ic, org: &Org, count: usize) -> (Ic, Vec<PersonLoss>) {
    let mut after = ic.clone();
    let mut losses = Vec::new();
    let n = org.accounts.len();
    let everyone: Vec<usize> = (0..ic.people).collect();
    for m in 0..count {
        let prev = after.clone();
        let (label, affected): (String, Vec<usize>) = match m % 8 {
            0 | 3 | 6 => {
                let p = (m * 37 + 11) % ic.people.max(1);
                let Some(g) = after
                    .members
                    .get_mut(p)
                    .and_then(|g| (!g.is_empty()).then(|| g.remove(0)))
                else {
                    continue;
                };
                (
                    format!("i{m:04} leave-group {} {}", user_name(p), group_name(g)),
                    vec![p],
                )
            }
            1 | 4 => {
                if after.assignments.is_empty() {
                    continue;
                }
                let (k, i, g) = after.assignments.remove((m * 13) % after.assignments.len());
                let members = (0..ic.people)
                    .filter(|&p| after.members[p].contains(&g))
                    .collect();
                (
                    format!(
                        "i{m:04} unassign {} {} {}",
                        ps_name(k),
                        org.accounts[i].id,
                        group_name(g)
                    ),
                    members,
                )
            }
            2 => {
                let j = m / 8;
                if j % 8 == 0 {
                    let k = (4 * (j / 8)) % ic.sets;
                    after.chain_allowed[k] = false;
                    (
                        format!("i{m:04} drop-chain {}", ps_name(k)),
                        everyone.clone(),
                    )
                } else {
                    let mut k = (j * 3 + 1) % ic.sets;
                    if is_ops(k) {
                        k = (k + 1) % ic.sets;
                    }
                    after.narrowed[k] = true;
                    (format!("i{m:04} narrow {}", ps_name(k)), Vec::new())
                }
            }
            _ => {
                let i = (m * 7 + 3) % n;
                after.chain2_trusts_chain1[i] = false;
                (
                    format!("i{m:04} retrust chain-2 {}", org.accounts[i].id),
                    everyone.clone(),
                )
            }
        };
        // what the affected could reach just before this mutation and just after
        for &p in &affected {
            let now = after.reach(p);
            let was = prev.reach(p);
            for r in was.difference(&now) {
                losses.push(PersonLoss {
                    person: user_name(p),
                    role: after.role_label(org, *r),
                    mutation: label.clone(),
                });
            }
        }
    }
    // a role lost twice (never regained: mutations only remove) is the first mutation's
    losses
        .sort_by(|a, b| (&a.person, &a.role, &a.mutation).cmp(&(&b.person, &b.role, &b.mutation)));
    losses.dedup_by(|a, b| a.person == b.person && a.role == b.role);
    (after, losses)
}

/// [`write_pair`] with Identity Center when `ic` is given: each side also holds
/// `identity-center/` (the `sso-admin` and `identitystore` exports), its accounts the
/// provisioned `AWSReservedSSO_*` roles and the chain roles, and `out` the
/// `expected-losses.json` of the Identity Center mutations. Without `ic` the output is
/// [`write_pair`]'s, byte for byte.
pub fn write_pair_with(
    scale: OrgScale,
    seed: u64,
    ic: Option<IcScale>,
    out: &Path,
) -> io::Result<(Vec<OrgBreak>, Vec<PersonLoss>)> {
    let Some(ics) = ic else {
        return Ok((write_pair(scale, seed, out)?, Vec::new()));
    };
    let before = build(scale, seed);
    let (after, renames, breaks) = mutate(&before, scale.mutations);
    let ic_before = build_ic(ics, before.accounts.len());
    let (ic_after, losses) = mutate_ic(&ic_before, &before, ics.mutations);
    for (org, ic, side) in [
        (&before, &ic_before, "before"),
        (&after, &ic_after, "after"),
    ] {
        let dir = out.join(side);
        write_side(org, &dir)?;
        // the account dumps again, with the provisioned and chain roles
        for (i, a) in org.accounts.iter().enumerate() {
            let mut v = account_export(org, i);
            if let Some(list) = v.get_mut("RoleDetailList").and_then(Value::as_array_mut) {
                list.extend(ic.roles(org, i));
            }
            write_json(&dir.join("accounts").join(format!("{}.json", a.id)), &v)?;
        }
        ic.write(org, &dir.join("identity-center"))?;
    }
    let mut map =
        String::from("# generated: the organization benchmark's renames\nrenames:\n  roles:\n");
    for (from, to) in &renames {
        map.push_str(&format!("    - from: \"{from}\"\n      to: \"{to}\"\n"));
    }
    std::fs::write(out.join("map.yaml"), map)?;
    write_json(
        &out.join("expected-breaks.json"),
        &serde_json::to_value(&breaks).map_err(io::Error::other)?,
    )?;
    write_json(
        &out.join("expected-losses.json"),
        &serde_json::to_value(&losses).map_err(io::Error::other)?,
    )?;
    Ok((breaks, losses))
}

//! Reads an application platform's access (issue 10 item 5), a port target with two
//! roles: organization members with their role, and project memberships. YAML or JSON,
//! recognised by its top-level `platform:` key:
//!
//! ```yaml
//! platform: appcloud
//! organization: examplecorp
//! members:
//!   - id: alice@corp.com
//!     role: Administrator     # identity, billing and project management
//!   - id: bob@corp.com
//!     role: Member            # in the organization; rights come from projects
//! projects:
//!   - name: ml
//!     members: [bob@corp.com]  # full operational rights in the project
//! ```
//!
//! Every member is a principal (kind user, named by its id). A project member must be an
//! organization member. Mistakes are errors placed by line:column and JSON pointer.

use serde_json::Value;
use std::sync::Arc;

use super::IngestError;
use super::yaml;
use crate::model::{
    Place, PlatformMember, PlatformProject, PlatformRole, PlatformSide, Principal, PrincipalKind,
    Snapshot,
};

/// The key a platform file has at its top.
pub const PLATFORM_KEY: &str = "platform";

/// Reads one platform file into `snap` (a side holds at most one).
pub(crate) fn load(file: &Arc<str>, bytes: &[u8], snap: &mut Snapshot) -> Result<(), IngestError> {
    let side = read(file, bytes)?;
    if snap.platform.is_some() {
        return Err(IngestError::in_file(
            file,
            "a second platform file on one side; a side is one platform organization",
        ));
    }
    for m in &side.members {
        snap.principals
            .push(Principal::new(PrincipalKind::User, m.id.clone()));
    }
    snap.defines_users = true;
    snap.platform = Some(side);
    Ok(())
}

/// Parses a platform file (also the fuzz target's entry): a side or a placed error.
pub fn read(file: &Arc<str>, bytes: &[u8]) -> Result<PlatformSide, IngestError> {
    let json = yaml::to_json(file, bytes)?;
    let v: Value = serde_json::from_str(&json)
        .map_err(|e| IngestError::in_file(file, format!("not a platform file: {e}")))?;
    let err = |pointer: &str, message: String| -> IngestError {
        IngestError::new(yaml::place_of(file, bytes, pointer, false), message)
    };
    let Some(top) = v.as_object() else {
        return Err(err(
            "",
            "expected a mapping with `platform`, `organization`, `members`, `projects`".into(),
        ));
    };
    for k in top.keys() {
        if !["platform", "organization", "members", "projects"].contains(&k.as_str()) {
            return Err(IngestError::new(
                yaml::place_of(file, bytes, &format!("/{}", escape(k)), true),
                format!(
                    "unknown key `{k}`: expected `platform`, `organization`, `members` or `projects`"
                ),
            ));
        }
    }
    let text = |pointer: &str, v: Option<&Value>, what: &str| -> Result<String, IngestError> {
        match v {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
            Some(_) => Err(err(pointer, format!("expected {what}, a non-empty string"))),
            None => Err(err(
                pointer.rsplit_once('/').map_or("", |(p, _)| p),
                format!(
                    "missing `{}`: expected {what}",
                    pointer.rsplit('/').next().unwrap_or_default()
                ),
            )),
        }
    };
    let name = text("/platform", top.get("platform"), "the platform's name")?;
    let organization = text(
        "/organization",
        top.get("organization"),
        "the organization's name",
    )?;
    let list = |key: &str| -> Result<&[Value], IngestError> {
        match top.get(key) {
            None | Some(Value::Null) => Ok(&[]),
            Some(Value::Array(a)) => Ok(a.as_slice()),
            Some(_) => Err(err(
                &format!("/{key}"),
                format!("expected `{key}` to be a list"),
            )),
        }
    };
    let mut side = PlatformSide {
        name,
        organization,
        ..PlatformSide::default()
    };
    for (i, m) in list("members")?.iter().enumerate() {
        let at = format!("/members/{i}");
        let Some(obj) = m.as_object() else {
            return Err(err(&at, "expected a member: `id` and `role`".into()));
        };
        if let Some(k) = obj.keys().find(|k| !["id", "role"].contains(&k.as_str())) {
            return Err(IngestError::new(
                yaml::place_of(file, bytes, &format!("{at}/{}", escape(k)), true),
                format!("unknown key `{k}`: expected `id` or `role`"),
            ));
        }
        let id = text(
            &format!("{at}/id"),
            obj.get("id"),
            "the member's id (an e-mail)",
        )?;
        let role = match text(
            &format!("{at}/role"),
            obj.get("role"),
            "`Administrator` or `Member`",
        )?
        .as_str()
        {
            "Administrator" => PlatformRole::Administrator,
            "Member" => PlatformRole::Member,
            other => {
                return Err(err(
                    &format!("{at}/role"),
                    format!("unknown role `{other}`: expected `Administrator` or `Member`"),
                ));
            }
        };
        if side.member(&id).is_some() {
            return Err(err(
                &format!("{at}/id"),
                format!("member `{id}` is listed twice"),
            ));
        }
        side.members.push(PlatformMember {
            id,
            role,
            place: Arc::new(Place::pointer(file.clone(), at)),
        });
    }
    for (i, p) in list("projects")?.iter().enumerate() {
        let at = format!("/projects/{i}");
        let Some(obj) = p.as_object() else {
            return Err(err(&at, "expected a project: `name` and `members`".into()));
        };
        if let Some(k) = obj
            .keys()
            .find(|k| !["name", "members"].contains(&k.as_str()))
        {
            return Err(IngestError::new(
                yaml::place_of(file, bytes, &format!("{at}/{}", escape(k)), true),
                format!("unknown key `{k}`: expected `name` or `members`"),
            ));
        }
        let pname = text(&format!("{at}/name"), obj.get("name"), "the project's name")?;
        if side.project(&pname).is_some() {
            return Err(err(
                &format!("{at}/name"),
                format!("project `{pname}` is listed twice"),
            ));
        }
        let members = match obj.get("members") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a.clone(),
            Some(_) => {
                return Err(err(
                    &format!("{at}/members"),
                    "expected a list of member ids".into(),
                ));
            }
        };
        let mut list = Vec::with_capacity(members.len());
        for (j, m) in members.iter().enumerate() {
            let mat = format!("{at}/members/{j}");
            let id = text(&mat, Some(m), "a member id")?;
            if side.member(&id).is_none() {
                return Err(err(
                    &mat,
                    format!(
                        "`{id}` is not a member of the organization: list it under `members` first"
                    ),
                ));
            }
            list.push((id, Arc::new(Place::pointer(file.clone(), mat))));
        }
        side.projects.push(PlatformProject {
            name: pname,
            members: list,
            place: Arc::new(Place::pointer(file.clone(), at)),
        });
    }
    Ok(side)
}

/// A key as a JSON pointer token (RFC 6901).
fn escape(k: &str) -> String {
    k.replace('~', "~0").replace('/', "~1")
}

//! IAM Identity Center as a CloudFormation template writes it (issue 9):
//! `AWS::SSO::PermissionSet` (`ManagedPolicies`, `CustomerManagedPolicyReferences`,
//! `InlinePolicy` as an object or a JSON string, `PermissionsBoundary`) and
//! `AWS::SSO::Assignment`, read into an [`Ic`] that the Identity Center emitter turns into
//! roles and assignments like the CLI exports.
//!
//! A permission set of the template is keyed by its logical id; an assignment names it by
//! `!GetAtt X.PermissionSetArn` or `!Ref X`. An assignment of a permission set the
//! template does not define, a value an intrinsic leaves unresolved, a resource under an
//! undecided condition, and `SSOUtil::SSO::AssignmentGroup` (aws-sso-util's macro, which
//! expands at deploy) are warnings with their place, or unresolved parts of the set whose
//! roles then need review; none is silently dropped.

use super::Template;
use super::intrinsics::{Env, Res, Tri, V, VKind, items};
use super::policy::{self, DocSpec};
use crate::ingest::IngestError;
use crate::ingest::identity_center::{
    Boundary, INLINE_NAME, Ic, Part, PermSet, RawAssign, is_account, set_id,
};
use crate::model::{AssignmentPrincipal, PolicyKind, WarningCode};

type R<T> = Result<T, IngestError>;

pub(super) fn collect(env: &Env<'_>, template: &Template<'_>) -> R<Ic> {
    let mut ic = Ic::default();
    for res in &template.order {
        match res.ty {
            "AWS::SSO::PermissionSet" => {
                if let Some(extra) = exists(env, res, &mut ic)? {
                    permission_set(env, res, extra, &mut ic)?;
                }
            }
            "SSOUtil::SSO::AssignmentGroup" => ic.warn(
                WarningCode::Unsupported,
                env.place(res.node.id),
                format!(
                    "`{}` is an aws-sso-util `AssignmentGroup`, which its macro expands into assignments at deploy; they are not read, so who it gives access to needs review",
                    res.id
                ),
            ),
            _ => {}
        }
    }
    for res in &template.order {
        if res.ty == "AWS::SSO::Assignment" && exists(env, res, &mut ic)?.is_some() {
            assignment(env, res, &template.order, &mut ic)?;
        }
    }
    Ok(ic)
}

/// Whether a resource exists: `None` when its condition is false, else what its
/// existence depends on (an undecided condition), to be reviewed.
fn exists(env: &Env<'_>, res: &Res<'_>, ic: &mut Ic) -> R<Option<Vec<String>>> {
    let Some(node) = res.condition else {
        return Ok(Some(Vec::new()));
    };
    let Some(name) = node.as_str() else {
        return Err(env.error(
            node.id,
            format!("the `Condition` of `{}` must be a condition name", res.id),
        ));
    };
    Ok(match env.condition(name, node.id)? {
        Tri::True => Some(Vec::new()),
        Tri::False => None,
        Tri::Unknown(why) => {
            let m = format!(
                "resource `{}` exists only if condition `{name}` holds, which is undecided ({why})",
                res.id
            );
            ic.warn(WarningCode::Unsupported, env.place(res.node.id), m.clone());
            Some(vec![m])
        }
    })
}

/// The text of a property, or why it is unknown.
fn text(env: &Env<'_>, v: &V, what: &str) -> Result<String, String> {
    match v.text() {
        Some((s, [])) => Ok(s),
        Some((_, msgs)) => Err(format!("{what} is unresolved ({})", msgs.join("; "))),
        None => Err(format!("{what} at {} is not a string", env.here(v.at))),
    }
}

fn permission_set(env: &Env<'_>, res: &Res<'_>, extra: Vec<String>, ic: &mut Ic) -> R<()> {
    let place = env.place(res.node.id);
    let name = match res.prop("Name") {
        Some(n) => match text(env, &env.resolve(n)?, "the permission set's `Name`") {
            Ok(s) if !s.is_empty() => s,
            Ok(_) => {
                return Err(env.error(
                    n.id,
                    format!("permission set `{}` has an empty `Name`", res.id),
                ));
            }
            Err(why) => {
                ic.warn(
                    WarningCode::Unsupported,
                    env.place(n.id),
                    format!(
                        "{why}; permission set `{}` is called by its logical id",
                        res.id
                    ),
                );
                res.id.to_owned()
            }
        },
        None => {
            return Err(env.error(
                res.node.id,
                format!(
                    "permission set `{}` has no `Name` (CloudFormation requires one)",
                    res.id
                ),
            ));
        }
    };
    let mut set = PermSet::new(res.id.to_owned(), name.clone(), place);
    for m in extra {
        set.unresolved.push((m, env.place(res.node.id)));
    }
    if let Some(n) = res.prop("ManagedPolicies") {
        let v = env.resolve(n)?;
        let mut list = Vec::new();
        for (item, msgs) in items(&v) {
            match text(env, &item, "a managed policy ARN") {
                Ok(arn) if msgs.is_empty() => list.push((arn, env.place(item.at))),
                Ok(_) => set.unresolved.push((msgs.join("; "), env.place(item.at))),
                Err(why) => set.unresolved.push((why, env.place(item.at))),
            }
        }
        set.managed = Part::Known(list);
    }
    if let Some(n) = res.prop("CustomerManagedPolicyReferences") {
        let v = env.resolve(n)?;
        let mut list = Vec::new();
        for (item, msgs) in items(&v) {
            if !msgs.is_empty() {
                set.unresolved.push((msgs.join("; "), env.place(item.at)));
                continue;
            }
            match reference(env, &item) {
                Ok((n, p)) => list.push((n, p, env.place(item.at))),
                Err(why) => set.unresolved.push((why, env.place(item.at))),
            }
        }
        set.customer = Part::Known(list);
    }
    if let Some(n) = res.prop("InlinePolicy") {
        let v = env.resolve(n)?;
        let spec = DocSpec {
            kind: PolicyKind::Inline,
            name: INLINE_NAME,
            label: INLINE_NAME,
            arn: None,
            extra: &[],
        };
        if let Some(p) = policy::policy(env, &v, &spec)? {
            set.inline = Part::Known(Some((p.document, env.place(n.id))));
        }
    }
    if let Some(n) = res.prop("PermissionsBoundary") {
        let v = env.resolve(n)?;
        let managed = v.at_pointer("/ManagedPolicyArn");
        let cref = v.at_pointer("/CustomerManagedPolicyReference");
        let b = if !std::ptr::eq(managed, &v) {
            text(env, managed, "the boundary's `ManagedPolicyArn`").map(Boundary::Managed)
        } else if !std::ptr::eq(cref, &v) {
            reference(env, cref).map(|(name, path)| Boundary::Customer { name, path })
        } else {
            return Err(env.error(
                n.id,
                "a `PermissionsBoundary` has `ManagedPolicyArn` or `CustomerManagedPolicyReference`",
            ));
        };
        match b {
            Ok(b) => set.boundary = Part::Known(Some((b, env.place(n.id)))),
            Err(why) => set.unresolved.push((why, env.place(n.id))),
        }
    }
    ic.sets.push(set);
    Ok(())
}

/// `{Name, Path}` of a customer managed policy reference.
fn reference(env: &Env<'_>, v: &V) -> Result<(String, String), String> {
    let VKind::Map(_) = &v.kind else {
        return Err(format!(
            "a customer managed policy reference at {} is not an object with `Name`",
            env.here(v.at)
        ));
    };
    let name = v.at_pointer("/Name");
    if std::ptr::eq(name, v) {
        return Err(format!(
            "the customer managed policy reference at {} has no `Name`",
            env.here(v.at)
        ));
    }
    let name = text(env, name, "a customer managed policy name")?;
    let path = v.at_pointer("/Path");
    let path = if std::ptr::eq(path, v) {
        "/".to_owned()
    } else {
        text(env, path, "a customer managed policy path")?
    };
    Ok((name, path))
}

fn assignment(env: &Env<'_>, res: &Res<'_>, order: &[Res<'_>], ic: &mut Ic) -> R<()> {
    let place = env.place(res.node.id);
    let skip = |ic: &mut Ic, why: String| {
        ic.warn(
            WarningCode::Unsupported,
            place.clone(),
            format!(
                "assignment `{}` is not read: {why}; who it gives access to needs review",
                res.id
            ),
        );
    };
    let Some(ps) = res.prop("PermissionSetArn") else {
        return Err(env.error(
            res.node.id,
            format!("assignment `{}` has no `PermissionSetArn`", res.id),
        ));
    };
    // `!GetAtt Set.PermissionSetArn` or `!Ref Set`: the template's own permission set
    let target = match ps.single() {
        Some(("Fn::GetAtt", arg)) => arg.as_str().and_then(|s| s.split('.').next()).or_else(|| {
            arg.as_list()
                .and_then(|l| l.first())
                .and_then(|n| n.as_str())
        }),
        Some(("Ref", arg)) => arg.as_str(),
        _ => None,
    };
    let set = match target {
        Some(id)
            if order
                .iter()
                .any(|r| r.id == id && r.ty == "AWS::SSO::PermissionSet") =>
        {
            id.to_owned()
        }
        _ => match text(env, &env.resolve(ps)?, "the `PermissionSetArn`") {
            Ok(arn) => {
                let id = set_id(&arn);
                match ic.sets.iter().find(|s| s.id == id) {
                    Some(s) => s.id.clone(),
                    None => {
                        skip(
                            ic,
                            format!("permission set `{arn}` is not defined in this template"),
                        );
                        return Ok(());
                    }
                }
            }
            Err(why) => {
                skip(ic, why);
                return Ok(());
            }
        },
    };
    if !ic.sets.iter().any(|s| s.id == set) {
        // defined under a false condition
        return Ok(());
    }
    let prop = |key: &str| -> R<Result<String, String>> {
        match res.prop(key) {
            Some(n) => Ok(text(env, &env.resolve(n)?, &format!("`{key}`"))),
            None => Err(env.error(
                res.node.id,
                format!("assignment `{}` has no `{key}`", res.id),
            )),
        }
    };
    let kind = prop("PrincipalType")?;
    let principal = prop("PrincipalId")?;
    let target_type = prop("TargetType")?;
    let account = prop("TargetId")?;
    let kind = match kind.as_deref() {
        Ok("USER") => AssignmentPrincipal::User,
        Ok("GROUP") => AssignmentPrincipal::Group,
        Ok(other) => {
            return Err(env.error(
                res.node.id,
                format!("`{other}` is not a principal type (`USER`, `GROUP`)"),
            ));
        }
        Err(why) => {
            skip(ic, why.clone());
            return Ok(());
        }
    };
    if let Ok(t) = &target_type
        && t != "AWS_ACCOUNT"
    {
        return Err(env.error(
            res.node.id,
            format!("`{t}` is not a target type (`AWS_ACCOUNT`)"),
        ));
    }
    let (principal, account) = match (principal, account) {
        (Ok(p), Ok(a)) if is_account(&a) => (p, a),
        (Ok(_), Ok(a)) => {
            skip(ic, format!("`{a}` is not an account id (12 digits)"));
            return Ok(());
        }
        (Err(why), _) | (_, Err(why)) => {
            skip(ic, why);
            return Ok(());
        }
    };
    ic.assignments.push(RawAssign {
        account,
        set,
        kind,
        principal,
        place,
    });
    Ok(())
}

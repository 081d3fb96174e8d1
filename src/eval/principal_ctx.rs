//! Facts about the principal that AWS puts in every request context (`aws:username`,
//! `aws:PrincipalArn`, `aws:PrincipalTag/*`, ...), so policy variables and conditions on
//! them are decided offline instead of left conditional.

use crate::model::{Principal, PrincipalKind};

use super::context::RequestContext;

/// The user's context with the principal's own facts added (they win over given values:
/// they are what AWS would put in the request).
pub fn principal_context(base: &RequestContext, p: &Principal) -> RequestContext {
    let mut ctx = base.clone();
    let one = |v: &str| vec![v.to_owned()];
    match p.kind {
        PrincipalKind::User => {
            ctx.insert("aws:username", one(&p.name));
            if let Some(id) = &p.id {
                ctx.insert("aws:userid", one(id));
            }
            ctx.insert("aws:PrincipalType", one("User"));
        }
        PrincipalKind::Role => {
            // aws:userid of a role session is `ROLEID:session-name`: not known offline,
            // and aws:username does not exist for roles.
            ctx.insert("aws:PrincipalType", one("AssumedRole"));
            ctx.insert_absent("aws:username");
        }
    }
    if let Some(arn) = &p.arn {
        ctx.insert("aws:PrincipalArn", one(arn));
    }
    if let Some(acct) = &p.account {
        ctx.insert("aws:PrincipalAccount", one(acct));
    }
    ctx.insert("aws:PrincipalIsAWSService", one("false"));
    // an export that lists tags lists all of them: any other tag key is absent, so
    // `${aws:PrincipalTag/K}` for a tag the principal lacks matches nothing (IAM User
    // Guide, "Policy variables with no value"). With no tags listed by a source that may
    // simply not show them, they stay unknown.
    if p.tags_known || !p.tags.is_empty() {
        ctx.insert_absent("aws:PrincipalTag/");
    }
    for (k, v) in &p.tags {
        ctx.insert(&format!("aws:PrincipalTag/{k}"), one(v));
    }
    ctx
}

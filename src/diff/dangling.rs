//! Dangling references in findings (issue 8 item 4): after a rename or re-creation, a
//! resource policy that still names the old identity (its ARN, or the unique id AWS writes
//! once the principal is deleted) grants nothing. A finding that lost what such a policy
//! granted names, on its after side, the statement that still holds the old reference.

use crate::model::{PrincipalClause, Snapshot, StatementRef};

use super::findings::{Code, Finding, Route};

/// Adds to each lost or narrowed finding of the principal `old` (before) / `new` (after)
/// the after side's resource statements that granted it before and still name `old`.
pub fn annotate(
    findings: &mut [Finding],
    old: &crate::model::Principal,
    new: &crate::model::Principal,
    after: &Snapshot,
) {
    let old_refs: Vec<&str> = [old.arn.as_deref(), old.id.as_deref()]
        .into_iter()
        .flatten()
        .filter(|r| Some(*r) != new.arn.as_deref() && Some(*r) != new.id.as_deref())
        .collect();
    if old_refs.is_empty() || after.resources.is_empty() {
        return;
    }
    for f in findings
        .iter_mut()
        .filter(|f| matches!(f.code, Code::Lost | Code::Narrowed))
    {
        let mut added = Vec::new();
        for r in f.before.routes.iter().filter(|r| r.kind == "resource") {
            let Some(policy) = after
                .resources
                .iter()
                .find(|x| x.arn == r.policy)
                .and_then(|x| after.policy(x.policy))
            else {
                continue;
            };
            for (i, s) in policy.document.statements.iter().enumerate() {
                let same = match &s.origin.statement {
                    StatementRef::Sid(sid) => *sid == r.statement,
                    StatementRef::Index(_) => format!("#{i}") == r.statement,
                };
                let Some(PrincipalClause::Principal(pairs)) = &s.principal else {
                    continue;
                };
                let Some((_, named)) = pairs
                    .iter()
                    .find(|(k, v)| same && k == "AWS" && old_refs.contains(&v.as_str()))
                else {
                    continue;
                };
                added.push(Route {
                    file: s.origin.file.to_string(),
                    policy: r.policy.clone(),
                    policy_arn: None,
                    version: None,
                    kind: "dangling".to_owned(),
                    statement: r.statement.clone(),
                    via: format!(
                        "still names `{named}`, {}",
                        if old.id.as_deref() == Some(named.as_str()) {
                            "the unique id of the old identity"
                        } else {
                            "the old identity's ARN"
                        }
                    ),
                    pointer: s.origin.pointer.as_deref().map(str::to_owned),
                });
            }
        }
        if added.is_empty() {
            continue;
        }
        let names: Vec<String> = added
            .iter()
            .map(|r| format!("`{}` {} {} ({})", r.policy, r.statement, r.via, r.file))
            .collect();
        f.message = format!(
            "{}; the resource policy still names the old identity: {}",
            f.message,
            names.join(", ")
        );
        f.after.routes.extend(added);
        f.after.routes.sort();
        f.after.routes.dedup();
    }
}

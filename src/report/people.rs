//! The person view (issue 9): each person with what they can do directly and through
//! each role they reach, and by which path; and one request explained for a person.

use serde::Serialize;
use std::io::{self, Write};

use crate::catalog::Catalog;
use crate::eval::effective::Evaluation;
use crate::eval::people::{PeopleView, PersonExplanation, RolePath};
use crate::model::{PersonSource, Snapshot};

/// Action names listed per role at most in the table (all of them in JSON).
const TABLE_ACTIONS: usize = 12;

#[derive(Debug, Serialize)]
pub struct RoleReport {
    #[serde(flatten)]
    pub path: RolePath,
    /// Catalog actions the role allows (on some resource), sorted.
    pub actions: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct PersonReport {
    pub person: String,
    pub source: PersonSource,
    pub names: Vec<String>,
    /// The IAM users this person is.
    pub users: Vec<String>,
    /// Actions of their own (the users' policies).
    pub direct: Vec<String>,
    pub roles: Vec<RoleReport>,
    /// Distinct actions in all, directly or through a role.
    pub total_actions: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub needs_review: Vec<String>,
}

/// An external entry point (a SAML/OIDC provider, a service, another account) and the
/// roles it may assume.
#[derive(Debug, Serialize)]
pub struct EntryReport {
    pub entry: String,
    pub roles: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct PeopleReport {
    pub people: Vec<PersonReport>,
    pub entry_points: Vec<EntryReport>,
}

fn actions(ev: &Evaluation, catalog: &Catalog, services: &[String]) -> Vec<String> {
    let universe = catalog.actions().len();
    let mut out = std::collections::BTreeSet::new();
    for g in &ev.grants {
        for id in g.actions.ids.iter(universe) {
            if let Some(a) = catalog.action(id)
                && (services.is_empty() || services.iter().any(|s| s == &a.service))
            {
                out.insert(format!("{}:{}", a.service, a.name));
            }
        }
    }
    out.into_iter().collect()
}

impl PeopleReport {
    /// The report of the selected people (all when `only` is empty; a person is selected
    /// by any of their names), limited to `services` when given.
    pub fn new(
        snapshot: &Snapshot,
        catalog: &Catalog,
        view: &PeopleView,
        only: &[String],
        services: &[String],
    ) -> PeopleReport {
        let several = crate::eval::people::several_accounts(snapshot);
        let people = view
            .people
            .iter()
            .filter(|p| {
                only.is_empty()
                    || only
                        .iter()
                        .any(|n| p.person.key == *n || p.person.names.contains(&n.to_lowercase()))
            })
            .map(|p| {
                let direct = p
                    .own
                    .iter()
                    .flat_map(|ev| actions(ev, catalog, services))
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                let roles = p
                    .roles
                    .iter()
                    .zip(&p.role_evaluations)
                    .map(|(rp, ev)| RoleReport {
                        path: rp.clone(),
                        actions: actions(ev, catalog, services),
                    })
                    .collect();
                PersonReport {
                    person: p.person.key.clone(),
                    source: p.person.source,
                    names: p.person.names.clone(),
                    users: p
                        .users
                        .iter()
                        .map(|&u| crate::eval::people::principal_name(snapshot, several, u))
                        .collect(),
                    direct,
                    roles,
                    total_actions: actions(&p.evaluation, catalog, services).len(),
                    needs_review: p.review.clone(),
                }
            })
            .collect();
        let entry_points = view
            .graph
            .entries
            .iter()
            .map(|(name, edges)| {
                let mut roles: Vec<String> = edges
                    .iter()
                    .filter_map(|&e| view.graph.edge(e))
                    .map(|e| crate::eval::people::principal_name(snapshot, several, e.to))
                    .collect();
                roles.sort();
                roles.dedup();
                EntryReport {
                    entry: name.to_string(),
                    roles,
                }
            })
            .collect();
        PeopleReport {
            people,
            entry_points,
        }
    }

    pub fn write_json(&self, w: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *w, self).map_err(super::json_io)?;
        writeln!(w)
    }

    /// Plain text (`table`) and Markdown share one layout; Markdown adds list markers.
    pub fn write_text(&self, w: &mut dyn Write, markdown: bool) -> io::Result<()> {
        let (h, li) = if markdown { ("### ", "- ") } else { ("", "  ") };
        let list = |v: &[String]| {
            let mut s = v
                .iter()
                .take(TABLE_ACTIONS)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            if v.len() > TABLE_ACTIONS {
                s.push_str(&format!(", … ({} in all)", v.len()));
            }
            if s.is_empty() {
                "nothing".to_owned()
            } else {
                s
            }
        };
        for p in &self.people {
            let source = match p.source {
                PersonSource::IamUser => "IAM user",
                PersonSource::IdentityCenter => "Identity Center",
                PersonSource::Federated => "federated",
            };
            writeln!(
                w,
                "{h}person {} ({source}; {} actions in all)",
                p.person, p.total_actions
            )?;
            if markdown {
                writeln!(w)?;
            }
            if !p.users.is_empty() {
                writeln!(
                    w,
                    "{li}directly ({}): {}",
                    p.users.join(", "),
                    list(&p.direct)
                )?;
            }
            for r in &p.roles {
                writeln!(
                    w,
                    "{li}role {} [{}] by {}: {}",
                    r.path.role,
                    r.path.status,
                    r.path.path,
                    list(&r.actions)
                )?;
                for s in r.path.steps.iter() {
                    let mut line =
                        format!("{li}  {} → {}: {} by {}", s.from, s.role, s.action, s.trust);
                    if !s.identity.is_empty() {
                        line.push_str(&format!("; allowed by {}", s.identity.join("; ")));
                    }
                    if !s.conditions.is_empty() {
                        line.push_str(&format!("; only if {}", s.conditions.join(" and ")));
                    }
                    writeln!(w, "{line}")?;
                }
            }
            for r in &p.needs_review {
                writeln!(w, "{li}needs review: {r}")?;
            }
            writeln!(w)?;
        }
        if !self.entry_points.is_empty() {
            writeln!(w, "{h}external entry points")?;
            if markdown {
                writeln!(w)?;
            }
            for e in &self.entry_points {
                writeln!(w, "{li}{} may assume {}", e.entry, e.roles.join(", "))?;
            }
        }
        Ok(())
    }
}

/// A person's explanation as text: the decision, the deciding path, then each session.
pub fn write_person_text(
    e: &PersonExplanation,
    catalog: &Catalog,
    w: &mut dyn Write,
) -> io::Result<()> {
    writeln!(w, "person: {}", e.person)?;
    writeln!(w, "decision: {}", e.decision.as_str())?;
    match &e.path {
        Some(p) => writeln!(w, "path: {p}")?,
        None => writeln!(w, "path: (their own access)")?,
    }
    for o in &e.own {
        writeln!(w, "\n-- own access ({}) --", o.principal)?;
        super::explain::write_text(o, catalog, w)?;
    }
    for s in &e.sessions {
        writeln!(
            w,
            "\n-- role {} [{}] by {} --",
            s.path.role,
            s.decision.as_str(),
            s.path.path
        )?;
        for st in s.path.steps.iter() {
            let mut line = format!(
                "step: {} → {}: {} by {}",
                st.from, st.role, st.action, st.trust
            );
            if !st.conditions.is_empty() {
                line.push_str(&format!("; only if {}", st.conditions.join(" and ")));
            }
            writeln!(w, "{line}")?;
        }
        super::explain::write_text(&s.explanation, catalog, w)?;
    }
    for r in &e.review {
        writeln!(w, "needs review: {r}")?;
    }
    Ok(())
}

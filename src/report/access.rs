//! A principal's access by service and access level: the summary `iamdiff effective`
//! shows by default (issue 12 item 9), computed from the grants the effective report
//! already holds. Each service counts its distinct actions per access level (List, Read,
//! Tagging, Write, Permissions management, from the catalog) and how many of them are
//! allowed only under conditions; actions outside the catalog are counted apart.
//!
//! The JSON lists every service; the table and Markdown group the many alike services (a
//! read-only policy touches hundreds) into a few rows, so a principal takes a screen, not
//! thousands of lines.

use serde::Serialize;
use std::collections::BTreeMap;

use crate::catalog::{AccessLevel, Catalog};
use crate::eval::actions::ActionMatch;
use crate::eval::effective::{Grant, Status};

/// One service's access.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceAccess {
    pub service: String,
    /// Distinct actions allowed, per access level (levels with none are left out).
    pub levels: BTreeMap<AccessLevel, usize>,
    /// Of those, allowed only under conditions not decided offline.
    pub conditional: usize,
    /// Every action of the service in the catalog is allowed.
    pub every_action: bool,
    /// Action patterns of this service that the catalog does not know.
    #[serde(skip_serializing_if = "is_zero")]
    pub uncataloged: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl ServiceAccess {
    pub fn total(&self) -> usize {
        self.levels.values().sum::<usize>() + self.uncataloged
    }

    /// The highest level it allows.
    pub fn top(&self) -> Option<AccessLevel> {
        self.levels.keys().next_back().copied()
    }
}

/// A principal's access, service by service (sorted by service), from its grants and
/// their (possibly `--service`-filtered) action sets.
pub fn of<'a>(
    catalog: &Catalog,
    universe: usize,
    grants: impl Iterator<Item = (&'a Grant, &'a ActionMatch)>,
) -> (Vec<ServiceAccess>, bool) {
    let words = universe.div_ceil(64);
    let mut sure = vec![0u64; words];
    let mut cond = vec![0u64; words];
    let mut unknown: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    let mut any_uncataloged = false;
    for (g, acts) in grants {
        match g.status() {
            Status::Allowed => acts.ids.or_into(&mut sure),
            Status::Conditional => acts.ids.or_into(&mut cond),
        }
        if acts.covers_uncataloged {
            any_uncataloged = true;
        } else {
            for u in &acts.unknown {
                let svc = u.split_once(':').map_or(u.as_str(), |(s, _)| s);
                unknown.entry(svc.to_owned()).or_default().insert(u.clone());
            }
        }
    }
    let mut by: BTreeMap<&str, ServiceAccess> = BTreeMap::new();
    for (wi, (s, c)) in sure.iter().zip(&cond).enumerate() {
        let mut bits = s | c;
        while bits != 0 {
            let b = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let id = wi * 64 + b;
            if id >= universe {
                break;
            }
            let Some(a) = u32::try_from(id).ok().and_then(|id| catalog.action(id)) else {
                continue;
            };
            let e = by
                .entry(a.service.as_str())
                .or_insert_with(|| ServiceAccess {
                    service: a.service.clone(),
                    levels: BTreeMap::new(),
                    conditional: 0,
                    every_action: false,
                    uncataloged: 0,
                });
            *e.levels.entry(a.level).or_default() += 1;
            if s & (1u64 << b) == 0 {
                e.conditional += 1;
            }
        }
    }
    let mut out: Vec<ServiceAccess> = by
        .into_values()
        .map(|mut e| {
            let n: usize = e.levels.values().sum();
            e.every_action = catalog
                .service(&e.service)
                .is_some_and(|s| s.actions.len() == n);
            e
        })
        .collect();
    for (svc, pats) in unknown {
        match out.iter_mut().find(|e| e.service == svc) {
            Some(e) => e.uncataloged += pats.len(),
            None => out.push(ServiceAccess {
                service: svc,
                levels: BTreeMap::new(),
                conditional: 0,
                every_action: false,
                uncataloged: pats.len(),
            }),
        }
    }
    out.sort_by(|a, b| a.service.cmp(&b.service));
    (out, any_uncataloged)
}

/// A row of the summary: one service, or several alike ones together.
pub struct Row {
    /// `s3`, `s3 (all)` (every action), or `312 services with list, read or tagging access
    /// only: a2c, access-analyzer, … (+309 more)`.
    pub label: String,
    pub levels: BTreeMap<AccessLevel, usize>,
    pub conditional: usize,
    pub uncataloged: usize,
}

/// Services listed one by one before the rest of their group is summed in a row.
const LIST_AT_MOST: usize = 12;
/// Names a summed row shows.
const NAMES_SHOWN: usize = 4;

/// The table's rows: services with every action, those with write or permissions
/// access, and those with read-only access (list, read, tagging), each group listed
/// service by service when short and summed in one row when long.
pub fn rows(access: &[ServiceAccess]) -> Vec<Row> {
    let writes = |e: &&ServiceAccess| e.top().is_some_and(|l| l >= AccessLevel::Write);
    let every: Vec<&ServiceAccess> = access.iter().filter(|e| e.every_action).collect();
    let write: Vec<&ServiceAccess> = access
        .iter()
        .filter(|e| !e.every_action)
        .filter(writes)
        .collect();
    let rest: Vec<&ServiceAccess> = access
        .iter()
        .filter(|e| !e.every_action && !writes(e))
        .collect();
    let mut out = Vec::new();
    for (group, what) in [
        (every, "all actions"),
        (write, "write access"),
        (rest, "list, read or tagging access only"),
    ] {
        if group.len() <= LIST_AT_MOST {
            out.extend(group.iter().map(|e| Row {
                label: if e.every_action {
                    format!("{} (all)", e.service)
                } else {
                    e.service.clone()
                },
                levels: e.levels.clone(),
                conditional: e.conditional,
                uncataloged: e.uncataloged,
            }));
            continue;
        }
        let mut levels: BTreeMap<AccessLevel, usize> = BTreeMap::new();
        for e in &group {
            for (l, n) in &e.levels {
                *levels.entry(*l).or_default() += n;
            }
        }
        let names: Vec<&str> = group.iter().map(|e| e.service.as_str()).collect();
        let shown = names.get(..NAMES_SHOWN).unwrap_or(&names).join(", ");
        out.push(Row {
            label: format!(
                "{} services with {what}: {shown}, … (+{} more)",
                group.len(),
                group.len().saturating_sub(NAMES_SHOWN)
            ),
            levels,
            conditional: group.iter().map(|e| e.conditional).sum(),
            uncataloged: group.iter().map(|e| e.uncataloged).sum(),
        });
    }
    out
}

/// The access levels in table order.
pub const LEVELS: [AccessLevel; 5] = [
    AccessLevel::List,
    AccessLevel::Read,
    AccessLevel::Tagging,
    AccessLevel::Write,
    AccessLevel::PermissionsManagement,
];

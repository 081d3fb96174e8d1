//! What action patterns mean: `s3:Get*`, `*`, `NotAction` expanded against the embedded
//! catalog, case-insensitively (and a GCP predefined role, `roles/viewer`, as its
//! permissions). Patterns that match no catalog action are kept as
//! literals and flagged, so a grant for a service the catalog does not know yet is
//! reported rather than lost.

use crate::catalog::{ActionId, Catalog};
use crate::model::ActionClause;

use super::idset::IdSet;
use super::wildcard;

/// The actions an `Action`/`NotAction` clause covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ActionMatch {
    /// Catalog actions covered.
    pub ids: IdSet,
    /// For `Action`: the patterns that match no catalog action (lowercased), which still
    /// cover actions outside the catalog. For `NotAction`: all its patterns, which are the
    /// exceptions among the actions outside the catalog.
    pub unknown: Vec<String>,
    /// `NotAction`: covers every action outside the catalog not named by `unknown`.
    pub covers_uncataloged: bool,
}

impl ActionMatch {
    /// Whether the clause covers `action` (full name, any case), catalog or not.
    pub fn covers_name(&self, catalog: &Catalog, action: &str) -> bool {
        match catalog.lookup(action) {
            Some(id) => self.ids.contains(id),
            None => {
                let named = self
                    .unknown
                    .iter()
                    .any(|p| wildcard::matches_ignore_ascii_case(p, action));
                named != self.covers_uncataloged
            }
        }
    }
}

/// Catalog actions matching one pattern, ascending. Uses the service's contiguous range
/// when the service part is literal.
pub fn expand_pattern(catalog: &Catalog, pattern: &str) -> Vec<ActionId> {
    // a GCP predefined role stands for its permissions
    if let Some(ids) = catalog.role_actions(pattern) {
        return ids.to_vec();
    }
    let lower = pattern.to_ascii_lowercase();
    if lower.chars().all(|c| c == '*') {
        let n = ActionId::try_from(catalog.actions().len()).unwrap_or(ActionId::MAX);
        return (0..n).collect();
    }
    let range = match lower.split_once(':') {
        Some((svc, _)) if !svc.contains(['*', '?']) => match catalog.service(svc) {
            Some(s) => s.actions.clone(),
            None => return Vec::new(),
        },
        _ => 0..ActionId::try_from(catalog.actions().len()).unwrap_or(ActionId::MAX),
    };
    if !lower.contains(['*', '?']) {
        return catalog.lookup(&lower).into_iter().collect();
    }
    range
        .filter(|&id| {
            catalog
                .lower_name(id)
                .is_some_and(|n| wildcard::matches(&lower, n))
        })
        .collect()
}

/// Expands a whole clause.
pub fn expand_clause(catalog: &Catalog, clause: &ActionClause) -> ActionMatch {
    let (patterns, negated) = match clause {
        ActionClause::Action(p) => (p, false),
        ActionClause::NotAction(p) => (p, true),
    };
    let mut ids = Vec::new();
    let mut unknown = Vec::new();
    for p in patterns {
        let found = expand_pattern(catalog, p);
        if found.is_empty() {
            unknown.push(p.to_ascii_lowercase());
        }
        ids.extend(found);
    }
    let set = IdSet::from_ids(ids).compact(catalog.actions().len());
    if negated {
        // NotAction covers everything else, including actions unknown to the catalog
        // (except those its own patterns name).
        let mut named: Vec<String> = patterns.iter().map(|p| p.to_ascii_lowercase()).collect();
        named.sort();
        named.dedup();
        ActionMatch {
            ids: set.complement(),
            unknown: named,
            covers_uncataloged: true,
        }
    } else {
        unknown.sort();
        unknown.dedup();
        ActionMatch {
            ids: set,
            unknown,
            covers_uncataloged: false,
        }
    }
}

impl ActionMatch {
    /// Covers no action at all, in or out of the catalog.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty() && self.unknown.is_empty() && !self.covers_uncataloged
    }

    /// Whether this clause covers the uncataloged action (or pattern) written `text`.
    fn covers_text(&self, text: &str) -> bool {
        let named = self
            .unknown
            .iter()
            .any(|p| wildcard::matches_ignore_ascii_case(p, text));
        named != self.covers_uncataloged
    }

    fn literals(mut v: Vec<String>, cu: bool, ids: IdSet) -> ActionMatch {
        v.sort();
        v.dedup();
        ActionMatch {
            ids,
            unknown: v,
            covers_uncataloged: cu,
        }
    }

    pub fn intersect(&self, other: &ActionMatch) -> ActionMatch {
        let ids = self.ids.intersect(&other.ids);
        let keep = |from: &ActionMatch, by: &ActionMatch| {
            from.unknown
                .iter()
                .filter(|l| by.covers_text(l))
                .cloned()
                .collect::<Vec<_>>()
        };
        match (self.covers_uncataloged, other.covers_uncataloged) {
            (false, false) => {
                let mut v = keep(self, other);
                v.extend(keep(other, self));
                Self::literals(v, false, ids)
            }
            (false, true) => Self::literals(keep(self, other), false, ids),
            (true, false) => Self::literals(keep(other, self), false, ids),
            (true, true) => {
                let mut v = self.unknown.clone();
                v.extend(other.unknown.iter().cloned());
                Self::literals(v, true, ids)
            }
        }
    }

    pub fn minus(&self, other: &ActionMatch) -> ActionMatch {
        let ids = self.ids.minus(&other.ids);
        match (self.covers_uncataloged, other.covers_uncataloged) {
            (false, _) => {
                let v = self
                    .unknown
                    .iter()
                    .filter(|l| !other.covers_text(l))
                    .cloned()
                    .collect();
                Self::literals(v, false, ids)
            }
            (true, false) => {
                let mut v = self.unknown.clone();
                v.extend(other.unknown.iter().cloned());
                Self::literals(v, true, ids)
            }
            (true, true) => {
                let v = other
                    .unknown
                    .iter()
                    .filter(|l| self.covers_text(l))
                    .cloned()
                    .collect();
                Self::literals(v, false, ids)
            }
        }
    }

    pub fn intersects(&self, other: &ActionMatch, universe: usize) -> bool {
        self.ids.intersects(&other.ids, universe)
            || (self.covers_uncataloged && other.covers_uncataloged)
            || self
                .unknown
                .iter()
                .any(|l| !self.covers_uncataloged && other.covers_text(l))
            || other
                .unknown
                .iter()
                .any(|l| !other.covers_uncataloged && self.covers_text(l))
    }
}

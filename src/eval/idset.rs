//! Sets of catalog action ids, stored as a sorted list or as the complement of one.
//! `NotAction` and `*` make huge sets; storing their complement keeps every set small
//! and every operation a linear merge.

use crate::catalog::ActionId;

/// `ids` when `negated` is false; every action of the universe except `ids` otherwise.
/// `ids` is sorted and free of duplicates.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct IdSet {
    negated: bool,
    ids: Vec<ActionId>,
}

impl IdSet {
    pub fn empty() -> Self {
        IdSet {
            negated: false,
            ids: Vec::new(),
        }
    }

    pub fn all() -> Self {
        IdSet {
            negated: true,
            ids: Vec::new(),
        }
    }

    /// From any list of ids (sorted and deduplicated here).
    pub fn from_ids(mut ids: Vec<ActionId>) -> Self {
        ids.sort_unstable();
        ids.dedup();
        IdSet {
            negated: false,
            ids,
        }
    }

    /// The smaller of the two representations: a set holding most of the universe is
    /// kept as the complement of the few it lacks (keeps `*` and its variants small).
    pub fn compact(self, universe: usize) -> IdSet {
        if !self.negated && self.ids.len() > universe / 2 {
            let top = ActionId::try_from(universe).unwrap_or(ActionId::MAX);
            let missing = (0..top)
                .filter(|i| self.ids.binary_search(i).is_err())
                .collect();
            IdSet {
                negated: true,
                ids: missing,
            }
        } else {
            self
        }
    }

    /// For a complement (`*`, `NotAction`), the ids it leaves out.
    pub fn excluded(&self) -> Option<&[ActionId]> {
        self.negated.then_some(self.ids.as_slice())
    }

    /// For a plain set (not a complement), its ids, ascending.
    pub fn included(&self) -> Option<&[ActionId]> {
        (!self.negated).then_some(self.ids.as_slice())
    }

    pub fn is_empty(&self) -> bool {
        !self.negated && self.ids.is_empty()
    }

    /// True when the set is the whole universe of `universe` actions.
    pub fn is_all(&self, universe: usize) -> bool {
        if self.negated {
            self.ids.is_empty()
        } else {
            self.ids.len() == universe
        }
    }

    pub fn contains(&self, id: ActionId) -> bool {
        self.ids.binary_search(&id).is_ok() != self.negated
    }

    pub fn len(&self, universe: usize) -> usize {
        if self.negated {
            universe.saturating_sub(self.ids.len())
        } else {
            self.ids.len()
        }
    }

    pub fn complement(&self) -> Self {
        IdSet {
            negated: !self.negated,
            ids: self.ids.clone(),
        }
    }

    pub fn union(&self, other: &Self) -> Self {
        match (self.negated, other.negated) {
            (false, false) => IdSet {
                negated: false,
                ids: merge_union(&self.ids, &other.ids),
            },
            // ¬a ∪ ¬b = ¬(a ∩ b)
            (true, true) => IdSet {
                negated: true,
                ids: merge_intersect(&self.ids, &other.ids),
            },
            // a ∪ ¬b = ¬(b − a)
            (false, true) => IdSet {
                negated: true,
                ids: merge_minus(&other.ids, &self.ids),
            },
            (true, false) => IdSet {
                negated: true,
                ids: merge_minus(&self.ids, &other.ids),
            },
        }
    }

    pub fn intersect(&self, other: &Self) -> Self {
        match (self.negated, other.negated) {
            (false, false) => IdSet {
                negated: false,
                ids: merge_intersect(&self.ids, &other.ids),
            },
            // ¬a ∩ ¬b = ¬(a ∪ b)
            (true, true) => IdSet {
                negated: true,
                ids: merge_union(&self.ids, &other.ids),
            },
            // a ∩ ¬b = a − b
            (false, true) => IdSet {
                negated: false,
                ids: merge_minus(&self.ids, &other.ids),
            },
            (true, false) => IdSet {
                negated: false,
                ids: merge_minus(&other.ids, &self.ids),
            },
        }
    }

    pub fn minus(&self, other: &Self) -> Self {
        self.intersect(&other.complement())
    }

    /// Whether the two sets share an element, without building the intersection.
    pub fn intersects(&self, other: &Self, universe: usize) -> bool {
        match (self.negated, other.negated) {
            (false, false) => sorted_intersects(&self.ids, &other.ids),
            (false, true) => self.ids.iter().any(|i| other.ids.binary_search(i).is_err()),
            (true, false) => other.ids.iter().any(|i| self.ids.binary_search(i).is_err()),
            // two complements meet unless together they exclude everything:
            // |A ∪ B| = |A| + |B| − |A ∩ B| < universe
            (true, true) => {
                self.ids.len() + other.ids.len() - intersect_count(&self.ids, &other.ids) < universe
            }
        }
    }

    /// Sets the bits of this set's ids in `bits` (one bit per action of the universe).
    pub fn or_into(&self, bits: &mut [u64]) {
        if self.negated {
            // every bit but the excluded ids, word by word, without a temporary mask
            let mut excluded = self.ids.iter().peekable();
            for (wi, b) in bits.iter_mut().enumerate() {
                let mut m = u64::MAX;
                while let Some(&&i) = excluded.peek() {
                    if i as usize / 64 != wi {
                        break;
                    }
                    m &= !(1u64 << (i % 64));
                    excluded.next();
                }
                *b |= m;
            }
        } else {
            for &i in &self.ids {
                if let Some(w) = bits.get_mut(i as usize / 64) {
                    *w |= 1u64 << (i % 64);
                }
            }
        }
    }

    /// The ids in ascending order, given the universe size.
    pub fn iter(&self, universe: usize) -> Box<dyn Iterator<Item = ActionId> + '_> {
        if self.negated {
            // walk the universe and the sorted exclusions together
            let top = ActionId::try_from(universe).unwrap_or(ActionId::MAX);
            let mut excluded = self.ids.iter().copied().peekable();
            Box::new((0..top).filter(move |&i| {
                while excluded.peek().is_some_and(|&e| e < i) {
                    excluded.next();
                }
                excluded.peek() != Some(&i)
            }))
        } else {
            Box::new(self.ids.iter().copied())
        }
    }
}

fn merge_union(a: &[ActionId], b: &[ActionId]) -> Vec<ActionId> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while let (Some(&x), Some(&y)) = (a.get(i), b.get(j)) {
        if x < y {
            out.push(x);
            i += 1;
        } else if y < x {
            out.push(y);
            j += 1;
        } else {
            out.push(x);
            i += 1;
            j += 1;
        }
    }
    out.extend_from_slice(a.get(i..).unwrap_or_default());
    out.extend_from_slice(b.get(j..).unwrap_or_default());
    out
}

fn merge_intersect(a: &[ActionId], b: &[ActionId]) -> Vec<ActionId> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while let (Some(&x), Some(&y)) = (a.get(i), b.get(j)) {
        if x < y {
            i += 1;
        } else if y < x {
            j += 1;
        } else {
            out.push(x);
            i += 1;
            j += 1;
        }
    }
    out
}

fn merge_minus(a: &[ActionId], b: &[ActionId]) -> Vec<ActionId> {
    let mut out = Vec::with_capacity(a.len());
    let mut j = 0;
    for &x in a {
        while b.get(j).is_some_and(|&y| y < x) {
            j += 1;
        }
        if b.get(j) != Some(&x) {
            out.push(x);
        }
    }
    out
}

fn intersect_count(a: &[ActionId], b: &[ActionId]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while let (Some(&x), Some(&y)) = (a.get(i), b.get(j)) {
        if x < y {
            i += 1;
        } else if y < x {
            j += 1;
        } else {
            n += 1;
            i += 1;
            j += 1;
        }
    }
    n
}

fn sorted_intersects(a: &[ActionId], b: &[ActionId]) -> bool {
    let (mut i, mut j) = (0, 0);
    while let (Some(&x), Some(&y)) = (a.get(i), b.get(j)) {
        if x < y {
            i += 1;
        } else if y < x {
            j += 1;
        } else {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    const U: usize = 40;

    fn model(s: &IdSet) -> BTreeSet<ActionId> {
        s.iter(U).collect()
    }

    fn arb_set() -> impl Strategy<Value = IdSet> {
        (
            any::<bool>(),
            proptest::collection::vec(0u32..U as u32, 0..12),
        )
            .prop_map(|(neg, ids)| {
                let s = IdSet::from_ids(ids);
                if neg { s.complement() } else { s }
            })
    }

    proptest! {
        #[test]
        fn algebra_matches_sets(a in arb_set(), b in arb_set()) {
            let (ma, mb) = (model(&a), model(&b));
            prop_assert_eq!(model(&a.union(&b)), &ma | &mb);
            prop_assert_eq!(model(&a.intersect(&b)), &ma & &mb);
            prop_assert_eq!(model(&a.minus(&b)), &ma - &mb);
            prop_assert_eq!(a.intersects(&b, U), !(&ma & &mb).is_empty());
            prop_assert_eq!(a.len(U), ma.len());
            for i in 0..U as u32 {
                prop_assert_eq!(a.contains(i), ma.contains(&i));
            }
        }
    }

    #[test]
    fn all_and_empty() {
        assert!(IdSet::all().is_all(U));
        assert!(IdSet::empty().is_empty());
        assert!(IdSet::all().minus(&IdSet::all()).iter(U).next().is_none());
    }
}

//! Exact set operations on resources described by IAM patterns, for the diff.
//!
//! The diff must say *exactly* whether the resources a principal could reach before a
//! migration are all still reachable after it, and when they are not ("narrowed"
//! access) show one ARN that was lost. Patterns made of literals, `*` and `?` describe
//! regular languages, so inclusion is decidable, and this module decides it: a wrong
//! "no loss" would hide a broken migration, a wrong "loss" would bury the real ones.
//!
//! How: each distinct pattern is compiled to a tiny NFA whose states are pattern
//! positions (a bitset; `*` is a self-loop). The product of all of them is explored
//! breadth-first, on the fly, so the first accepting state gives a *shortest* witness.
//! A product state is accepting when the boolean expression over the leaves' acceptance
//! holds, so unions, intersections, complements (`NotResource`) and deny subtraction
//! need nothing special. Characters are partitioned into the literal characters of the
//! patterns and one class for all others; in each state only the literals the leaves
//! can consume next are distinct moves, everything else behaves like the "other" class.
//! The other class is written as a readable character that is literal nowhere in the
//! question (`x`, `z`, `q`, `0`, `-`, in that order), so witnesses look like real ARNs.
//!
//! Exploration is bounded by a [`Budget`]; past it the answer is
//! [`LangError::TooComplex`], which the caller reports as "needs review", never a guess.
//!
//! Most questions never reach the product, because the diff asks them by the thousand.
//! Patterns are interned once per question. The expression is simplified (constants,
//! `X ∩ ¬X`, `*` is everything, a literal ARN is decided by plain matching) and split
//! into one disjunct per allowed pattern (its *anchor*). Inside a disjunct every other
//! pattern is settled against the anchor when a cheap *sound* test decides it: literal
//! prefixes or suffixes that clash (disjoint), an `L1*L2` pattern whose ends the anchor
//! extends (exactly inside), syntactic inclusion (inside). The anchor's shortest member
//! is then tried directly; only what is left goes to the product, started after the
//! anchor's literal prefix (every member reads it first) and bounded by the best
//! witness so far. The property tests check every fast path against the plain product
//! and against brute force.
//!
//! Witnesses are exact, so they can look bare: the shortest ARN in `arn:aws:s3:::b/*`
//! but not in `arn:aws:s3:::b/reports/*` is `arn:aws:s3:::b/` itself.

use super::wildcard::{Pattern, Token};
use rustc_hash::{FxHashMap, FxHasher};
use std::cell::{Cell, OnceCell};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

/// A set of resource strings, as a boolean combination of IAM patterns.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SetExpr {
    /// No string.
    Empty,
    /// Every string.
    All,
    /// The strings an IAM pattern matches (case-sensitive).
    Pat(Pattern),
    /// Strings in any of the sets (`Empty` when there are none).
    Union(Vec<SetExpr>),
    /// Strings in all of the sets (`All` when there are none).
    Inter(Vec<SetExpr>),
    /// Strings not in the set, as `NotResource` grants.
    Not(Box<SetExpr>),
    /// The strings of a set built once and held by many expressions (an organization's
    /// 1,500 gated ARNs in every grant's exceptions, issue 8): a clone is one count, and
    /// a question builds it once however often it appears.
    Shared(std::sync::Arc<SetExpr>),
}

impl SetExpr {
    /// The set an IAM pattern matches, parsed from its raw text (no policy variables).
    pub fn pat(raw: &str) -> SetExpr {
        SetExpr::Pat(Pattern::parse(raw))
    }

    /// The union of the sets.
    pub fn union(items: impl IntoIterator<Item = SetExpr>) -> SetExpr {
        SetExpr::Union(items.into_iter().collect())
    }

    /// The intersection of the sets.
    pub fn inter(items: impl IntoIterator<Item = SetExpr>) -> SetExpr {
        SetExpr::Inter(items.into_iter().collect())
    }

    /// The complement of a set (`!e` says the same).
    #[expect(
        clippy::should_implement_trait,
        reason = "a constructor beside `union` and `inter`; `std::ops::Not` is implemented too"
    )]
    pub fn not(e: SetExpr) -> SetExpr {
        SetExpr::Not(Box::new(e))
    }

    /// `a \ b`: what `a` allows and `b` does not (allows minus denies).
    pub fn minus(a: SetExpr, b: SetExpr) -> SetExpr {
        SetExpr::Inter(vec![a, SetExpr::not(b)])
    }

    /// Is `text` in the set? Direct matching, no automaton.
    pub fn contains(&self, text: &str) -> bool {
        match self {
            SetExpr::Empty => false,
            SetExpr::All => true,
            SetExpr::Pat(p) => p.matches(text),
            SetExpr::Union(xs) => xs.iter().any(|x| x.contains(text)),
            SetExpr::Inter(xs) => xs.iter().all(|x| x.contains(text)),
            SetExpr::Not(x) => !x.contains(text),
            SetExpr::Shared(x) => x.contains(text),
        }
    }
}

impl std::ops::Not for SetExpr {
    type Output = SetExpr;

    fn not(self) -> SetExpr {
        SetExpr::Not(Box::new(self))
    }
}

impl From<Pattern> for SetExpr {
    fn from(p: Pattern) -> SetExpr {
        SetExpr::Pat(p)
    }
}

/// Why a question could not be answered exactly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LangError {
    /// The product automaton grew past the [`Budget`]'s state count.
    #[error(
        "resource patterns too complex to compare exactly: gave up after {states} automaton states"
    )]
    TooComplex {
        /// States explored when exploration stopped.
        states: usize,
    },
    /// The product automaton's stored states grew past the [`Budget`]'s bytes.
    #[error(
        "resource patterns too complex to compare exactly: gave up after {bytes} bytes of automaton states"
    )]
    TooLarge {
        /// Bytes the stored states would have taken.
        bytes: usize,
    },
    /// The question (or the series of questions sharing the [`Budget`]) used up its work.
    #[error("resource patterns too complex to compare exactly: gave up after {work} units of work")]
    TooSlow {
        /// Work units spent when exploration stopped (one unit: a 64-bit word of automaton
        /// state or a pattern position visited).
        work: u64,
    },
}

/// How much one question, and a series of questions, may use. The units are counted,
/// never timed, so an answer never depends on the machine (docs/budgets.md).
///
/// The series allowance (`max_total_work`) is consumed by every question asked with the
/// same value: give each independent series (the diff gives one per principal) its own,
/// with [`Budget::fresh`], so that answers do not depend on the order of other work.
#[derive(Debug)]
pub struct Budget {
    /// Distinct product states explored, over all the parts of one question.
    pub max_states: usize,
    /// Bytes of stored product states (states × state width), over one search.
    pub max_state_bytes: usize,
    /// Work units of one question: automaton words stepped, pattern positions compared.
    pub max_work: u64,
    /// Work units of every question asked with this value together.
    pub max_total_work: u64,
    /// Work spent so far by the questions asked with this value.
    spent: AtomicU64,
}

/// Work units a whole series of series may spend together (see [`Budget::shared_by`]):
/// about two seconds of one core.
pub const SHARED_WORK: u64 = 2_000_000_000;

/// The least a series gets however many share [`SHARED_WORK`]: far beyond what real
/// policies need (the benchmarks' questions use a few thousand units).
pub const MIN_SERIES_WORK: u64 = 8_000_000;

impl Default for Budget {
    /// 200 000 states, 64 MiB of states, 40 M work units a question and 160 M for a
    /// series: tens of milliseconds to a few hundred at worst, and far beyond real
    /// policies (the benchmarks' questions use a few thousand units).
    fn default() -> Self {
        Budget {
            max_states: 200_000,
            max_state_bytes: 64 << 20,
            max_work: 40_000_000,
            max_total_work: 160_000_000,
            spent: AtomicU64::new(0),
        }
    }
}

impl Budget {
    /// Other limits than the default ones, nothing spent (tests, benchmarks, figures).
    pub fn new(
        max_states: usize,
        max_state_bytes: usize,
        max_work: u64,
        max_total_work: u64,
    ) -> Budget {
        Budget {
            max_states,
            max_state_bytes,
            max_work,
            max_total_work,
            spent: AtomicU64::new(0),
        }
    }

    /// The same limits with nothing spent: the allowance of a new series.
    /// The allowance of each of `n` independent series that together may spend at most
    /// [`SHARED_WORK`] units: each gets its share, never less than [`MIN_SERIES_WORK`] nor
    /// more than this budget's own series allowance. Decided from `n` alone, so answers
    /// do not depend on threads or order; it bounds a whole diff of many principals whose
    /// policies are hostile, not only each principal (issue 7).
    pub fn shared_by(&self, n: usize) -> Budget {
        let n = u64::try_from(n.max(1)).unwrap_or(u64::MAX);
        let total = (SHARED_WORK / n).clamp(
            MIN_SERIES_WORK.min(self.max_total_work),
            self.max_total_work,
        );
        Budget {
            max_states: self.max_states,
            max_state_bytes: self.max_state_bytes,
            max_work: self.max_work.min(total),
            max_total_work: total,
            spent: AtomicU64::new(0),
        }
    }

    pub fn fresh(&self) -> Budget {
        Budget {
            max_states: self.max_states,
            max_state_bytes: self.max_state_bytes,
            max_work: self.max_work,
            max_total_work: self.max_total_work,
            spent: AtomicU64::new(0),
        }
    }

    /// Work units spent so far by the questions asked with this value.
    pub fn spent(&self) -> u64 {
        self.spent.load(Ordering::Relaxed)
    }

    /// The meter of one question: the least of its own allowance and what the series
    /// has left.
    fn meter(&self) -> Meter {
        let left = self.max_total_work.saturating_sub(self.spent());
        Meter {
            used: Cell::new(0),
            limit: self.max_work.min(left),
            base: self.spent(),
            over: Cell::new(false),
        }
    }

    /// Books a question's work against the series.
    fn book(&self, meter: &Meter) {
        self.spent.fetch_add(meter.used.get(), Ordering::Relaxed);
    }
}

/// Work counted during one question. What it books never exceeds its limit, so a
/// series never spends more than its allowance.
#[derive(Debug)]
struct Meter {
    used: Cell<u64>,
    limit: u64,
    /// What the series had spent before the question (for the error's figure).
    base: u64,
    /// A charge did not fit: the question cannot be answered exactly.
    over: Cell<bool>,
}

impl Meter {
    /// Counts `units`; false (and nothing more counted) once they do not fit.
    fn charge(&self, units: u64) -> bool {
        let used = self.used.get().saturating_add(units);
        if used > self.limit || self.over.get() {
            self.over.set(true);
            self.used.set(self.limit);
            return false;
        }
        self.used.set(used);
        true
    }

    fn exhausted(&self) -> bool {
        self.over.get()
    }

    fn error(&self) -> LangError {
        LangError::TooSlow {
            work: self.base.saturating_add(self.used.get()),
        }
    }
}

/// A shortest string in `a \ b` (None when `a ⊆ b`). Among strings of that length the
/// choice is deterministic and favours the patterns' own characters, with the "other"
/// character (`x` unless a pattern uses it) wherever any character will do.
pub fn witness_in_difference(
    a: &SetExpr,
    b: &SetExpr,
    budget: &Budget,
) -> Result<Option<String>, LangError> {
    if a == b {
        return Ok(None);
    }
    Question::difference(a, b, budget).answer(Mode::Shortest, budget)
}

/// [`witness_in_difference`] of `a` and `b` asked as the union of `parts`, each a pair
/// `(aᵢ, bᵢ)` whose difference is a piece of `a \ b`: the caller guarantees that the
/// `aᵢ` together are `a` and that `aᵢ \ bᵢ = aᵢ \ b` (issue 8: `bᵢ` is `b` without the
/// exceptions that `aᵢ` subtracts too, which then cannot tell the two apart on `aᵢ`; a
/// shared list of 1,500 gated ARNs, or an RCP's account list, no longer makes one
/// disjunct per pattern). The set asked about is the same, so the answer is too (a
/// shortest member; which of equally short ones may differ where a `bᵢ` narrows a list);
/// the patterns of `a` and `b` are interned first, as [`witness_in_difference`] does, so
/// the character written for "any other" and the order of the leaves stay the same.
pub fn witness_in_difference_parts(
    a: &SetExpr,
    b: &SetExpr,
    parts: &[(SetExpr, SetExpr)],
    budget: &Budget,
) -> Result<Option<String>, LangError> {
    if a == b {
        return Ok(None);
    }
    let mut q = Question::empty(budget.meter());
    let _ = (q.build(a), q.build(b));
    let raw = Node::Or(
        parts
            .iter()
            .map(|(x, y)| Node::And(vec![q.build(x), Node::Not(Box::new(q.build(y)))]))
            .collect(),
    );
    q.root = q.reduce(&raw, &mut |_| None);
    q.answer(Mode::Shortest, budget)
}

/// Is every string of `a` in `b`?
pub fn is_subset(a: &SetExpr, b: &SetExpr, budget: &Budget) -> Result<bool, LangError> {
    if a == b || matches!(b, SetExpr::All) || matches!(a, SetExpr::Empty) {
        return Ok(true);
    }
    if literal_outside(a, b) {
        return Ok(false);
    }
    let found = Question::difference(a, b, budget).answer(Mode::Any, budget)?;
    Ok(found.is_none())
}

/// Literal patterns of each set that [`literal_outside`] tries.
const LITERAL_PROBES: usize = 8;

/// Whether one of the first literal patterns of `a` or `b` is a string of `a` outside
/// `b`, which settles `a ⊄ b` by plain matching: "every resource but an organization's
/// gated ARNs" misses the first of them, where the search builds a product of 2,000
/// automata to show it (issue 9).
fn literal_outside(a: &SetExpr, b: &SetExpr) -> bool {
    fn literals<'e>(e: &'e SetExpr, limit: usize, out: &mut Vec<&'e str>) {
        match e {
            SetExpr::Empty | SetExpr::All => {}
            SetExpr::Pat(p) => {
                if let Some(t) = p.as_literal()
                    && out.len() < limit
                    && !out.contains(&t)
                {
                    out.push(t);
                }
            }
            SetExpr::Union(v) | SetExpr::Inter(v) => {
                for x in v {
                    if out.len() >= limit {
                        return;
                    }
                    literals(x, limit, out);
                }
            }
            SetExpr::Not(x) => literals(x, limit, out),
            SetExpr::Shared(x) => literals(x, limit, out),
        }
    }
    let mut probes = Vec::new();
    literals(a, LITERAL_PROBES, &mut probes);
    literals(b, probes.len() + LITERAL_PROBES, &mut probes);
    probes.iter().any(|t| a.contains(t) && !b.contains(t))
}

/// A shortest string in `a` (None when `a` is empty).
pub fn sample(a: &SetExpr, budget: &Budget) -> Result<Option<String>, LangError> {
    Question::of(a, budget).answer(Mode::Shortest, budget)
}

/// Is `a` the empty set?
pub fn is_empty(a: &SetExpr, budget: &Budget) -> Result<bool, LangError> {
    Ok(Question::of(a, budget).answer(Mode::Any, budget)?.is_none())
}

/// Whether the caller needs the shortest member or just any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Shortest,
    Any,
}

/// More disjuncts than this and the expression is explored whole: splitting would cost
/// more than it saves. A union of many patterns against the rest (one principal's
/// thousands of resources) splits into one disjunct per pattern, up to the larger
/// [`MAX_ANCHOR_DISJUNCTS`]: each disjunct is then settled by cheap tests, where the
/// whole expression would be a product of thousands of automata.
const MAX_DISJUNCTS: usize = 256;

/// Disjuncts allowed when each is small (at most [`SMALL_TERM`] conjuncts); the work
/// of settling them is counted by the [`Budget`].
const MAX_ANCHOR_DISJUNCTS: usize = 1 << 14;

/// Conjuncts of a disjunct that counts as small.
const SMALL_TERM: usize = 4;

/// Cells (positions × positions) one syntactic inclusion test may use before it says
/// "not shown" (a sound answer: the question then goes to the budgeted product).
const MAX_SUBSET_CELLS: u64 = 1 << 22;

/// A set expression over the leaves of a [`Question`] (leaf = index of a distinct
/// pattern), so that rewriting it never copies a pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Node {
    Const(bool),
    Leaf(usize),
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
}

/// One distinct pattern of a question; its atoms are spelled out on first use (a
/// literal decided by plain matching never needs them).
struct QLeaf<'q> {
    pat: &'q Pattern,
    atoms: OnceCell<Vec<Atom>>,
}

/// One question: the distinct patterns and the expression whose members are sought.
struct Question<'q> {
    leaves: Vec<QLeaf<'q>>,
    /// Leaf of each distinct pattern: a pattern hashes as its stored hash, and a clone
    /// compares equal by address, so an organization's gated ARNs in every grant are
    /// interned without reading their text.
    index: FxHashMap<&'q Pattern, usize>,
    /// The nodes of the [`SetExpr::Shared`] sets built so far, by address.
    built: FxHashMap<*const SetExpr, Node>,
    root: Node,
    other: OnceCell<Option<char>>,
    /// Work counted so far; past its limit the simplifications stop deduplicating (they
    /// stay linear) and the search answers [`LangError::TooSlow`].
    meter: Meter,
}

/// One disjunct of a question: the members of all `anchors` that satisfy `rest`.
struct Part {
    anchors: Vec<usize>,
    /// Free of the anchors, with every leaf the anchors settle replaced by a constant.
    rest: Node,
    /// No member is shorter than this (the longest anchor minimum).
    min_len: usize,
}

impl<'q> Question<'q> {
    fn empty(meter: Meter) -> Question<'q> {
        Question {
            leaves: Vec::new(),
            index: FxHashMap::default(),
            built: FxHashMap::default(),
            root: Node::Const(false),
            other: OnceCell::new(),
            meter,
        }
    }

    /// The members of `e`.
    fn of(e: &'q SetExpr, budget: &Budget) -> Question<'q> {
        let mut q = Question::empty(budget.meter());
        let raw = q.build(e);
        q.root = q.reduce(&raw, &mut |_| None);
        q
    }

    /// The members of `a` that are not in `b`.
    fn difference(a: &'q SetExpr, b: &'q SetExpr, budget: &Budget) -> Question<'q> {
        let mut q = Question::empty(budget.meter());
        let (na, nb) = (q.build(a), q.build(b));
        q.root = q.reduce(&Node::And(vec![na, Node::Not(Box::new(nb))]), &mut |_| None);
        q
    }

    /// [`Question::search`], its work booked against the budget's series.
    fn answer(&self, mode: Mode, budget: &Budget) -> Result<Option<String>, LangError> {
        let found = self.search(mode, budget);
        budget.book(&self.meter);
        found
    }

    /// `x` added to `out` unless already there; past the budget, added as is (the
    /// deduplication is a simplification, not needed for a right answer).
    fn push_unique(&self, out: &mut Unique, x: Node) {
        if out.contains(&x, &self.meter) {
            return;
        }
        out.nodes.push(x);
    }

    /// `X` and `¬X` both in `xs` (past the budget: not looked for).
    fn has_complement_pair(&self, xs: &mut Unique) -> bool {
        xs.has_complement_pair(&self.meter)
    }

    /// `e` as a node, leaves interned in first-seen order (so `a`'s patterns lead).
    fn build(&mut self, e: &'q SetExpr) -> Node {
        match e {
            SetExpr::Empty => Node::Const(false),
            SetExpr::All => Node::Const(true),
            SetExpr::Pat(p) => {
                let i = match self.index.get(p) {
                    Some(&i) => i,
                    None => {
                        self.leaves.push(QLeaf {
                            pat: p,
                            atoms: OnceCell::new(),
                        });
                        let i = self.leaves.len() - 1;
                        self.index.insert(p, i);
                        i
                    }
                };
                Node::Leaf(i)
            }
            SetExpr::Union(xs) => {
                // room for the members' patterns at once (a 2,000-pattern union grew its
                // tables a dozen times)
                self.index.reserve(xs.len());
                Node::Or(xs.iter().map(|x| self.build(x)).collect())
            }
            SetExpr::Inter(xs) => Node::And(xs.iter().map(|x| self.build(x)).collect()),
            SetExpr::Not(x) => Node::Not(Box::new(self.build(x))),
            SetExpr::Shared(x) => {
                let key = std::sync::Arc::as_ptr(x);
                if let Some(n) = self.built.get(&key) {
                    return n.clone();
                }
                let n = self.build(x);
                self.built.insert(key, n.clone());
                n
            }
        }
    }

    fn pat(&self, i: usize) -> Option<&'q Pattern> {
        self.leaves.get(i).map(|l| l.pat)
    }

    fn atoms(&self, i: usize) -> &[Atom] {
        self.leaves
            .get(i)
            .map_or(&[], |l| l.atoms.get_or_init(|| atoms(l.pat)))
    }

    fn literal(&self, i: usize) -> Option<&'q str> {
        self.pat(i).and_then(Pattern::as_literal)
    }

    /// The character written for the "other" class: literal in no pattern of the question.
    fn other(&self) -> Option<char> {
        *self.other.get_or_init(|| {
            // one pass over the literals, not one per candidate (a hostile question can
            // use thousands of distinct characters)
            let mut used = rustc_hash::FxHashSet::default();
            for l in &self.leaves {
                for t in l.pat.tokens() {
                    if let Token::Lit(s) = t {
                        used.extend(s.chars());
                    }
                }
            }
            pick_other(|c| used.contains(&c))
        })
    }

    /// Is `text` in the set `n`? Direct matching.
    fn matches(&self, n: &Node, text: &str) -> bool {
        match n {
            Node::Const(b) => *b,
            Node::Leaf(i) => self.pat(*i).is_some_and(|p| p.matches(text)),
            Node::And(xs) => xs.iter().all(|x| self.matches(x, text)),
            Node::Or(xs) => xs.iter().any(|x| self.matches(x, text)),
            Node::Not(x) => !self.matches(x, text),
        }
    }

    fn each_leaf(&self, n: &Node, f: &mut impl FnMut(usize)) {
        match n {
            Node::Const(_) => {}
            Node::Leaf(i) => f(*i),
            Node::And(xs) | Node::Or(xs) => xs.iter().for_each(|x| self.each_leaf(x, f)),
            Node::Not(x) => self.each_leaf(x, f),
        }
    }

    /// `n` with the leaves `settle` decides replaced by constants, in the normal form
    /// the fast paths need: constants folded, nested unions and intersections flattened
    /// and deduplicated, `X ∪ ¬X = All`, `X ∩ ¬X = Empty`, double negation removed, `*`
    /// is `All`, and an intersection with a literal decided by matching that literal.
    /// Built from a reference so that what folds to a constant allocates nothing, and
    /// short-circuiting so that `settle` is asked only about leaves that still matter.
    fn reduce(&self, n: &Node, settle: &mut impl FnMut(usize) -> Option<bool>) -> Node {
        match n {
            Node::Const(_) => n.clone(),
            Node::Leaf(i) => match settle(*i) {
                Some(b) => Node::Const(b),
                None if self.pat(*i).is_some_and(Pattern::is_match_all) => Node::Const(true),
                None => Node::Leaf(*i),
            },
            Node::Not(x) => match self.reduce(x, settle) {
                Node::Const(b) => Node::Const(!b),
                Node::Not(y) => *y,
                other => Node::Not(Box::new(other)),
            },
            Node::Or(xs) => {
                let mut out = Unique::default();
                for x in xs {
                    match self.reduce(x, settle) {
                        Node::Const(false) => {}
                        Node::Const(true) => return Node::Const(true),
                        Node::Or(ys) => ys.into_iter().for_each(|y| self.push_unique(&mut out, y)),
                        other => self.push_unique(&mut out, other),
                    }
                }
                if self.has_complement_pair(&mut out) {
                    return Node::Const(true);
                }
                collapse(out.nodes, Node::Const(false), Node::Or)
            }
            Node::And(xs) => self.reduce_and(xs.iter(), settle),
        }
    }

    /// [`Question::reduce`] of the intersection of `xs`.
    fn reduce_and<'n>(
        &self,
        xs: impl Iterator<Item = &'n Node>,
        settle: &mut impl FnMut(usize) -> Option<bool>,
    ) -> Node {
        let mut out = Unique::default();
        for x in xs {
            match self.reduce(x, settle) {
                Node::Const(true) => {}
                Node::Const(false) => return Node::Const(false),
                Node::And(ys) => ys.into_iter().for_each(|y| self.push_unique(&mut out, y)),
                other => self.push_unique(&mut out, other),
            }
        }
        if self.has_complement_pair(&mut out) {
            return Node::Const(false);
        }
        let out = out.nodes;
        // A literal conjunct leaves one candidate: match it against the rest.
        let literal = out.iter().find_map(|x| match x {
            Node::Leaf(i) => self.literal(*i).map(|s| (*i, s)),
            _ => None,
        });
        if let Some((i, text)) = literal
            && self
                .meter
                .charge((text.len() as u64 + 1).saturating_mul(out.len() as u64))
        {
            return if out.iter().all(|x| self.matches(x, text)) {
                Node::Leaf(i)
            } else {
                Node::Const(false)
            };
        }
        collapse(out, Node::Const(true), Node::And)
    }

    /// Leaf `j` on the strings of all `anchors`, when a cheap sound test settles it:
    /// false when disjoint from one, true when it contains one. Plain text comparisons
    /// first; the position-by-position tests only when they do not settle it.
    fn decide(&self, anchors: &[usize], j: usize) -> Option<bool> {
        let pj = self.pat(j)?;
        let pats = || anchors.iter().filter_map(|&a| self.pat(a));
        // the plain comparisons read at most the literal ends of both, per anchor, a
        // word at a time
        let ends = (pj.literal_prefix().len() + literal_suffix(pj).len()) as u64 / 8 + 1;
        if !self.meter.charge(ends.saturating_mul(anchors.len() as u64)) {
            return None;
        }
        if let Some(s) = pats().find_map(Pattern::as_literal) {
            return Some(pj.matches(s));
        }
        if let Some(t) = pj.as_literal() {
            return pats().any(|p| !p.matches(t)).then_some(false);
        }
        // `pj` is `L1*L2` (the usual IAM shape: `bucket/*`, `*.csv`): an anchor with
        // wildcards is inside it exactly when its literal ends extend `L1` and `L2`.
        let one_star = is_one_star(pj);
        let mut fits = false;
        for p in pats() {
            match literal_ends(p, pj) {
                Ends::Clash => return Some(false),
                Ends::Fit => fits = true,
                Ends::Overlap => {}
            }
        }
        if fits && one_star {
            return Some(true);
        }
        let q = self.atoms(j);
        if anchors.iter().any(|&a| self.disjoint(a, j)) {
            return Some(false);
        }
        let contains = fits
            && anchors.iter().any(|&a| {
                self.pat(a)
                    .is_some_and(|p| literal_ends(p, pj) == Ends::Fit)
                    && self.subset(self.atoms(a), q)
            });
        contains.then_some(true)
    }

    /// [`disjoint`] of two leaves, its reading counted (false, "not shown", past the
    /// budget).
    fn disjoint(&self, i: usize, j: usize) -> bool {
        let (p, q) = (self.atoms(i), self.atoms(j));
        self.meter.charge(2 * p.len().min(q.len()) as u64 + 1) && disjoint(p, q)
    }

    /// [`syntactic_subset_within`] with its cells counted (false, "not shown", past the
    /// budget).
    fn subset(&self, p: &[Atom], q: &[Atom]) -> bool {
        let mut cells = MAX_SUBSET_CELLS;
        let found = syntactic_subset_within(p, q, &mut cells);
        self.meter.charge(MAX_SUBSET_CELLS - cells) && found
    }

    /// Decides, inside one disjunct (a list of conjuncts), every pattern its anchors
    /// (the positive pattern conjuncts) settle. None when the disjunct is empty.
    fn restrict(&self, term: Vec<&Node>, scratch: &mut Scratch) -> Option<Part> {
        let mut anchors: Vec<usize> = Vec::new();
        let mut others: Vec<&Node> = Vec::new();
        for n in term {
            match n {
                Node::Leaf(i) => {
                    if !anchors.contains(i) {
                        anchors.push(*i);
                    }
                }
                Node::Const(true) => {}
                Node::Const(false) => return None,
                _ => others.push(n),
            }
        }
        for (k, &i) in anchors.iter().enumerate() {
            if anchors.iter().skip(k + 1).any(|&j| self.disjoint(i, j)) {
                return None;
            }
        }
        // An anchor that contains another anchor adds nothing.
        let mut keep = vec![true; anchors.len()];
        for (k, &j) in anchors.iter().enumerate() {
            let implied = anchors.iter().enumerate().any(|(m, &i)| {
                m != k
                    && keep.get(m).copied().unwrap_or(false)
                    && self.subset(self.atoms(i), self.atoms(j))
            });
            if let Some(slot) = keep.get_mut(k) {
                *slot = !implied;
            }
        }
        let Scratch { val, seen } = scratch;
        val.clear();
        val.resize(self.leaves.len(), None);
        seen.clear();
        seen.resize(self.leaves.len(), false);
        let mut settle = |j: usize| {
            if anchors.contains(&j) {
                return Some(true);
            }
            if anchors.is_empty() {
                return None;
            }
            match (seen.get_mut(j), val.get_mut(j)) {
                (Some(true), Some(v)) => *v,
                (Some(s), Some(v)) => {
                    *s = true;
                    *v = self.decide(&anchors, j);
                    *v
                }
                _ => None,
            }
        };
        let rest = self.reduce_and(others.into_iter(), &mut settle);
        let mut anchors: Vec<usize> = anchors
            .into_iter()
            .zip(keep)
            .filter_map(|(a, k)| k.then_some(a))
            .collect();
        // Patterns the rest still requires are anchors too: their shortest members are
        // candidates (`b/*` minus `b/*` except `b/secret/*` is `b/secret/`, no search).
        let rest = match rest {
            Node::Const(false) => return None,
            Node::Leaf(j) => {
                anchors.push(j);
                Node::Const(true)
            }
            Node::And(xs) => {
                let mut left = Vec::with_capacity(xs.len());
                for x in xs {
                    match x {
                        Node::Leaf(j) => anchors.push(j),
                        other => left.push(other),
                    }
                }
                collapse(left, Node::Const(true), Node::And)
            }
            other => other,
        };
        let min_len = anchors
            .iter()
            .filter_map(|&a| self.pat(a))
            .map(min_len)
            .max()
            .unwrap_or(0);
        Some(Part {
            anchors,
            rest,
            min_len,
        })
    }

    /// Is `text` a member of the part?
    fn holds(&self, part: &Part, text: &str) -> bool {
        part.anchors
            .iter()
            .all(|&a| self.pat(a).is_some_and(|p| p.matches(text)))
            && self.matches(&part.rest, text)
    }

    /// A member of the question: a shortest one in `Mode::Shortest`, the first found
    /// otherwise.
    fn search(&self, mode: Mode, budget: &Budget) -> Result<Option<String>, LangError> {
        if self.root == Node::Const(false) {
            return Ok(None);
        }
        // the empty string, when a member, is the shortest one, found by one pass over
        // the expression: a union of the complements of 300 accounts' gated-ARN lists
        // holds it, and each of its disjuncts built a product of 2,000 automata to find
        // it (issue 9)
        if !self.meter.charge(node_size(&self.root)) {
            return Err(self.meter.error());
        }
        if self.matches(&self.root, "") {
            return Ok(Some(String::new()));
        }
        let mut scratch = Scratch::default();
        let mut parts: Vec<Part> = Vec::new();
        for t in terms(&self.root) {
            // settling a disjunct reads every leaf the expression names
            if !self.meter.charge((t.len() + self.leaves.len()) as u64) {
                return Err(self.meter.error());
            }
            parts.extend(self.restrict(t, &mut scratch));
        }
        if self.meter.exhausted() {
            return Err(self.meter.error());
        }
        // Shortest candidates first, so the depth bound prunes the rest early (stable, so
        // equal lengths keep the order of the expression: deterministic witnesses).
        parts.sort_by_key(|p| p.min_len);

        let mut used = 0usize;
        let mut best: Option<(usize, String)> = None;
        let mut failed: Option<LangError> = None;
        for part in &parts {
            if let Some((len, _)) = &best
                && (mode == Mode::Any || *len <= part.min_len)
            {
                break;
            }
            // The anchors' shortest members have the least length any member can have.
            let quick = part
                .anchors
                .iter()
                .filter_map(|&a| self.pat(a))
                .map(|p| shortest_member(p, || self.other()))
                .find(|s| {
                    let cost = (s.len() as u64 + 1).saturating_mul(part.anchors.len() as u64 + 1);
                    self.meter.charge(cost) && self.holds(part, s)
                });
            if self.meter.exhausted() {
                return Err(self.meter.error());
            }
            if let Some(s) = quick {
                best = Some((s.chars().count(), s));
                continue;
            }
            // A literal anchor was the only candidate.
            if part.anchors.iter().any(|&a| self.literal(a).is_some()) {
                continue;
            }
            let mut conjuncts: Vec<Node> = part.anchors.iter().map(|&a| Node::Leaf(a)).collect();
            conjuncts.push(part.rest.clone());
            let node = Node::And(conjuncts);
            let bound = best.as_ref().map(|(len, _)| len.saturating_sub(1));
            // Every member starts with the longest literal prefix of the anchors.
            let prefix = part
                .anchors
                .iter()
                .filter_map(|&a| self.pat(a))
                .map(Pattern::literal_prefix)
                .max_by_key(|p| p.len())
                .unwrap_or("");
            if !self.meter.charge(self.leaves.len() as u64) {
                return Err(self.meter.error());
            }
            let machine = Machine::new(self, &node);
            match machine.bfs(prefix, bound, budget, &self.meter, &mut used) {
                Ok(Some(w)) => best = Some((w.chars().count(), w)),
                Ok(None) => {}
                Err(err) if mode == Mode::Shortest => return Err(err),
                Err(err) => failed = Some(err),
            }
        }
        match (best, failed) {
            (Some((_, w)), _) => Ok(Some(w)),
            (None, Some(err)) => Err(err),
            (None, None) => Ok(None),
        }
    }
}

/// Buffers reused across the disjuncts of one question.
#[derive(Default)]
struct Scratch {
    /// Per leaf: settled true or false (or neither) inside the current disjunct.
    val: Vec<Option<bool>>,
    /// Per leaf: already looked at in the current disjunct.
    seen: Vec<bool>,
}

/// The literal text after the last wildcard (all of a literal pattern).
fn literal_suffix(p: &Pattern) -> &str {
    match p.tokens().last() {
        Some(Token::Lit(s)) => s,
        _ => "",
    }
}

/// How the literal texts before the first and after the last wildcard of two patterns
/// relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ends {
    /// They differ where both are defined: no string matches both (UTF-8 is
    /// self-synchronizing, so differing bytes there are differing characters at the
    /// same place).
    Clash,
    /// The second pattern's ends are ends of the first's: necessary for the first to
    /// be inside the second syntactically (a literal cannot consume a wildcard).
    Fit,
    /// Neither.
    Overlap,
}

fn literal_ends(p: &Pattern, q: &Pattern) -> Ends {
    let (pp, qp) = (p.literal_prefix().as_bytes(), q.literal_prefix().as_bytes());
    let n = pp.len().min(qp.len());
    if pp.get(..n) != qp.get(..n) {
        return Ends::Clash;
    }
    let (ps, qs) = (literal_suffix(p).as_bytes(), literal_suffix(q).as_bytes());
    let m = ps.len().min(qs.len());
    if ps.get(ps.len() - m..) != qs.get(qs.len() - m..) {
        return Ends::Clash;
    }
    if qp.len() <= pp.len() && qs.len() <= ps.len() {
        Ends::Fit
    } else {
        Ends::Overlap
    }
}

/// `L1*L2` with possibly empty literals: a pattern with wildcards is inside it exactly
/// when its literal prefix starts with `L1` and its literal suffix ends with `L2` (the
/// two are separated by its wildcards, so they cannot overlap).
fn is_one_star(p: &Pattern) -> bool {
    matches!(
        p.tokens(),
        [Token::Star]
            | [Token::Lit(_), Token::Star]
            | [Token::Star, Token::Lit(_)]
            | [Token::Lit(_), Token::Star, Token::Lit(_)]
    )
}

/// Splits `root` into disjuncts, each a list of conjuncts, by distributing
/// intersections over unions; `[[root]]` when that would make too many.
fn terms(root: &Node) -> Vec<Vec<&Node>> {
    fn flatten<'n>(n: &'n Node, out: &mut Vec<&'n Node>) {
        match n {
            Node::And(xs) => xs.iter().for_each(|x| flatten(x, out)),
            _ => out.push(n),
        }
    }
    let mut done = Vec::new();
    let mut work = vec![vec![root]];
    let mut widest = 0;
    while let Some(term) = work.pop() {
        let mut flat = Vec::with_capacity(term.len());
        term.into_iter().for_each(|n| flatten(n, &mut flat));
        widest = widest.max(flat.len());
        let split = flat.iter().enumerate().find_map(|(at, n)| match n {
            Node::Or(xs) => Some((at, xs)),
            _ => None,
        });
        match split {
            None => done.push(flat),
            Some((at, xs)) => {
                for x in xs.iter().rev() {
                    let mut t = flat.clone();
                    if let Some(slot) = t.get_mut(at) {
                        *slot = x;
                    }
                    work.push(t);
                }
            }
        }
        let n = done.len() + work.len();
        if n > MAX_DISJUNCTS && (n > MAX_ANCHOR_DISJUNCTS || widest > SMALL_TERM) {
            return vec![vec![root]];
        }
    }
    done
}

/// Nodes in the order first pushed, for [`Question::push_unique`]: up to [`LINEAR`] of them
/// are looked up by comparison, past that by hash (issue 8: a union of an organization's
/// 1,500 gated ARNs made every push compare against all the earlier ones). The answers
/// are those of the plain linear search; the work is charged as it is done (a node hashed
/// costs its size, a leaf looked up or a comparison, which stops at the first difference,
/// one unit), so that a long union of plain patterns costs in the budget what it costs in
/// time: charged as the pairwise search it replaced, the
/// union of 2,000 gated ARNs alone used half a question's budget, and the questions
/// after it gave up (issue 9).
#[derive(Default)]
struct Unique {
    nodes: Vec<Node>,
    /// First position of each hash among the nodes of `nodes[..hashed]` that are not
    /// leaves.
    index: FxHashMap<u64, usize>,
    /// The leaves among `nodes[..hashed]`, a bit per leaf index: most nodes of a long
    /// union are leaves, looked up without a hash.
    leaves: Vec<u64>,
    hashed: usize,
}

/// `X` of `¬X`.
fn negated(n: &Node) -> Option<&Node> {
    match n {
        Node::Not(inner) => Some(inner),
        _ => None,
    }
}

/// Nodes looked up by comparison before [`Unique`] hashes them.
const LINEAR: usize = 8;

/// A hash of `n` and its size (the nodes it holds), in one reading.
fn node_hash(n: &Node) -> (u64, u64) {
    fn feed(n: &Node, h: &mut FxHasher) -> u64 {
        match n {
            Node::Const(b) => {
                h.write_u8(0);
                h.write_u8(u8::from(*b));
                1
            }
            Node::Leaf(i) => {
                h.write_u8(1);
                h.write_usize(*i);
                1
            }
            Node::Not(x) => {
                h.write_u8(2);
                1 + feed(x, h)
            }
            Node::And(xs) | Node::Or(xs) => {
                h.write_u8(if matches!(n, Node::And(_)) { 3 } else { 4 });
                h.write_usize(xs.len());
                1 + xs.iter().map(|x| feed(x, h)).sum::<u64>()
            }
        }
    }
    let mut h = FxHasher::default();
    let size = feed(n, &mut h);
    (h.finish(), size)
}

/// The nodes in `n`: what hashing or comparing it reads.
fn node_size(n: &Node) -> u64 {
    match n {
        Node::Const(_) | Node::Leaf(_) => 1,
        Node::Not(x) => 1 + node_size(x),
        Node::And(xs) | Node::Or(xs) => xs.iter().map(node_size).sum::<u64>() + 1,
    }
}

impl Unique {
    /// Is `x` one of the nodes? False, without looking, once `meter` is spent.
    fn contains(&mut self, x: &Node, meter: &Meter) -> bool {
        if self.nodes.len() <= LINEAR {
            // a comparison stops at the first difference
            return meter.charge(self.nodes.len() as u64 + 1) && self.nodes.contains(x);
        }
        self.catch_up(meter) && self.find(x, meter)
    }

    /// Hashes the nodes pushed since the last lookup (false once `meter` is spent).
    fn catch_up(&mut self, meter: &Meter) -> bool {
        while let Some(n) = self.nodes.get(self.hashed) {
            match n {
                Node::Leaf(i) => {
                    if !meter.charge(1) {
                        return false;
                    }
                    let word = i / 64;
                    if self.leaves.len() <= word {
                        self.leaves.resize(word + 1, 0);
                    }
                    if let Some(w) = self.leaves.get_mut(word) {
                        *w |= 1 << (i % 64);
                    }
                }
                _ => {
                    let (hash, size) = node_hash(n);
                    if !meter.charge(size) {
                        return false;
                    }
                    self.index.entry(hash).or_insert(self.hashed);
                }
            }
            self.hashed += 1;
        }
        true
    }

    /// [`Unique::contains`] once every node is hashed.
    fn find(&self, x: &Node, meter: &Meter) -> bool {
        if let Node::Leaf(i) = x {
            return meter.charge(1)
                && self
                    .leaves
                    .get(i / 64)
                    .is_some_and(|w| w & (1 << (i % 64)) != 0);
        }
        let (hash, size) = node_hash(x);
        if !meter.charge(size) {
            return false;
        }
        match self.index.get(&hash) {
            None => false,
            Some(&i) if self.nodes.get(i) == Some(x) => true,
            // two different nodes of one hash: ask plainly
            Some(_) => {
                meter.charge(size.saturating_mul(self.nodes.len() as u64)) && self.nodes.contains(x)
            }
        }
    }

    /// Some `¬X` whose `X` is a node too (false, not looked for, once `meter` is spent).
    fn has_complement_pair(&mut self, meter: &Meter) -> bool {
        if self.nodes.len() <= LINEAR {
            let n = self.nodes.len() as u64;
            return meter.charge(n.saturating_mul(n))
                && self
                    .nodes
                    .iter()
                    .filter_map(negated)
                    .any(|x| self.nodes.contains(x));
        }
        if !self.catch_up(meter) {
            return false;
        }
        self.nodes
            .iter()
            .filter_map(negated)
            .any(|x| self.find(x, meter))
    }
}

/// `none` for no item, the item itself for one, `many(items)` otherwise.
fn collapse(mut xs: Vec<Node>, none: Node, many: fn(Vec<Node>) -> Node) -> Node {
    match xs.len() {
        0 => none,
        1 => xs.pop().unwrap_or(none),
        _ => many(xs),
    }
}

/// Preferred spellings of "any other character", most readable first.
const PREFERRED_OTHER: [char; 5] = ['x', 'z', 'q', '0', '-'];

/// The first readable character for which `used` is false.
fn pick_other(used: impl Fn(char) -> bool) -> Option<char> {
    PREFERRED_OTHER
        .into_iter()
        .chain('a'..='z')
        .chain('0'..='9')
        .chain('A'..='Z')
        .chain((0xA1u32..=0x10_FFFF).filter_map(char::from_u32))
        .find(|c| !used(*c))
}

/// The shortest strings a pattern matches all have this length.
fn min_len(p: &Pattern) -> usize {
    p.tokens()
        .iter()
        .map(|t| match t {
            Token::Lit(s) => s.chars().count(),
            Token::One => 1,
            Token::Star => 0,
        })
        .sum()
}

/// One shortest string of a pattern: stars empty, `?` as the other character.
fn shortest_member(p: &Pattern, other: impl Fn() -> Option<char>) -> String {
    let mut s = String::new();
    for t in p.tokens() {
        match t {
            Token::Lit(l) => s.push_str(l),
            Token::One => s.push(other().unwrap_or('x')),
            Token::Star => {}
        }
    }
    s
}

/// One position of a pattern, characters spelled out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Atom {
    Char(char),
    Any,
    Star,
}

pub(crate) fn atoms(p: &Pattern) -> Vec<Atom> {
    let mut out = Vec::with_capacity(
        p.tokens()
            .iter()
            .map(|t| match t {
                Token::Lit(s) => s.len(),
                _ => 1,
            })
            .sum(),
    );
    for t in p.tokens() {
        match t {
            Token::Lit(s) => out.extend(s.chars().map(Atom::Char)),
            Token::One => out.push(Atom::Any),
            Token::Star => out.push(Atom::Star),
        }
    }
    out
}

/// Sound test for "no string matches both": before any `*`, counted from the start or
/// from the end, the patterns require different characters at the same place, or one
/// ends where the other requires more.
fn disjoint(p: &[Atom], q: &[Atom]) -> bool {
    disjoint_from(p.iter(), q.iter()) || disjoint_from(p.iter().rev(), q.iter().rev())
}

fn disjoint_from<'a>(
    mut p: impl Iterator<Item = &'a Atom>,
    mut q: impl Iterator<Item = &'a Atom>,
) -> bool {
    loop {
        match (p.next(), q.next()) {
            (Some(Atom::Star), _) | (_, Some(Atom::Star)) | (None, None) => return false,
            (None, Some(_)) | (Some(_), None) => return true,
            (Some(Atom::Char(a)), Some(Atom::Char(b))) if a != b => return true,
            _ => {}
        }
    }
}

/// Sound test for `p ⊆ q`: `q` matches `p` read as a word, where a `*` of `p` can only
/// be consumed by a `*` of `q`, and a `?` of `p` by a `?` or `*` of `q`. Any string of
/// `p` then matches `q` by the same split. (Not complete, which is fine: a miss only
/// sends the question to the product automaton.)
#[cfg(test)]
fn syntactic_subset(p: &[Atom], q: &[Atom]) -> bool {
    let mut cells = u64::MAX;
    syntactic_subset_within(p, q, &mut cells)
}

/// Sound test for `p ⊆ q` (see `syntactic_subset`) within `cells` (positions compared,
/// then cells of the table over what the fixed ends leave), which it decreases by what
/// it used: false, "not shown", when the table would not fit. Memory: two rows over `q`.
pub(crate) fn syntactic_subset_within(p: &[Atom], q: &[Atom], cells: &mut u64) -> bool {
    fn consumes(q: Atom, p: Atom) -> bool {
        match q {
            Atom::Char(c) => p == Atom::Char(c),
            Atom::Any => p != Atom::Star,
            Atom::Star => true,
        }
    }
    let (mut p, mut q) = (p, q);
    let ends = p.len().min(q.len()) as u64 + 1;
    if *cells < ends {
        return false;
    }
    *cells -= ends;
    // Fixed ends of `q` must meet the same ends of `p`: cheap, and it settles most pairs.
    while let Some((&qa, q_rest)) = q.split_first() {
        if qa == Atom::Star {
            break;
        }
        match p.split_first() {
            Some((&pa, p_rest)) if consumes(qa, pa) => (p, q) = (p_rest, q_rest),
            _ => return false,
        }
    }
    while let Some((&qa, q_rest)) = q.split_last() {
        if qa == Atom::Star {
            break;
        }
        match p.split_last() {
            Some((&pa, p_rest)) if consumes(qa, pa) => (p, q) = (p_rest, q_rest),
            _ => return false,
        }
    }
    match q {
        [] => return p.is_empty(),
        [Atom::Star] => return true,
        _ => {}
    }
    let table = (p.len() as u64 + 1).saturating_mul(q.len() as u64 + 1);
    if *cells < table {
        return false;
    }
    *cells -= table;
    // Wildcard matching of `q` over the word `p`; `prev[j]`: `q[..j]` matches `p[..i]`.
    let mut prev: Vec<bool> = Vec::with_capacity(q.len() + 1);
    prev.push(true);
    for qa in q {
        let v = *qa == Atom::Star && prev.last().copied().unwrap_or(false);
        prev.push(v);
    }
    let mut cur: Vec<bool> = Vec::with_capacity(q.len() + 1);
    for &pa in p {
        cur.clear();
        cur.push(false);
        let mut left = false;
        for (j, &qa) in q.iter().enumerate() {
            let diag = prev.get(j).copied().unwrap_or(false);
            let up = prev.get(j + 1).copied().unwrap_or(false);
            let v = match qa {
                Atom::Star => left || up,
                _ => diag && consumes(qa, pa),
            };
            cur.push(v);
            left = v;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev.last().copied().unwrap_or(false)
}

/// Three-valued truth of a state's future: no continuation accepted, all accepted, or
/// it depends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tri {
    No,
    Yes,
    Maybe,
}

/// One pattern's NFA: bit `i` of its state set means "the first `i` atoms consumed";
/// bit `atoms.len()` is acceptance.
struct Leaf<'a> {
    atoms: &'a [Atom],
    /// Positions of `*`, ascending, for the epsilon closure.
    stars: Vec<usize>,
    /// Where this leaf's words start in a product state, and how many.
    offset: usize,
    words: usize,
}

impl<'a> Leaf<'a> {
    fn new(atoms: &'a [Atom], offset: usize) -> Leaf<'a> {
        let stars = atoms
            .iter()
            .enumerate()
            .filter(|(_, a)| **a == Atom::Star)
            .map(|(i, _)| i)
            .collect();
        let words = atoms.len() / 64 + 1;
        Leaf {
            atoms,
            stars,
            offset,
            words,
        }
    }

    fn part<'s>(&self, state: &'s [u64]) -> &'s [u64] {
        state
            .get(self.offset..self.offset + self.words)
            .unwrap_or(&[])
    }

    fn part_mut<'s>(&self, state: &'s mut [u64]) -> &'s mut [u64] {
        state
            .get_mut(self.offset..self.offset + self.words)
            .unwrap_or(&mut [])
    }

    /// A `*` may match nothing: reaching it reaches the position after it too.
    fn close(&self, set: &mut [u64]) {
        for &i in &self.stars {
            if get_bit(set, i) {
                set_bit(set, i + 1);
            }
        }
    }

    fn step(&self, src: &[u64], c: char, dst: &mut [u64]) {
        for i in bits(src) {
            match self.atoms.get(i) {
                Some(Atom::Char(x)) if *x == c => set_bit(dst, i + 1),
                Some(Atom::Any) => set_bit(dst, i + 1),
                Some(Atom::Star) => set_bit(dst, i),
                _ => {}
            }
        }
        self.close(dst);
    }

    fn accepts(&self, set: &[u64]) -> bool {
        get_bit(set, self.atoms.len())
    }

    /// Dead (empty set) never accepts again; at a final `*` it accepts everything.
    fn future(&self, set: &[u64]) -> Tri {
        if set.iter().all(|w| *w == 0) {
            return Tri::No;
        }
        let n = self.atoms.len();
        if n > 0 && self.atoms.last() == Some(&Atom::Star) && get_bit(set, n - 1) {
            return Tri::Yes;
        }
        Tri::Maybe
    }
}

fn get_bit(words: &[u64], i: usize) -> bool {
    words.get(i / 64).is_some_and(|w| (w >> (i % 64)) & 1 == 1)
}

fn set_bit(words: &mut [u64], i: usize) {
    if let Some(w) = words.get_mut(i / 64) {
        *w |= 1u64 << (i % 64);
    }
}

fn bits(words: &[u64]) -> impl Iterator<Item = usize> + '_ {
    words.iter().enumerate().flat_map(|(wi, &w)| {
        let mut w = w;
        std::iter::from_fn(move || {
            if w == 0 {
                return None;
            }
            let b = w.trailing_zeros() as usize;
            w &= w - 1;
            Some(wi * 64 + b)
        })
    })
}

/// The product automaton of an expression's patterns, explored lazily.
struct Machine<'a> {
    /// The leaves `root` uses, in question order (so `a`'s patterns lead the moves).
    leaves: Vec<Leaf<'a>>,
    /// Question leaf index → index in `leaves`.
    slot: Vec<usize>,
    /// Words in a product state (all leaves side by side).
    width: usize,
    root: &'a Node,
    /// The "other" character, literal in no pattern of the question.
    other: Option<char>,
    /// Per machine leaf: whether it occurs outside any negation (an allowed pattern, not
    /// a subtracted one). Only those lead the moves: extending a subtracted pattern makes
    /// witnesses read like the resources that were taken away (`…/m` for `…/models/*`).
    positive: Vec<bool>,
    /// Work of one step besides the set positions: every word, every `*` closed, every
    /// node of the expression evaluated.
    fixed_cost: u64,
}

/// Counts the nodes of an expression.
fn count_nodes(node: &Node, n: &mut u64) {
    *n += 1;
    match node {
        Node::Const(_) | Node::Leaf(_) => {}
        Node::And(v) | Node::Or(v) => v.iter().for_each(|x| count_nodes(x, n)),
        Node::Not(x) => count_nodes(x, n),
    }
}

/// Marks the leaves that occur under an even number of negations.
fn positive_leaves(node: &Node, negated: bool, out: &mut [bool]) {
    match node {
        Node::Const(_) => {}
        Node::Leaf(i) => {
            if !negated && let Some(p) = out.get_mut(*i) {
                *p = true;
            }
        }
        Node::And(v) | Node::Or(v) => v.iter().for_each(|n| positive_leaves(n, negated, out)),
        Node::Not(n) => positive_leaves(n, !negated, out),
    }
}

impl<'a> Machine<'a> {
    fn new(q: &'a Question<'_>, root: &'a Node) -> Machine<'a> {
        let mut used = vec![false; q.leaves.len()];
        q.each_leaf(root, &mut |i| {
            if let Some(u) = used.get_mut(i) {
                *u = true;
            }
        });
        let mut slot = vec![usize::MAX; q.leaves.len()];
        let mut leaves = Vec::new();
        let mut width = 0;
        for (i, (u, s)) in used.iter().zip(slot.iter_mut()).enumerate() {
            if *u {
                let leaf = Leaf::new(q.atoms(i), width);
                width += leaf.words;
                *s = leaves.len();
                leaves.push(leaf);
            }
        }
        let mut by_question = vec![false; q.leaves.len()];
        positive_leaves(root, false, &mut by_question);
        let mut positive = vec![false; leaves.len()];
        for (i, &k) in slot.iter().enumerate() {
            if let (Some(p), Some(&b)) = (positive.get_mut(k), by_question.get(i)) {
                *p = b;
            }
        }
        let mut nodes = 0u64;
        count_nodes(root, &mut nodes);
        let stars: usize = leaves.iter().map(|l| l.stars.len()).sum();
        Machine {
            fixed_cost: (width + stars) as u64 + nodes + 1,
            leaves,
            slot,
            width,
            root,
            other: q.other(),
            positive,
        }
    }

    /// Work units of one step from `s`: its fixed cost and its set positions.
    fn step_cost(&self, s: &[u64]) -> u64 {
        self.fixed_cost + s.iter().map(|w| u64::from(w.count_ones())).sum::<u64>()
    }

    fn leaf(&self, i: usize) -> Option<&Leaf<'a>> {
        self.slot.get(i).and_then(|&k| self.leaves.get(k))
    }

    fn initial(&self) -> Vec<u64> {
        let mut s = vec![0u64; self.width];
        for leaf in &self.leaves {
            let part = leaf.part_mut(&mut s);
            set_bit(part, 0);
            leaf.close(part);
        }
        s
    }

    fn accepts(&self, node: &Node, s: &[u64]) -> bool {
        match node {
            Node::Const(b) => *b,
            Node::Leaf(i) => self.leaf(*i).is_some_and(|l| l.accepts(l.part(s))),
            Node::And(xs) => xs.iter().all(|x| self.accepts(x, s)),
            Node::Or(xs) => xs.iter().any(|x| self.accepts(x, s)),
            Node::Not(x) => !self.accepts(x, s),
        }
    }

    fn future(&self, node: &Node, s: &[u64]) -> Tri {
        match node {
            Node::Const(true) => Tri::Yes,
            Node::Const(false) => Tri::No,
            Node::Leaf(i) => self.leaf(*i).map_or(Tri::No, |l| l.future(l.part(s))),
            Node::And(xs) => {
                let mut all = Tri::Yes;
                for x in xs {
                    match self.future(x, s) {
                        Tri::No => return Tri::No,
                        Tri::Maybe => all = Tri::Maybe,
                        Tri::Yes => {}
                    }
                }
                all
            }
            Node::Or(xs) => {
                let mut any = Tri::No;
                for x in xs {
                    match self.future(x, s) {
                        Tri::Yes => return Tri::Yes,
                        Tri::Maybe => any = Tri::Maybe,
                        Tri::No => {}
                    }
                }
                any
            }
            Node::Not(x) => match self.future(x, s) {
                Tri::Yes => Tri::No,
                Tri::No => Tri::Yes,
                Tri::Maybe => Tri::Maybe,
            },
        }
    }

    /// The distinct moves from `s`, in preference order, so that among witnesses of one
    /// length the one that reads like the patterns wins: first the literals that extend
    /// a leaf's furthest position (in leaf order, so the first patterns lead), then one
    /// character standing for all others, and last the literals that only restart a
    /// match behind a `*` (`b//` reads worse than `b/x`).
    fn moves(&self, s: &[u64], out: &mut Vec<char>) {
        out.clear();
        for (leaf, _) in self
            .leaves
            .iter()
            .zip(&self.positive)
            .filter(|(_, positive)| **positive)
        {
            let furthest = bits(leaf.part(s)).last().and_then(|i| leaf.atoms.get(i));
            if let Some(Atom::Char(c)) = furthest
                && !out.contains(c)
            {
                out.push(*c);
            }
        }
        let extending = out.len();
        // When every preferred character is literal somewhere (never in practice), any
        // character that no leaf consumes here moves like the others.
        let other = match self.other {
            Some(c) => Some(c),
            None => pick_other(|c| {
                self.leaves.iter().any(|leaf| {
                    bits(leaf.part(s)).any(|i| leaf.atoms.get(i) == Some(&Atom::Char(c)))
                })
            }),
        };
        for leaf in &self.leaves {
            for i in bits(leaf.part(s)) {
                if let Some(Atom::Char(c)) = leaf.atoms.get(i)
                    && !out.contains(c)
                {
                    out.push(*c);
                }
            }
        }
        if let Some(c) = other {
            out.insert(extending, c);
        }
    }

    fn step(&self, src: &[u64], c: char, dst: &mut [u64]) {
        dst.fill(0);
        for leaf in &self.leaves {
            leaf.step(leaf.part(src), c, leaf.part_mut(dst));
        }
    }

    /// Breadth-first search for an accepted string of at most `max_len` characters
    /// that starts with `prefix`, which every accepted string must start with (the
    /// literal prefix of a pattern the root intersects): the search starts after it.
    /// `used` counts states against the budget's `max_states` across calls; the work of
    /// every step is counted by `meter`, and the stored states' bytes against
    /// `max_state_bytes`.
    fn bfs(
        &self,
        prefix: &str,
        max_len: Option<usize>,
        budget: &Budget,
        meter: &Meter,
        used: &mut usize,
    ) -> Result<Option<String>, LangError> {
        let mut init = self.initial();
        let mut buf = vec![0u64; self.width];
        for c in prefix.chars() {
            if !meter.charge(self.step_cost(&init)) {
                return Err(meter.error());
            }
            self.step(&init, c, &mut buf);
            std::mem::swap(&mut init, &mut buf);
        }
        let mut depth = prefix.chars().count();
        if max_len.is_some_and(|m| depth > m) {
            return Ok(None);
        }
        match self.future(self.root, &init) {
            Tri::No => return Ok(None),
            Tri::Yes => return Ok(Some(prefix.to_string())),
            Tri::Maybe if self.accepts(self.root, &init) => return Ok(Some(prefix.to_string())),
            Tri::Maybe => {}
        }
        let mut states = States::new(self.width);
        states.insert(&init, usize::MAX, '\0');
        *used += 1;
        // a stored state: its words, where it came from, its hash chain and map entry
        let state_bytes = self.width * 8 + 48;
        let mut frontier = vec![0usize];
        let mut cur = vec![0u64; self.width];
        let mut moves = Vec::new();
        while !frontier.is_empty() {
            if max_len.is_some_and(|m| depth >= m) {
                return Ok(None);
            }
            let mut next = Vec::new();
            for &id in &frontier {
                cur.copy_from_slice(states.get(id));
                let cost = self.step_cost(&cur);
                // the moves read the state once, then each is a step
                if !meter.charge(cost) {
                    return Err(meter.error());
                }
                self.moves(&cur, &mut moves);
                if !meter.charge(cost.saturating_mul(moves.len() as u64)) {
                    return Err(meter.error());
                }
                for &c in &moves {
                    self.step(&cur, c, &mut buf);
                    // Dead ends are dropped before they cost a hash.
                    let future = self.future(self.root, &buf);
                    if future == Tri::No {
                        continue;
                    }
                    let Some(succ) = states.insert(&buf, id, c) else {
                        continue;
                    };
                    *used += 1;
                    if *used > budget.max_states {
                        return Err(LangError::TooComplex { states: *used });
                    }
                    let bytes = states.len().saturating_mul(state_bytes);
                    if bytes > budget.max_state_bytes {
                        return Err(LangError::TooLarge { bytes });
                    }
                    if future == Tri::Yes || self.accepts(self.root, &buf) {
                        return Ok(Some(format!("{prefix}{}", states.path(succ))));
                    }
                    next.push(succ);
                }
            }
            frontier = next;
            depth += 1;
        }
        Ok(None)
    }
}

/// The visited product states, side by side in one buffer and found by hash, so that
/// visiting a state allocates nothing; each remembers how it was first reached.
struct States {
    width: usize,
    words: Vec<u64>,
    /// Per state: the state it was reached from and the character read.
    from: Vec<(usize, char)>,
    /// Hash → newest state with that hash; `older` links the rest.
    newest: FxHashMap<u64, usize>,
    older: Vec<usize>,
}

impl States {
    fn new(width: usize) -> States {
        States {
            width,
            words: Vec::new(),
            from: Vec::new(),
            newest: FxHashMap::default(),
            older: Vec::new(),
        }
    }

    fn len(&self) -> usize {
        self.from.len()
    }

    fn get(&self, id: usize) -> &[u64] {
        self.words
            .get(id * self.width..(id + 1) * self.width)
            .unwrap_or(&[])
    }

    /// Adds `s` unless it is already there; its id when added.
    fn insert(&mut self, s: &[u64], parent: usize, via: char) -> Option<usize> {
        let mut h = FxHasher::default();
        s.hash(&mut h);
        let h = h.finish();
        let head = self.newest.get(&h).copied();
        let mut at = head;
        while let Some(id) = at {
            if self.get(id) == s {
                return None;
            }
            at = self.older.get(id).copied().filter(|&o| o != usize::MAX);
        }
        let id = self.from.len();
        self.words.extend_from_slice(s);
        self.from.push((parent, via));
        self.older.push(head.unwrap_or(usize::MAX));
        self.newest.insert(h, id);
        Some(id)
    }

    /// The characters read from the initial state to state `id`.
    fn path(&self, mut id: usize) -> String {
        let mut rev = Vec::new();
        while let Some(&(parent, via)) = self.from.get(id) {
            if parent == usize::MAX {
                break;
            }
            rev.push(via);
            id = parent;
        }
        rev.into_iter().rev().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn b() -> Budget {
        Budget::default()
    }

    fn unlimited() -> Budget {
        Budget {
            max_states: usize::MAX,
            max_state_bytes: usize::MAX,
            max_work: u64::MAX,
            max_total_work: u64::MAX,
            spent: AtomicU64::new(0),
        }
    }

    fn p(raw: &str) -> SetExpr {
        SetExpr::pat(raw)
    }

    /// `sub!(name, a, b, subset?)`: inclusion, and a witness exactly when not included.
    macro_rules! sub {
        ($name:ident, $a:expr, $b:expr, $want:expr) => {
            #[test]
            fn $name() {
                let (a, bb) = ($a, $b);
                assert_eq!(is_subset(&a, &bb, &b()), Ok($want), "{a:?} ⊆ {bb:?}");
                let w = witness_in_difference(&a, &bb, &b()).expect("budget");
                assert_eq!(w.is_none(), $want, "witness {w:?}");
                if let Some(w) = w {
                    assert!(a.contains(&w) && !bb.contains(&w), "bad witness {w:?}");
                }
            }
        };
    }

    /// `wit!(name, a, b, witness)`: the exact (shortest, deterministic) witness.
    macro_rules! wit {
        ($name:ident, $a:expr, $b:expr, $want:expr) => {
            #[test]
            fn $name() {
                let want: Option<&str> = $want;
                let got = witness_in_difference(&$a, &$b, &b()).expect("budget");
                assert_eq!(got.as_deref(), want);
            }
        };
    }

    sub!(
        b_slash_in_b_star,
        p("arn:aws:s3:::b/*"),
        p("arn:aws:s3:::b*"),
        true
    );
    sub!(
        b_star_not_in_b_slash,
        p("arn:aws:s3:::b*"),
        p("arn:aws:s3:::b/*"),
        false
    );
    sub!(one_in_star, p("a?c"), p("a*c"), true);
    sub!(star_not_in_one, p("a*c"), p("a?c"), false);
    sub!(
        identical,
        p("arn:aws:s3:::b/*"),
        p("arn:aws:s3:::b/*"),
        true
    );
    sub!(anything_in_all, p("arn:*:s3:::b/?"), SetExpr::All, true);
    sub!(anything_in_star, p("arn:*:s3:::b/?"), p("*"), true);
    sub!(all_not_in_pattern, SetExpr::All, p("arn:*"), false);
    sub!(empty_in_anything, SetExpr::Empty, p("a"), true);
    sub!(star_in_star_star, p("*"), p("**"), true);
    sub!(
        literal_in_pattern,
        p("arn:aws:s3:::b/k"),
        p("arn:aws:s3:::*/k"),
        true
    );
    sub!(
        literal_not_in_pattern,
        p("arn:aws:s3:::b/k"),
        p("arn:aws:s3:::*/j"),
        false
    );
    sub!(
        union_in_union,
        SetExpr::union([p("arn:aws:s3:::a/*"), p("arn:aws:s3:::b/x")]),
        SetExpr::union([p("arn:aws:s3:::b/*"), p("arn:aws:s3:::a*")]),
        true
    );
    sub!(
        union_covered_only_jointly,
        p("a*"),
        SetExpr::union([p("a"), p("a?*")]),
        true
    );
    sub!(
        middle_star_cover,
        p("arn:aws:s3:::b/*/logs/*"),
        p("arn:aws:s3:::b/*logs*"),
        true
    );
    sub!(
        syntactic_inclusion_with_stars,
        p("*ab*"),
        SetExpr::union([p("*a*b*"), p("x")]),
        true
    );
    sub!(
        not_resource_subset,
        !p("arn:aws:s3:::*"),
        !p("arn:aws:s3:::secret/*"),
        true
    );
    sub!(
        not_resource_not_subset,
        SetExpr::not(p("arn:aws:s3:::secret/*")),
        SetExpr::not(p("arn:aws:s3:::*")),
        false
    );
    sub!(
        intersection_in_part,
        SetExpr::inter([p("arn:aws:s3:::b/*"), p("*/logs/*")]),
        p("arn:aws:s3:::b/*"),
        true
    );
    sub!(
        deny_removes_secret,
        SetExpr::minus(p("arn:aws:s3:::b/*"), p("arn:aws:s3:::b/secret/*")),
        p("arn:aws:s3:::b/*"),
        true
    );

    wit!(
        s3_reports_subtracted,
        p("arn:aws:s3:::b/*"),
        p("arn:aws:s3:::b/reports/*"),
        Some("arn:aws:s3:::b/")
    );
    wit!(
        prefix_vs_longer_prefix,
        p("arn:aws:s3:::b*"),
        p("arn:aws:s3:::bucket*"),
        Some("arn:aws:s3:::b")
    );
    wit!(
        prefix_vs_shorter_prefix,
        p("arn:aws:s3:::bucket*"),
        p("arn:aws:s3:::b*"),
        None
    );
    wit!(star_vs_one, p("a*c"), p("a?c"), Some("ac"));
    wit!(all_minus_pattern, SetExpr::All, p("arn:*"), Some(""));
    wit!(
        other_is_readable,
        p("arn:aws:s3:::data-bucket/?*"),
        p("arn:aws:s3:::data-bucket/logs/*"),
        Some("arn:aws:s3:::data-bucket/x")
    );
    wit!(other_avoids_literals, p("x?"), p("xx"), Some("xz"));
    wit!(
        other_avoids_all_preferred,
        p("?"),
        SetExpr::union([p("x"), p("z"), p("q"), p("0")]),
        Some("-")
    );
    wit!(
        deny_subtraction,
        p("arn:aws:s3:::b/*"),
        SetExpr::minus(p("arn:aws:s3:::b/*"), p("arn:aws:s3:::b/secret/*")),
        Some("arn:aws:s3:::b/secret/")
    );
    wit!(
        not_resource_witness,
        SetExpr::not(p("arn:aws:s3:::secret/*")),
        SetExpr::not(p("arn:aws:s3:::*")),
        Some("arn:aws:s3:::")
    );
    // the allowed pattern's letters lead; a subtracted pattern's do not (`abbb` would
    // read like the `a?b` taken away)
    wit!(
        prefers_the_patterns_letters,
        p("a*b"),
        SetExpr::union([p("ab"), p("a?b")]),
        Some("abxb")
    );
    wit!(
        extends_pattern_literals,
        p("arn:aws:iam::1:role/*"),
        SetExpr::union([p("arn:aws:iam::1:role/"), p("arn:aws:iam::1:role/?")]),
        Some("arn:aws:iam::1:role/xx")
    );

    #[test]
    fn intersection_sample_overlaps_patterns() {
        let e = SetExpr::inter([p("arn:aws:s3:::b/*"), p("*/logs/*")]);
        assert_eq!(
            sample(&e, &b()),
            Ok(Some("arn:aws:s3:::b/logs/".to_string()))
        );
    }

    #[test]
    fn empty_sets() {
        assert_eq!(is_empty(&SetExpr::Empty, &b()), Ok(true));
        assert_eq!(sample(&SetExpr::Empty, &b()), Ok(None));
        assert_eq!(
            is_empty(&SetExpr::inter([p("a*"), p("b*")]), &b()),
            Ok(true)
        );
        assert_eq!(
            is_empty(&SetExpr::inter([p("a*b"), p("*c")]), &b()),
            Ok(true)
        );
        assert_eq!(is_empty(&SetExpr::minus(p("a/*"), p("a*")), &b()), Ok(true));
        assert_eq!(is_empty(&SetExpr::union(Vec::new()), &b()), Ok(true));
        assert_eq!(is_empty(&SetExpr::All, &b()), Ok(false));
        assert_eq!(is_empty(&SetExpr::inter(Vec::new()), &b()), Ok(false));
        assert_eq!(sample(&SetExpr::All, &b()), Ok(Some(String::new())));
        assert_eq!(sample(&p("a?c*"), &b()), Ok(Some("axc".to_string())));
    }

    #[test]
    fn literal_star_from_a_variable_is_literal() {
        let lit = SetExpr::Pat(Pattern::from_tokens(vec![Token::Lit("a*".into())]));
        assert_eq!(is_subset(&lit, &p("a?"), &b()), Ok(true));
        assert_eq!(is_subset(&lit, &p("ab"), &b()), Ok(false));
        assert_eq!(
            witness_in_difference(&p("a?"), &lit, &b()),
            Ok(Some("ax".to_string()))
        );
    }

    #[test]
    fn budget_exhaustion_is_an_error_not_an_answer() {
        let a = p("*a*");
        let bb = SetExpr::union([p("a*"), p("*b*")]);
        let tiny = Budget {
            max_states: 2,
            ..b()
        };
        assert_eq!(
            witness_in_difference(&a, &bb, &tiny),
            Err(LangError::TooComplex { states: 3 })
        );
        assert!(is_subset(&a, &bb, &tiny).is_err());
        assert_eq!(
            witness_in_difference(&a, &bb, &b()),
            Ok(Some("xa".to_string()))
        );
        let err = LangError::TooComplex { states: 3 };
        assert_eq!(
            err.to_string(),
            "resource patterns too complex to compare exactly: gave up after 3 automaton states"
        );
    }

    /// `n` gated ARNs of 300 accounts, the account `skip` owns left out (as each
    /// account's gated list leaves out its own resources).
    fn gated(n: usize, skip: usize) -> SetExpr {
        let arn = |i: usize| {
            let account = 100_000_000_000u64 + (i % 300) as u64;
            SetExpr::pat(&format!("arn:aws:sqs:us-east-1:{account:012}:queue-{i}"))
        };
        SetExpr::Shared(std::sync::Arc::new(SetExpr::union(
            (0..n).filter(|i| i % 300 != skip).map(arn),
        )))
    }

    #[test]
    fn a_long_union_is_charged_what_it_costs() {
        // everything but 2,000 gated ARNs, as one grant of every account holds it: the
        // deduplication of its 2,000 leaves was charged as the pairwise search it
        // replaced, half a question's budget, and a person's tenth question gave up
        let everything_but = SetExpr::inter([SetExpr::All, SetExpr::not(gated(2_000, 0))]);
        let budget = b();
        for _ in 0..10 {
            assert_eq!(
                witness_in_difference(&everything_but, &SetExpr::Empty, &budget),
                Ok(Some(String::new()))
            );
        }
        assert!(budget.spent() < 1_000_000, "spent {}", budget.spent());
    }

    #[test]
    fn a_missed_gated_arn_settles_an_inclusion_without_a_search() {
        // every resource but the gated ARNs, as three grants hold it: not every string,
        // shown by its first gated ARN where the search would build a product of 2,000
        // automata
        let everything_but = SetExpr::union(
            (0..3).map(|_| SetExpr::inter([SetExpr::All, SetExpr::not(gated(2_000, 300))])),
        );
        let tight = Budget { max_work: 1, ..b() };
        assert_eq!(is_subset(&SetExpr::All, &everything_but, &tight), Ok(false));
        // a literal the set holds proves nothing: the question is asked
        let some = SetExpr::union([p("arn:aws:s3:::b"), p("arn:aws:s3:::c/*")]);
        assert_eq!(is_subset(&p("arn:aws:s3:::b"), &some, &b()), Ok(true));
        assert_eq!(is_subset(&SetExpr::All, &some, &b()), Ok(false));
    }

    #[test]
    fn the_empty_string_is_found_without_a_search() {
        // one grant per account a person reaches, each on everything but the gated
        // ARNs of the others: a union of complements, one product of 2,000 automata
        // per disjunct to the search, and the empty string is in it
        let reach = SetExpr::union(
            (0..20).map(|k| SetExpr::inter([SetExpr::All, SetExpr::not(gated(2_000, k))])),
        );
        let tight = Budget {
            max_work: 2_000_000,
            ..b()
        };
        assert_eq!(sample(&reach, &tight), Ok(Some(String::new())));
        assert_eq!(is_empty(&reach, &tight), Ok(false));
        // and a set without it keeps its shortest member
        assert_eq!(
            sample(&SetExpr::union([p("ab*"), p("a")]), &b()),
            Ok(Some("a".to_string()))
        );
    }

    #[test]
    fn deterministic() {
        let a = SetExpr::union([p("arn:aws:s3:::b*/k?"), p("arn:aws:s3:::*/x*")]);
        let bb = SetExpr::union([p("arn:aws:s3:::bb*"), p("*/k")]);
        let first = witness_in_difference(&a, &bb, &b());
        for _ in 0..5 {
            assert_eq!(witness_in_difference(&a, &bb, &b()), first);
        }
        assert!(first.expect("budget").is_some());
    }

    #[test]
    fn long_patterns_cross_word_boundaries() {
        let base = "arn:aws:s3:::".to_string() + &"abcdefgh/".repeat(10);
        let a = p(&format!("{base}*"));
        let bb = SetExpr::union([p(&base), p(&format!("{base}?"))]);
        // The search runs past bit 64 of the leaves' position sets.
        assert_eq!(
            witness_in_difference(&a, &bb, &b()),
            Ok(Some(format!("{base}xx")))
        );
        let c = p(&format!("{base}*/z"));
        assert_eq!(is_subset(&c, &a, &b()), Ok(true));
        assert_eq!(
            witness_in_difference(&a, &SetExpr::union([c, p(&format!("{base}?*"))]), &b()),
            Ok(Some(base))
        );
    }

    #[test]
    fn syntactic_tests_are_sound_examples() {
        let s = |x: &str, y: &str| {
            syntactic_subset(&atoms(&Pattern::parse(x)), &atoms(&Pattern::parse(y)))
        };
        let d = |x: &str, y: &str| disjoint(&atoms(&Pattern::parse(x)), &atoms(&Pattern::parse(y)));
        assert!(s("b/*", "b*"));
        assert!(s("a?c", "a*c"));
        assert!(s("a*b*c", "a*c"));
        assert!(!s("a*c", "a?c"));
        assert!(!s("a*", "a?*"));
        assert!(d("a*", "b*"));
        assert!(d("*a", "*b"));
        assert!(d("ab", "abc*d"));
        assert!(!d("a*", "*b"));
        assert!(!d("ab", "a?"));
    }

    /// The shapes of `benches/lang.rs`, so the bench measures right answers.
    #[test]
    fn bench_shapes() {
        let bucket = |i: usize| format!("arn:aws:s3:::acme-prod-analytics-{i:02}/tenants/");
        let union =
            |f: &dyn Fn(usize) -> Vec<String>| SetExpr::union((0..10).flat_map(f).map(|s| p(&s)));
        let before = union(&|i| vec![format!("{}*/exports/2024/*", bucket(i))]);
        let denies =
            SetExpr::union([3, 5, 7].map(|i| p(&format!("{}*/exports/2024/pii/*", bucket(i)))));
        let cases = [
            (
                before.clone(),
                union(&|i| vec![format!("{}*", bucket(i))]),
                None,
            ),
            (
                before.clone(),
                SetExpr::minus(before.clone(), denies),
                Some("arn:aws:s3:::acme-prod-analytics-03/tenants//exports/2024/pii/"),
            ),
            (
                before.clone(),
                union(&|i| {
                    vec![
                        format!("{}*/exports/2024/", bucket(i)),
                        format!("{}*/exports/2024/?*", bucket(i)),
                    ]
                }),
                None,
            ),
            (
                // `x` is a literal of `exports`: the other character is `z`.
                before.clone(),
                union(&|i| {
                    vec![
                        format!("{}*/exports/2024/", bucket(i)),
                        format!("{}*/exports/2024/??*", bucket(i)),
                    ]
                }),
                Some("arn:aws:s3:::acme-prod-analytics-00/tenants//exports/2024/z"),
            ),
            (
                union(&|i| vec![format!("{}t-{i}/exports/2024/report-{i}.csv", bucket(i))]),
                before.clone(),
                None,
            ),
        ];
        for (a, bb, want) in cases {
            let got = witness_in_difference(&a, &bb, &b()).expect("budget");
            assert_eq!(got.as_deref(), want);
            assert_eq!(is_subset(&a, &bb, &b()), Ok(want.is_none()));
        }
    }

    // ---- property tests against brute force over {a, b, /, c}, lengths 0..=5 ----

    fn pattern() -> impl Strategy<Value = SetExpr> {
        proptest::collection::vec(
            prop_oneof![
                3 => Just('a'),
                2 => Just('b'),
                1 => Just('/'),
                2 => Just('*'),
                1 => Just('?'),
            ],
            0..5,
        )
        .prop_map(|v| SetExpr::pat(&v.into_iter().collect::<String>()))
    }

    /// Patterns with two-byte characters that share their first byte (`é`, `è`), to
    /// keep the byte-level prefix and suffix tests honest.
    fn wide_pattern() -> impl Strategy<Value = SetExpr> {
        proptest::collection::vec(
            prop_oneof![
                3 => Just('a'),
                2 => Just('é'),
                2 => Just('è'),
                2 => Just('*'),
                1 => Just('?'),
            ],
            0..6,
        )
        .prop_map(|v| SetExpr::pat(&v.into_iter().collect::<String>()))
    }

    fn expr() -> impl Strategy<Value = SetExpr> {
        let leaf = prop_oneof![
            1 => Just(SetExpr::Empty),
            1 => Just(SetExpr::All),
            10 => pattern(),
        ];
        leaf.prop_recursive(3, 24, 3, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(SetExpr::Union),
                proptest::collection::vec(inner.clone(), 0..4).prop_map(SetExpr::Inter),
                inner.prop_map(SetExpr::not),
            ]
        })
    }

    fn all_strings() -> Vec<String> {
        let mut out = vec![String::new()];
        let mut level = vec![String::new()];
        for _ in 0..5 {
            let mut next = Vec::new();
            for s in &level {
                for c in ['a', 'b', '/', 'c'] {
                    next.push(format!("{s}{c}"));
                }
            }
            out.extend(next.iter().cloned());
            level = next;
        }
        out
    }

    /// Length of the shortest brute-force member of `a \ b`, if any up to length 5.
    fn brute_shortest(a: &SetExpr, bb: &SetExpr) -> Option<usize> {
        all_strings()
            .into_iter()
            .find(|s| a.contains(s) && !bb.contains(s))
            .map(|s| s.chars().count())
    }

    /// The product automaton alone, without simplification or fast paths.
    fn slow(e: &SetExpr) -> Option<String> {
        let budget = unlimited();
        let mut q = Question::empty(budget.meter());
        q.root = q.build(e);
        let mut used = 0;
        Machine::new(&q, &q.root)
            .bfs("", None, &budget, &q.meter, &mut used)
            .expect("no budget")
    }

    fn check_witness(a: &SetExpr, bb: &SetExpr, w: &Option<String>) -> Result<(), TestCaseError> {
        let brute = brute_shortest(a, bb);
        match w {
            Some(w) => {
                prop_assert!(a.contains(w), "witness {:?} not in a", w);
                prop_assert!(!bb.contains(w), "witness {:?} in b", w);
                let len = w.chars().count();
                if len <= 5 {
                    prop_assert_eq!(brute, Some(len), "witness {:?} not shortest", w);
                } else {
                    prop_assert_eq!(brute, None);
                }
            }
            None => prop_assert_eq!(brute, None, "missed a counterexample"),
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn witness_agrees_with_brute_force(a in expr(), bb in expr()) {
            let w = witness_in_difference(&a, &bb, &b()).expect("budget");
            check_witness(&a, &bb, &w)?;
            prop_assert_eq!(is_subset(&a, &bb, &b()), Ok(w.is_none()));
        }

        #[test]
        fn pattern_pairs_agree_with_brute_force(a in pattern(), bb in pattern()) {
            let w = witness_in_difference(&a, &bb, &b()).expect("budget");
            check_witness(&a, &bb, &w)?;
            prop_assert_eq!(is_subset(&a, &bb, &b()), Ok(w.is_none()));
        }

        #[test]
        fn pattern_unions_agree_with_brute_force(
            a in proptest::collection::vec(pattern(), 1..4),
            bb in proptest::collection::vec(pattern(), 1..4),
            deny in proptest::collection::vec(pattern(), 0..2),
        ) {
            let a = SetExpr::union(a);
            let bb = SetExpr::minus(SetExpr::union(bb), SetExpr::union(deny));
            let w = witness_in_difference(&a, &bb, &b()).expect("budget");
            check_witness(&a, &bb, &w)?;
            prop_assert_eq!(is_subset(&a, &bb, &b()), Ok(w.is_none()));
        }

        #[test]
        fn fast_paths_agree_with_the_plain_product(a in expr(), bb in expr()) {
            let e = SetExpr::minus(a.clone(), bb.clone());
            let fast = witness_in_difference(&a, &bb, &b()).expect("budget");
            let plain = slow(&e);
            prop_assert_eq!(fast.as_ref().map(|w| w.chars().count()), plain.as_ref().map(|w| w.chars().count()));
        }

        #[test]
        fn wide_unions_agree_with_the_plain_product(
            a in proptest::collection::vec(wide_pattern(), 1..4),
            bb in proptest::collection::vec(wide_pattern(), 1..4),
        ) {
            let (a, bb) = (SetExpr::union(a), SetExpr::union(bb));
            let fast = witness_in_difference(&a, &bb, &b()).expect("budget");
            if let Some(w) = &fast {
                prop_assert!(a.contains(w) && !bb.contains(w), "bad witness {:?}", w);
            }
            let plain = slow(&SetExpr::minus(a.clone(), bb.clone()));
            prop_assert_eq!(fast.map(|w| w.chars().count()), plain.map(|w| w.chars().count()));
        }

        #[test]
        fn sample_and_emptiness_agree_with_brute_force(a in expr()) {
            let s = sample(&a, &b()).expect("budget");
            check_witness(&a, &SetExpr::Empty, &s)?;
            prop_assert_eq!(is_empty(&a, &b()), Ok(s.is_none()));
        }

        #[test]
        fn syntactic_tests_are_sound(a in wide_pattern(), bb in wide_pattern()) {
            let (SetExpr::Pat(pa), SetExpr::Pat(pb)) = (&a, &bb) else { return Ok(()) };
            let (xa, xb) = (atoms(pa), atoms(pb));
            if syntactic_subset(&xa, &xb) {
                prop_assert_eq!(literal_ends(pa, pb), Ends::Fit);
                prop_assert_eq!(slow(&SetExpr::minus(a.clone(), bb.clone())), None);
            }
            if is_one_star(pb) && pa.has_wildcards() {
                let exact = literal_ends(pa, pb) == Ends::Fit;
                let plain = slow(&SetExpr::minus(a.clone(), bb.clone())).is_none();
                prop_assert_eq!(exact, plain);
            }
            if disjoint(&xa, &xb) || literal_ends(pa, pb) == Ends::Clash {
                prop_assert_eq!(slow(&SetExpr::inter([a.clone(), bb.clone()])), None);
            }
        }
    }
}

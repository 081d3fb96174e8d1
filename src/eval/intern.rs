//! Process-wide interning of the texts and token lists resource patterns share, and of
//! statements' resource scopes.
//!
//! The two sides of a diff are read and compiled apart, so a pattern both sides hold
//! (every unchanged statement's resources, an organization's gated ARNs in every
//! account's exceptions) was two allocations with equal contents: each of the thousands
//! of comparisons the diff makes between them read both to the end. Interned, equal
//! contents are one allocation while any holder lives, and equality is settled by
//! address; unequal contents still compare by content (so a value that missed the
//! interner, on a hash collision, stays correct, only slower).
//!
//! Entries are weak: the interner keeps no value alive. Each shard forgets its dead
//! entries once it has grown to twice what was alive at its last look.

use std::borrow::Borrow;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, LazyLock, Mutex, Weak};

use rustc_hash::{FxHashMap, FxHasher};

use super::scope::ResourceScope;
use super::wildcard::Token;

/// Shards, by the hash's top bits: the compilation of both sides interns in parallel.
const SHARDS: usize = 64;

/// A shard looks for dead entries once it holds this many (or twice what was alive).
const KEPT: usize = 256;

struct Shard<T: ?Sized> {
    limit: usize,
    live: FxHashMap<u64, Weak<T>>,
}

/// Values of type `T` by the hash of their contents.
pub struct Interner<T: ?Sized> {
    shards: Vec<Mutex<Shard<T>>>,
}

impl<T: ?Sized + PartialEq> Interner<T> {
    fn new() -> Self {
        Interner {
            shards: (0..SHARDS)
                .map(|_| {
                    Mutex::new(Shard {
                        limit: KEPT,
                        live: FxHashMap::default(),
                    })
                })
                .collect(),
        }
    }

    /// The live value equal to `owned`, or `owned` made shared and remembered. `hash` is
    /// the hash of the contents (equal contents, equal hashes). On a collision with a
    /// live value of other contents, `owned` is returned unremembered.
    pub fn intern<O: Borrow<T> + Into<Arc<T>>>(&self, hash: u64, owned: O) -> Arc<T> {
        let Some(shard) = self.shards.get((hash >> 58) as usize % SHARDS) else {
            return owned.into();
        };
        // a panic elsewhere while the lock was held leaves a map of weak entries, each
        // whole: still sound to use
        let mut shard = match shard.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(known) = shard.live.get(&hash).and_then(Weak::upgrade) {
            if *known == *owned.borrow() {
                return known;
            }
            return owned.into();
        }
        if shard.live.len() >= shard.limit {
            shard.live.retain(|_, w| w.strong_count() > 0);
            shard.limit = KEPT.max(2 * shard.live.len());
        }
        let made: Arc<T> = owned.into();
        shard.live.insert(hash, Arc::downgrade(&made));
        made
    }
}

static TOKENS: LazyLock<Interner<[Token]>> = LazyLock::new(Interner::new);
static TEXTS: LazyLock<Interner<str>> = LazyLock::new(Interner::new);
static SCOPES: LazyLock<Interner<ResourceScope>> = LazyLock::new(Interner::new);

/// A pattern's normalized tokens, shared with every live pattern of the same tokens.
pub fn tokens(hash: u64, tokens: Vec<Token>) -> Arc<[Token]> {
    TOKENS.intern(hash, tokens)
}

/// A pattern's text, shared with every live equal text.
pub fn text(text: &str) -> Arc<str> {
    let mut h = FxHasher::default();
    text.hash(&mut h);
    TEXTS.intern(h.finish(), text)
}

/// A statement's resource scope, shared with every live equal scope: a GCP organization's
/// tens of thousands of bindings name a few hundred nodes, and the diff reads each
/// member's grants' scopes (by address where it can).
pub fn scope(scope: ResourceScope) -> Arc<ResourceScope> {
    let mut h = FxHasher::default();
    super::scope::hash_scope(&scope, &mut h);
    SCOPES.intern(h.finish(), scope)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_contents_share_one_value_while_it_lives() {
        let a = text("arn:aws:s3:::intern-test-bucket/*");
        let b = text(&String::from("arn:aws:s3:::intern-test-bucket/*"));
        assert!(Arc::ptr_eq(&a, &b));
        let c = text("arn:aws:s3:::intern-test-other/*");
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!(&*c, "arn:aws:s3:::intern-test-other/*");
    }

    #[test]
    fn a_collision_keeps_both_values_apart() {
        let i: Interner<str> = Interner::new();
        let a = i.intern(7, "first");
        let b = i.intern(7, "second");
        assert_eq!((&*a, &*b), ("first", "second"));
        let again = i.intern(7, "first");
        assert!(Arc::ptr_eq(&a, &again));
    }

    #[test]
    fn dead_values_are_forgotten() {
        let i: Interner<str> = Interner::new();
        // every hash in shard 0, past the first look for dead entries
        for n in 0..(3 * KEPT as u64) {
            drop(i.intern(n, format!("v{n}")));
        }
        let held = i.shards.first().map(|s| match s.lock() {
            Ok(g) => g.live.len(),
            Err(p) => p.into_inner().live.len(),
        });
        assert!(held.is_some_and(|n| n <= KEPT), "{held:?}");
        // a dead entry's hash takes the new value
        let v = i.intern(0, "new");
        assert_eq!(&*v, "new");
    }
}

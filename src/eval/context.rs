//! The request context that conditions and policy variables are evaluated against: context
//! key (case-insensitive, as IAM key names are) → its values. A context is *closed* when
//! it lists every key the request has, so a key not in it is absent; otherwise it is
//! *open* and a key not in it is unknown, which makes the conditions that read it
//! undecidable instead of guessed.

use std::collections::BTreeMap;

use super::variables::{VarValue, VariableSource};

/// What the context knows about one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// The key is present with these values (possibly none: a null data set).
    Values(&'a [String]),
    /// The key is definitely not in the request (closed context).
    Absent,
    /// The context does not say (open context).
    Unknown,
}

/// Context keys and values of one (hypothetical) request. Keys are stored ASCII-lowercased;
/// a `BTreeMap` keeps [`RequestContext::keys`] in a stable order for reports.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestContext {
    entries: BTreeMap<Box<str>, Vec<String>>,
    closed: bool,
    /// Lowercase keys, or key prefixes ending in `/`, known to be absent even in an open
    /// context (a role has no `aws:username`; a tag the principal lacks is not sent).
    absent: Vec<Box<str>>,
}

/// Keys up to this length are lowercased on the stack in [`RequestContext::get`].
const KEY_BUF: usize = 128;

impl RequestContext {
    /// An empty context; `closed` says whether keys not inserted are absent (true) or
    /// unknown (false).
    pub fn new(closed: bool) -> Self {
        RequestContext {
            entries: BTreeMap::new(),
            closed,
            absent: Vec::new(),
        }
    }

    /// Declares `key` absent from the request whatever `closed` says; a key ending in `/`
    /// declares every key under that prefix (e.g. `aws:PrincipalTag/`) absent unless
    /// inserted.
    pub fn insert_absent(&mut self, key: &str) {
        self.absent.push(key.to_ascii_lowercase().into_boxed_str());
    }

    fn known_absent(&self, key: &str) -> bool {
        self.absent.iter().any(|a| {
            if a.ends_with('/') {
                key.get(..a.len())
                    .is_some_and(|p| p.eq_ignore_ascii_case(a))
            } else {
                key.eq_ignore_ascii_case(a)
            }
        })
    }

    /// Sets `key` to `values`; a later insert of the same key (in any case) replaces it.
    pub fn insert(&mut self, key: &str, values: Vec<String>) {
        self.entries
            .insert(key.to_ascii_lowercase().into_boxed_str(), values);
    }

    /// The values of `key` (any case). Does not allocate for keys up to 128 bytes.
    pub fn get(&self, key: &str) -> Lookup<'_> {
        let found = if !key.bytes().any(|b| b.is_ascii_uppercase()) {
            self.entries.get(key)
        } else if key.len() <= KEY_BUF {
            let mut buf = [0u8; KEY_BUF];
            let dst = buf.get_mut(..key.len()).unwrap_or_default();
            dst.copy_from_slice(key.as_bytes());
            dst.make_ascii_lowercase();
            // ASCII lowercasing keeps UTF-8 valid, so this cannot fail.
            match std::str::from_utf8(dst) {
                Ok(lower) => self.entries.get(lower),
                Err(_) => self.entries.get(key.to_ascii_lowercase().as_str()),
            }
        } else {
            self.entries.get(key.to_ascii_lowercase().as_str())
        };
        match found {
            Some(values) => Lookup::Values(values),
            None if self.closed || self.known_absent(key) => Lookup::Absent,
            None => Lookup::Unknown,
        }
    }

    /// True when keys not in the context are absent rather than unknown.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// The keys, lowercase, in sorted order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(|k| &**k)
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no key was inserted.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Policy variables read single values: a key with one value substitutes it; a key with
/// no values is absent. A multivalued key cannot be a policy variable (IAM User Guide,
/// "Single-valued vs. multivalued context keys"), so it is unknown rather than guessed.
impl VariableSource for RequestContext {
    fn variable(&self, key: &str) -> VarValue {
        match self.get(key) {
            Lookup::Values([one]) => VarValue::Known(one.clone()),
            Lookup::Values([]) | Lookup::Absent => VarValue::Absent,
            Lookup::Values(_) | Lookup::Unknown => VarValue::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn keys_are_case_insensitive() {
        let mut c = RequestContext::new(true);
        c.insert("aws:PrincipalTag/Team", v(&["blue"]));
        assert_eq!(
            c.get("aws:principaltag/team"),
            Lookup::Values(&v(&["blue"]))
        );
        assert_eq!(
            c.get("AWS:PRINCIPALTAG/TEAM"),
            Lookup::Values(&v(&["blue"]))
        );
        assert_eq!(c.keys().collect::<Vec<_>>(), ["aws:principaltag/team"]);
    }

    #[test]
    fn later_insert_replaces() {
        let mut c = RequestContext::new(true);
        c.insert("aws:SourceIp", v(&["1.2.3.4"]));
        c.insert("AWS:SOURCEIP", v(&["5.6.7.8"]));
        assert_eq!(c.get("aws:sourceip"), Lookup::Values(&v(&["5.6.7.8"])));
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn missing_key_depends_on_closed() {
        assert_eq!(
            RequestContext::new(true).get("aws:username"),
            Lookup::Absent
        );
        assert_eq!(
            RequestContext::new(false).get("aws:username"),
            Lookup::Unknown
        );
        assert!(RequestContext::new(true).is_closed());
        assert!(RequestContext::new(false).is_empty());
    }

    #[test]
    fn long_keys_work() {
        let mut c = RequestContext::new(true);
        let key = format!("aws:RequestTag/{}", "X".repeat(300));
        c.insert(&key, v(&["1"]));
        assert_eq!(c.get(&key), Lookup::Values(&v(&["1"])));
        assert_eq!(c.get(&key.to_ascii_lowercase()), Lookup::Values(&v(&["1"])));
    }

    #[test]
    fn non_ascii_keys_keep_their_non_ascii_case() {
        let mut c = RequestContext::new(true);
        c.insert("aws:PrincipalTag/Équipe", v(&["x"]));
        assert_eq!(c.get("AWS:principaltag/Équipe"), Lookup::Values(&v(&["x"])));
        assert_eq!(c.get("aws:principaltag/équipe"), Lookup::Absent);
    }

    #[test]
    fn variables_from_context() {
        let mut c = RequestContext::new(true);
        c.insert("aws:username", v(&["alice"]));
        c.insert("aws:TagKeys", v(&["a", "b"]));
        c.insert("aws:empty", v(&[]));
        assert_eq!(c.variable("AWS:UserName"), VarValue::Known("alice".into()));
        assert_eq!(c.variable("aws:tagkeys"), VarValue::Unknown);
        assert_eq!(c.variable("aws:empty"), VarValue::Absent);
        assert_eq!(c.variable("aws:missing"), VarValue::Absent);
        assert_eq!(
            RequestContext::new(false).variable("aws:missing"),
            VarValue::Unknown
        );
    }
}

//! Places of many nodes in one input text, for reports that point at statements (SARIF
//! results need a line and column, issue 12): JSON pointers resolved to line:column, and
//! the attachment of a catalog policy found in the file that attaches it.
//!
//! JSON texts are scanned once for all the pointers asked for; YAML texts use
//! [`yaml::locate`], one parse per pointer (YAML inputs are small). A pointer that goes
//! into an embedded document (a policy given as a JSON string) resolves to its longest
//! prefix that exists: the string holding the document. Columns count Unicode code
//! points from 1, as SARIF's `unicodeCodePoints` column kind does.

use rustc_hash::FxHashMap;

use super::yaml;

/// Nesting past which the scanner stops looking (inputs this deep were refused on read).
const MAX_DEPTH: usize = 256;

/// 1-based line and column (in code points) of each pointer's node, in the order given.
pub fn locate_pointers(text: &[u8], pointers: &[&str]) -> Vec<Option<(u32, u32)>> {
    if is_json(text) {
        let mut want: FxHashMap<&str, Option<usize>> = pointers
            .iter()
            .flat_map(|p| prefixes(p))
            .map(|p| (p, None))
            .collect();
        let mut s = Scan {
            text,
            at: 0,
            pointer: String::new(),
            want: &mut want,
        };
        s.ws();
        let first = s.at;
        s.value(0, true);
        s.ws();
        if matches!(s.peek(), Some(b'{' | b'[')) {
            // a stream of documents (NDJSON, as a Cloud Asset export writes): `/i/...`
            // points into the i-th document, as the readers number them
            for slot in s.want.values_mut() {
                *slot = None;
            }
            if let Some(root) = s.want.get_mut("") {
                *root = Some(first);
            }
            s.at = first;
            let mut i = 0usize;
            while s.at < text.len() {
                s.pointer = format!("/{i}");
                if !s.value(1, true) {
                    break;
                }
                s.ws();
                i += 1;
            }
        }
        let offsets: Vec<Option<usize>> = pointers
            .iter()
            .map(|p| prefixes(p).find_map(|q| want.get(q).copied().flatten()))
            .collect();
        line_cols(text, &offsets)
    } else {
        pointers
            .iter()
            .map(|p| prefixes(p).find_map(|q| yaml::locate(text, q, false)))
            .collect()
    }
}

/// What [`find_attachments`] looks for: a policy (its ARN when known, and its name)
/// attached to a holder (a user, role or group name).
#[derive(Clone, Copy)]
pub struct Attachment<'a> {
    pub arn: Option<&'a str>,
    pub name: &'a str,
    pub holder: &'a str,
}

/// Where the text attaches each policy to its holder: the pointer of the node whose string
/// value is the ARN or the name, preferring one under a mapping that names the holder (a
/// user's, group's or role's entry, or an attachment resource). One parse of the text and
/// one walk of it for every attachment asked for (a report may ask for thousands in a
/// 70 MB export).
pub fn find_attachments(text: &[u8], wanted: &[Attachment<'_>]) -> Vec<Option<String>> {
    match parse_tree(text) {
        Some(tree) => find_attachments_in(&tree, wanted),
        None => vec![None; wanted.len()],
    }
}

/// The text as a tree for [`find_attachments_in`] (none when it does not parse): JSON
/// through serde_json's parser into YAML's tree, which keeps document order.
pub fn parse_tree(text: &[u8]) -> Option<serde_yaml::Value> {
    if is_json(text) {
        serde_json::from_slice::<serde_yaml::Value>(text).ok()
    } else {
        serde_yaml::from_slice::<serde_yaml::Value>(text).ok()
    }
}

/// [`find_attachments`] in a tree parsed once by [`parse_tree`].
pub fn find_attachments_in(
    tree: &serde_yaml::Value,
    wanted: &[Attachment<'_>],
) -> Vec<Option<String>> {
    let mut finder = Finder::new(wanted);
    finder.walk(tree, &mut Vec::new(), &mut Vec::new(), 0);
    finder.best.into_iter().map(|b| b.map(|(_, p)| p)).collect()
}

/// A test of a text's bytes, cheaper than a parse, that rules out most of the
/// attachments a walk of it could not find: a hit is a string equal to the policy's ARN
/// or ending in its name, so a JSON text whose bytes hold neither (and whose escapes
/// cannot spell either) has none. Each distinct name and ARN is searched once per text.
pub struct Needles<'a> {
    finders: Vec<memchr::memmem::Finder<'a>>,
    /// Per wanted attachment, its needles (none when an escape could spell it: then it
    /// is always looked for).
    of: Vec<Option<Vec<usize>>>,
}

impl<'a> Needles<'a> {
    pub fn new(wanted: &[Attachment<'a>]) -> Self {
        let mut ids: FxHashMap<&'a str, usize> = FxHashMap::default();
        let mut finders = Vec::new();
        // a character an escape other than `\u` and `\/` may stand for
        let escapable = |t: &str| t.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20);
        let of = wanted
            .iter()
            .map(|a| {
                let texts: Vec<&'a str> = std::iter::once(a.name).chain(a.arn).collect();
                if texts.iter().any(|t| escapable(t)) {
                    return None;
                }
                let mut mine = Vec::new();
                for t in texts {
                    let id = *ids.entry(t).or_insert_with(|| {
                        finders.push(memchr::memmem::Finder::new(t.as_bytes()));
                        finders.len() - 1
                    });
                    mine.push(id);
                }
                Some(mine)
            })
            .collect();
        Needles { finders, of }
    }

    /// Those of the wanted attachments `among` (indices into the list given to
    /// [`Needles::new`]) that a walk of `text` may find. YAML texts (whose scalars may be
    /// folded or escaped) and JSON texts with `\u` or `\/` escapes keep them all.
    pub fn possible(&self, text: &[u8], among: &[usize]) -> Vec<usize> {
        use memchr::memmem::find;
        if !is_json(text) || find(text, b"\\u").is_some() || find(text, b"\\/").is_some() {
            return among.to_vec();
        }
        let mut present: Vec<Option<bool>> = vec![None; self.finders.len()];
        among
            .iter()
            .copied()
            .filter(|&w| match self.of.get(w) {
                Some(Some(ids)) => ids.iter().any(|&id| {
                    *present[id].get_or_insert_with(|| {
                        self.finders.get(id).is_some_and(|f| f.find(text).is_some())
                    })
                }),
                _ => true,
            })
            .collect()
    }
}

/// One walk finding every wanted attachment: a string node is a hit for an attachment
/// when it is the policy's ARN, its name, or a path ending in `/NAME`; the hit under the
/// deepest mapping naming the holder wins (an exact ARN breaks ties), the first in
/// document order among equals.
struct Finder<'w, 'a> {
    wanted: &'w [Attachment<'a>],
    /// Wanted attachments by the ARN or the name a string node may equal.
    by_text: FxHashMap<&'a str, Vec<usize>>,
    best: Vec<Option<(usize, String)>>,
}

/// One step of the walk's path: the pointer is only spelled out at a hit (a 70 MB export
/// has millions of nodes and a few thousand hits).
enum Seg<'t> {
    Index(usize),
    Key(std::borrow::Cow<'t, str>),
}

fn pointer_of(path: &[Seg<'_>]) -> String {
    let mut out = String::new();
    for seg in path {
        out.push('/');
        match seg {
            Seg::Index(i) => out.push_str(&i.to_string()),
            Seg::Key(k) => out.push_str(&k.replace('~', "~0").replace('/', "~1")),
        }
    }
    out
}

impl<'w, 'a> Finder<'w, 'a> {
    fn new(wanted: &'w [Attachment<'a>]) -> Self {
        let mut by_text: FxHashMap<&'a str, Vec<usize>> = FxHashMap::default();
        for (i, a) in wanted.iter().enumerate() {
            by_text.entry(a.name).or_default().push(i);
            if let Some(arn) = a.arn.filter(|arn| *arn != a.name) {
                by_text.entry(arn).or_default().push(i);
            }
        }
        Finder {
            wanted,
            by_text,
            best: vec![None; wanted.len()],
        }
    }

    /// `levels` holds, per level above `v`, the mapping at that level (none for a
    /// sequence): a hit looks there for the holder's name. `path` is `v`'s pointer.
    fn walk<'t>(
        &mut self,
        v: &'t serde_yaml::Value,
        levels: &mut Vec<Option<&'t serde_yaml::Mapping>>,
        path: &mut Vec<Seg<'t>>,
        depth: usize,
    ) {
        use serde_yaml::Value;
        if depth > MAX_DEPTH {
            return;
        }
        match v {
            Value::String(s) => self.hit(s, levels, path),
            Value::Sequence(items) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(Seg::Index(i));
                    levels.push(None);
                    self.walk(item, levels, path, depth + 1);
                    levels.pop();
                    path.pop();
                }
            }
            Value::Mapping(map) => {
                for (k, item) in map {
                    let key = match k {
                        Value::String(s) => std::borrow::Cow::Borrowed(s.as_str()),
                        Value::Bool(b) => std::borrow::Cow::Owned(b.to_string()),
                        Value::Number(n) => std::borrow::Cow::Owned(n.to_string()),
                        _ => continue,
                    };
                    path.push(Seg::Key(key));
                    levels.push(Some(map));
                    self.walk(item, levels, path, depth + 1);
                    levels.pop();
                    path.pop();
                }
            }
            Value::Tagged(t) => self.walk(&t.value, levels, path, depth + 1),
            _ => {}
        }
    }

    fn hit(&mut self, s: &str, levels: &[Option<&serde_yaml::Mapping>], path: &[Seg<'_>]) {
        // the string itself, then every part after a `/` (a path or ARN ending in the name)
        let tails = std::iter::once(s).chain(s.match_indices('/').map(|(i, _)| &s[i + 1..]));
        let mut candidates: Vec<usize> = Vec::new();
        for t in tails {
            if let Some(ids) = self.by_text.get(t) {
                candidates.extend(ids);
            }
        }
        if candidates.is_empty() {
            return;
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut pointer: Option<String> = None;
        for i in candidates {
            let a = &self.wanted[i];
            let matches = a.arn == Some(s)
                || s == a.name
                || s.strip_suffix(a.name)
                    .is_some_and(|p| p.ends_with(":policy/") || p.ends_with('/'));
            if !matches {
                continue;
            }
            // the deeper the mapping naming the holder, the closer the attachment
            let names = levels
                .iter()
                .rposition(|l| l.is_some_and(|m| m.values().any(|x| x.as_str() == Some(a.holder))))
                .map_or(0, |d| d + 1);
            let score = names * 2 + usize::from(a.arn == Some(s));
            if self.best[i].as_ref().is_none_or(|(b, _)| score > *b) {
                let p = pointer.get_or_insert_with(|| pointer_of(path)).clone();
                self.best[i] = Some((score, p));
            }
        }
    }
}

/// The pointer, then each shorter prefix of it down to the root.
fn prefixes(p: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(p), |q| q.rfind('/').map(|i| &q[..i]))
}

fn is_json(text: &[u8]) -> bool {
    matches!(super::source::first_byte(text), Some(b'{' | b'['))
}

/// Line and column (in code points) of each offset: one pass over the text up to the
/// last of them, counting line breaks, with no table of every line's start.
fn line_cols(text: &[u8], offsets: &[Option<usize>]) -> Vec<Option<(u32, u32)>> {
    let mut order: Vec<(usize, usize)> = offsets
        .iter()
        .enumerate()
        .filter_map(|(i, o)| o.map(|o| (o.min(text.len()), i)))
        .collect();
    order.sort_unstable();
    let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let mut out = vec![None; offsets.len()];
    // the line (1-based) and its start, at `upto`
    let (mut line, mut start, mut upto) = (1usize, 0usize, 0usize);
    for (offset, i) in order {
        let span = text.get(upto..offset).unwrap_or_default();
        line += count_newlines(span);
        if let Some(last) = span.iter().rposition(|&b| b == b'\n') {
            start = upto + last + 1;
        }
        upto = offset;
        let chars = text
            .get(start..offset)
            .map_or(0, |b| b.iter().filter(|&&c| (c & 0xC0) != 0x80).count());
        if let Some(slot) = out.get_mut(i) {
            *slot = Some((clamp(line), clamp(chars + 1)));
        }
    }
    out
}

/// The line breaks in `bytes`: counted 255 bytes at a time in a byte-wide counter, which
/// the compiler vectorizes (a 70 MB export has millions of lines before its last place).
fn count_newlines(bytes: &[u8]) -> usize {
    bytes
        .chunks(255)
        .map(|c| {
            usize::from(
                c.iter()
                    .fold(0u8, |n, &b| n.wrapping_add(u8::from(b == b'\n'))),
            )
        })
        .sum()
}

/// A one-pass JSON scanner recording the offset of each wanted pointer's value. Tolerant:
/// on anything unexpected it stops, and what it did not reach stays unplaced.
struct Scan<'t, 'w, 'p> {
    text: &'t [u8],
    at: usize,
    pointer: String,
    want: &'w mut FxHashMap<&'p str, Option<usize>>,
}

impl Scan<'_, '_, '_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// Scans the value at `self.at`; false when the text is not as expected. With
    /// `track`, `self.pointer` is the value's pointer; a value no wanted pointer goes
    /// through is only stepped over, with no pointers built (the same checks, so the
    /// scan stops at the same places).
    fn value(&mut self, depth: usize, track: bool) -> bool {
        let track = track
            && match self.want.get_mut(self.pointer.as_str()) {
                Some(slot) => {
                    *slot = Some(self.at);
                    true
                }
                None => false,
            };
        if depth > MAX_DEPTH {
            return false;
        }
        match self.peek() {
            Some(b'{') => {
                self.at += 1;
                self.ws();
                if self.peek() == Some(b'}') {
                    self.at += 1;
                    return true;
                }
                loop {
                    self.ws();
                    let key = if track {
                        self.string()
                    } else {
                        self.skip_string().then(String::new)
                    };
                    let Some(key) = key else {
                        return false;
                    };
                    self.ws();
                    if self.peek() != Some(b':') {
                        return false;
                    }
                    self.at += 1;
                    self.ws();
                    let len = self.pointer.len();
                    if track {
                        self.pointer.push('/');
                        self.pointer
                            .push_str(&key.replace('~', "~0").replace('/', "~1"));
                    }
                    let ok = self.value(depth + 1, track);
                    self.pointer.truncate(len);
                    if !ok || !self.next_or_end(b'}') {
                        return ok && self.text.get(self.at - 1) == Some(&b'}');
                    }
                }
            }
            Some(b'[') => {
                self.at += 1;
                self.ws();
                if self.peek() == Some(b']') {
                    self.at += 1;
                    return true;
                }
                let mut i = 0usize;
                loop {
                    self.ws();
                    let len = self.pointer.len();
                    if track {
                        self.pointer.push('/');
                        self.pointer.push_str(&i.to_string());
                    }
                    let ok = self.value(depth + 1, track);
                    self.pointer.truncate(len);
                    i += 1;
                    if !ok || !self.next_or_end(b']') {
                        return ok && self.text.get(self.at - 1) == Some(&b']');
                    }
                }
            }
            Some(b'"') => self.skip_string(),
            Some(_) => {
                while let Some(b) = self.peek() {
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                        break;
                    }
                    self.at += 1;
                }
                true
            }
            None => false,
        }
    }

    /// After a member: true at `,` (more follow), false at `close` (consumed) or else.
    fn next_or_end(&mut self, close: u8) -> bool {
        self.ws();
        match self.peek() {
            Some(b',') => {
                self.at += 1;
                true
            }
            Some(b) if b == close => {
                self.at += 1;
                false
            }
            _ => false,
        }
    }

    /// A string token, unescaped.
    fn string(&mut self) -> Option<String> {
        let (start, i, escaped) = self.string_end()?;
        let raw = self.text.get(start..i)?;
        if !escaped {
            return Some(String::from_utf8_lossy(raw).into_owned());
        }
        let mut quoted = Vec::with_capacity(raw.len() + 2);
        quoted.push(b'"');
        quoted.extend_from_slice(raw);
        quoted.push(b'"');
        serde_json::from_slice(&quoted).ok()
    }

    /// Moves past a string token: the start and end of its content and whether it has
    /// escapes, or `None` (not a string, or cut off in an escape) as [`Self::string`].
    fn string_end(&mut self) -> Option<(usize, usize, bool)> {
        if self.peek() != Some(b'"') {
            return None;
        }
        let start = self.at + 1;
        let mut i = start;
        let mut escaped = false;
        // most of an export's bytes are inside strings: jump to the next quote or escape
        while let Some(rest) = self.text.get(i..) {
            match memchr::memchr2(b'"', b'\\', rest) {
                Some(n) if rest.get(n) == Some(&b'"') => {
                    i += n;
                    break;
                }
                Some(n) => {
                    escaped = true;
                    i += n + 2;
                }
                None => {
                    i = self.text.len();
                    break;
                }
            }
        }
        self.text.get(start..i)?;
        self.at = i + 1;
        Some((start, i, escaped))
    }

    /// [`Self::string`] without building the string: whether it would give one.
    fn skip_string(&mut self) -> bool {
        match self.string_end() {
            Some((_, _, false)) => true,
            Some((start, i, true)) => {
                let mut quoted = Vec::with_capacity(i - start + 2);
                quoted.push(b'"');
                quoted.extend_from_slice(self.text.get(start..i).unwrap_or_default());
                quoted.push(b'"');
                serde_json::from_slice::<String>(&quoted).is_ok()
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_pointers_resolve_in_one_pass() {
        let text = "{\n  \"a\": [1, {\"b~/c\": \"x\"}],\n  \"é\": {\"d\": \"{\\\"Statement\\\": []}\"}\n}\n";
        let got = locate_pointers(
            text.as_bytes(),
            &["/a/1/b~0~1c", "/a/0", "/%C3", "/é/d/Statement/0", ""],
        );
        assert_eq!(
            got,
            vec![
                Some((2, 21)),
                Some((2, 9)),
                Some((1, 1)),
                Some((3, 14)),
                Some((1, 1))
            ]
        );
    }

    #[test]
    fn ndjson_pointers_resolve_in_their_document() {
        let text = "{\"a\": [1, 2]}\n{\"b\": {\"c\": 3}}\n\n{\"a\": [4]}\n";
        assert_eq!(
            locate_pointers(
                text.as_bytes(),
                &["/1/b/c", "/0/a/1", "/2/a/0", "/2", "/7/x"]
            ),
            vec![
                Some((2, 13)),
                Some((1, 11)),
                Some((4, 8)),
                Some((4, 1)),
                Some((1, 1))
            ]
        );
    }

    #[test]
    fn yaml_pointers_resolve() {
        let text = "Statement:\n  - Sid: A\n    Effect: Allow\n";
        assert_eq!(
            locate_pointers(text.as_bytes(), &["/Statement/0"]),
            vec![Some((2, 5))]
        );
    }

    #[test]
    fn needles_rule_out_only_texts_that_cannot_attach() {
        let wanted = [
            Attachment {
                arn: Some("arn:aws:iam::aws:policy/ReadOnlyAccess"),
                name: "ReadOnlyAccess",
                holder: "bob",
            },
            Attachment {
                arn: None,
                name: "AWS: sts:GetCallerIdentity needs no permission",
                holder: "bob",
            },
            Attachment {
                arn: None,
                name: "say \"hi\"",
                holder: "bob",
            },
        ];
        let n = Needles::new(&wanted);
        let all = [0, 1, 2];
        let plain = br#"{"UserName": "bob", "AttachedManagedPolicies": [{"PolicyName": "ReadOnlyAccess"}]}"#;
        // the name is there; the sentence is not; a name an escape could spell is kept
        assert_eq!(n.possible(plain, &all), vec![0, 2]);
        assert_eq!(n.possible(br#"{"a": "b"}"#, &[0, 1]), Vec::<usize>::new());
        // an escape may spell a name its bytes do not hold: the walk still finds it
        let escaped =
            br#"{"UserName": "bob", "Attached": [{"PolicyName": "ReadOnly\u0041ccess"}]}"#;
        assert_eq!(n.possible(escaped, &[0, 1]), vec![0, 1]);
        assert!(find_attachments(escaped, &wanted[..1])[0].is_some());
        // YAML scalars may be folded: always walked
        assert_eq!(n.possible(b"a: b\n", &[1]), vec![1]);
    }

    #[test]
    fn attachments_prefer_the_holders_entry() {
        let text = r#"{"UserDetailList": [
 {"UserName": "bob", "AttachedManagedPolicies": [{"PolicyName": "ReadOnlyAccess"}]},
 {"UserName": "carol", "AttachedManagedPolicies": [
   {"PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]}]}"#;
        let p = find_attachments(
            text.as_bytes(),
            &[Attachment {
                arn: Some("arn:aws:iam::aws:policy/ReadOnlyAccess"),
                name: "ReadOnlyAccess",
                holder: "carol",
            }],
        );
        assert_eq!(
            p[0].as_deref(),
            Some("/UserDetailList/1/AttachedManagedPolicies/0/PolicyArn")
        );
    }
}

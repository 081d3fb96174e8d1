//! A CloudFormation template (or a `--cfn-params` file) as the file wrote it: a tree of
//! JSON values whose maps keep their keys in input order, where a key given twice is an
//! error, and where every node knows its place (JSON pointer, line:column).
//!
//! Templates are not read into typed structs: their values may be intrinsic functions
//! anywhere (`{"Fn::Join": [...]}` where a string is expected), so the reader resolves
//! them node by node and needs the place of each node for its messages. YAML templates
//! arrive here as the equivalent long-form JSON text (see `ingest::yaml::cfn_to_json`)
//! and get their YAML positions afterwards.

use rustc_hash::FxHashSet;

use crate::ingest::err::escape_token;

/// Where a node is: its JSON pointer in the template (long form for YAML) and its
/// 1-based line:column (0 when unknown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Loc {
    pub pointer: String,
    pub line: u32,
    pub column: u32,
}

/// A parsed file: its root node, and the place of every node by [`Node::id`].
#[derive(Debug)]
pub(crate) struct Tree {
    pub root: Node,
    pub locs: Vec<Loc>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    /// Index of the node's [`Loc`] in [`Tree::locs`].
    pub id: u32,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Null,
    Bool(bool),
    /// A number as written (`1`, `1.5`); CloudFormation treats numbers as strings.
    Num(String),
    Str(String),
    List(Vec<Node>),
    /// Keys in input order, each once.
    Map(Vec<(String, Node)>),
}

impl Node {
    /// The value of `key`, when the node is a map that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    pub fn as_map(&self) -> Option<&[(String, Node)]> {
        match &self.kind {
            Kind::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::List(l) => Some(l),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The one key of a map with exactly one entry (how intrinsic functions look).
    pub fn single(&self) -> Option<(&str, &Node)> {
        match self.as_map()? {
            [(k, v)] => Some((k, v)),
            _ => None,
        }
    }

    /// What the node is, for messages (`a list`, `a string`).
    pub fn describe(&self) -> &'static str {
        match self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Num(_) => "a number",
            Kind::Str(_) => "a string",
            Kind::List(_) => "a list",
            Kind::Map(_) => "an object",
        }
    }
}

/// A problem found while building the tree: where (byte offset in the text, pointer)
/// and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TreeError {
    pub offset: usize,
    pub pointer: String,
    pub message: String,
}

/// How deep a tree may nest; serde_json, which checks the syntax first, stops at 128.
const MAX_DEPTH: u32 = 256;

/// Builds the tree of a JSON text whose syntax serde_json has already accepted (so only
/// duplicate keys, and nothing else, are expected to fail here).
pub(crate) fn parse_tree(text: &[u8]) -> Result<Tree, TreeError> {
    let mut p = Parser {
        b: text,
        i: 0,
        line: 1,
        line_start: 0,
        locs: Vec::new(),
        pointer: String::new(),
        depth: 0,
    };
    let root = p.value()?;
    Ok(Tree { root, locs: p.locs })
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
    line: u32,
    line_start: usize,
    locs: Vec<Loc>,
    pointer: String,
    depth: u32,
}

impl Parser<'_> {
    fn error(&self, message: impl Into<String>) -> TreeError {
        TreeError {
            offset: self.i,
            pointer: self.pointer.clone(),
            message: message.into(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while let Some(c) = self.peek() {
            match c {
                b'\n' => {
                    self.i += 1;
                    self.line += 1;
                    self.line_start = self.i;
                }
                b' ' | b'\t' | b'\r' => self.i += 1,
                _ => break,
            }
        }
    }

    fn column(&self) -> u32 {
        u32::try_from(self.i - self.line_start + 1).unwrap_or(u32::MAX)
    }

    fn value(&mut self) -> Result<Node, TreeError> {
        self.ws();
        let id = u32::try_from(self.locs.len()).map_err(|_| self.error("the file is too large"))?;
        self.locs.push(Loc {
            pointer: self.pointer.clone(),
            line: self.line,
            column: self.column(),
        });
        let kind = match self.peek() {
            Some(b'{') => self.nested(Self::map)?,
            Some(b'[') => self.nested(Self::list)?,
            Some(b'"') => Kind::Str(self.string()?),
            Some(b't') => self.literal("true", Kind::Bool(true))?,
            Some(b'f') => self.literal("false", Kind::Bool(false))?,
            Some(b'n') => self.literal("null", Kind::Null)?,
            Some(b'-' | b'0'..=b'9') => {
                let start = self.i;
                while matches!(
                    self.peek(),
                    Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                ) {
                    self.i += 1;
                }
                let text = self.b.get(start..self.i).unwrap_or_default();
                Kind::Num(String::from_utf8_lossy(text).into_owned())
            }
            _ => return Err(self.error("expected a JSON value")),
        };
        Ok(Node { id, kind })
    }

    fn nested(&mut self, f: fn(&mut Self) -> Result<Kind, TreeError>) -> Result<Kind, TreeError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("the document nests too deeply"));
        }
        let kind = f(self)?;
        self.depth -= 1;
        Ok(kind)
    }

    fn literal(&mut self, word: &str, kind: Kind) -> Result<Kind, TreeError> {
        if self.b.get(self.i..self.i + word.len()) == Some(word.as_bytes()) {
            self.i += word.len();
            Ok(kind)
        } else {
            Err(self.error("expected a JSON value"))
        }
    }

    /// A string token, decoded by serde_json (escapes, surrogate pairs).
    fn string(&mut self) -> Result<String, TreeError> {
        let start = self.i;
        let mut j = start + 1;
        loop {
            match self.b.get(j) {
                Some(b'\\') => j += 2,
                Some(b'"') => break,
                Some(_) => j += 1,
                None => return Err(self.error("unterminated string")),
            }
        }
        let token = self.b.get(start..=j).unwrap_or_default();
        let s = serde_json::from_slice::<String>(token)
            .map_err(|e| self.error(format!("invalid string: {e}")))?;
        self.i = j + 1;
        Ok(s)
    }

    fn expect(&mut self, c: u8) -> Result<(), TreeError> {
        self.ws();
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.error(format!("expected `{}`", char::from(c))))
        }
    }

    fn map(&mut self) -> Result<Kind, TreeError> {
        self.i += 1;
        let mut entries: Vec<(String, Node)> = Vec::new();
        let mut seen: FxHashSet<String> = FxHashSet::default();
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Kind::Map(entries));
        }
        loop {
            self.ws();
            let key_at = self.i;
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a key"));
            }
            let key = self.string()?;
            let len = self.pointer.len();
            self.pointer.push('/');
            self.pointer.push_str(&escape_token(&key));
            if !seen.insert(key.clone()) {
                let mut e = self.error(format!("duplicate key `{key}`"));
                e.offset = key_at;
                return Err(e);
            }
            self.expect(b':')?;
            let value = self.value()?;
            self.pointer.truncate(len);
            entries.push((key, value));
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Kind::Map(entries));
                }
                _ => return Err(self.error("expected `,` or `}`")),
            }
        }
    }

    fn list(&mut self) -> Result<Kind, TreeError> {
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Kind::List(items));
        }
        loop {
            let len = self.pointer.len();
            self.pointer.push_str(&format!("/{}", items.len()));
            let value = self.value()?;
            self.pointer.truncate(len);
            items.push(value);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Kind::List(items));
                }
                _ => return Err(self.error("expected `,` or `]`")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_places_and_numbers() {
        let t =
            parse_tree(b"{\"b\": [1, 2.5e3, \"x\\u00e9\"],\n \"a\": {\"k\": null, \"t\": true}}")
                .unwrap();
        let keys: Vec<&str> = t
            .root
            .as_map()
            .unwrap()
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(keys, ["b", "a"]);
        let b = t.root.get("b").unwrap().as_list().unwrap();
        assert_eq!(b[1].kind, Kind::Num("2.5e3".into()));
        assert_eq!(b[2].as_str(), Some("xé"));
        let loc = &t.locs[b[2].id as usize];
        assert_eq!(
            (loc.pointer.as_str(), loc.line, loc.column),
            ("/b/2", 1, 18)
        );
        let k = t.root.get("a").unwrap().get("k").unwrap();
        let loc = &t.locs[k.id as usize];
        assert_eq!(
            (loc.pointer.as_str(), loc.line, loc.column),
            ("/a/k", 2, 13)
        );
    }

    #[test]
    fn duplicate_keys_are_errors_at_the_key() {
        let e = parse_tree(br#"{"a": {"x/y": 1, "x/y": 2}}"#).unwrap_err();
        assert_eq!(e.message, "duplicate key `x/y`");
        assert_eq!(e.pointer, "/a/x~1y");
        assert_eq!(e.offset, 17);
    }
}

//! Line:column of every node of a YAML template, so messages about a YAML template name
//! YAML lines (`template.yaml:42:11`), not places in the JSON it was converted to.
//!
//! The YAML crate gives positions only in its errors, so this is a small scanner of its
//! own for the YAML that templates are written in: block mappings and sequences, flow
//! collections, plain, quoted and block scalars, comments, tags, anchors and aliases. It
//! reads the shape only (values come from the real parser), in the long form the
//! template is read in (`!Ref X` is a map with the key `Ref`), and its result is checked
//! against the real tree: where the two disagree (a YAML feature it does not know), the
//! nodes below take their parent's place instead. If it cannot follow the text at all, no
//! node gets a line and messages name JSON pointers only; a wrong line is never given.

use crate::ingest::raw::cloudformation::{Kind, Loc, Node, Tree};
use crate::ingest::yaml::cfn_tag_key;

/// A node's place and shape, as the scanner saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PNode {
    pub line: u32,
    pub column: u32,
    pub kind: PKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PKind {
    Leaf,
    Seq(Vec<PNode>),
    Map(Vec<(String, PNode)>),
}

/// Gives every node of `tree` (built from the long-form JSON of `yaml`) its YAML line
/// and column; nodes the scanner could not place get their parent's.
pub(crate) fn place(tree: &mut Tree, yaml: &str) {
    for loc in &mut tree.locs {
        loc.line = 0;
        loc.column = 0;
    }
    if let Some(p) = scan(yaml) {
        zip(&tree.root, &p, &mut tree.locs);
    }
    fill(&tree.root, (0, 0), &mut tree.locs);
}

fn zip(node: &Node, p: &PNode, locs: &mut [Loc]) {
    if let Some(loc) = locs.get_mut(node.id as usize) {
        loc.line = p.line;
        loc.column = p.column;
    }
    match (&node.kind, &p.kind) {
        (Kind::Map(m), PKind::Map(pm))
            if m.len() == pm.len() && m.iter().zip(pm).all(|((k, _), (pk, _))| k == pk) =>
        {
            for ((_, child), (_, pc)) in m.iter().zip(pm) {
                zip(child, pc, locs);
            }
        }
        (Kind::List(l), PKind::Seq(pl)) if l.len() == pl.len() => {
            for (child, pc) in l.iter().zip(pl) {
                zip(child, pc, locs);
            }
        }
        _ => {}
    }
}

fn fill(node: &Node, parent: (u32, u32), locs: &mut [Loc]) {
    let own = match locs.get_mut(node.id as usize) {
        Some(loc) if loc.line == 0 => {
            loc.line = parent.0;
            loc.column = parent.1;
            parent
        }
        Some(loc) => (loc.line, loc.column),
        None => parent,
    };
    match &node.kind {
        Kind::Map(m) => m.iter().for_each(|(_, c)| fill(c, own, locs)),
        Kind::List(l) => l.iter().for_each(|c| fill(c, own, locs)),
        _ => {}
    }
}

/// The shape and places of a YAML text's first document, or `None` when the scanner
/// cannot follow it.
pub(crate) fn scan(text: &str) -> Option<PNode> {
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let mut s = Scanner { lines, l: 0 };
    // directives and the document start marker
    let mut first = 0;
    while let Some(line) = s.lines.get(first) {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') || line.starts_with('%') {
            first += 1;
        } else if line.starts_with("---") && is_marker_end(line.as_bytes(), 3) {
            if !rest_is_empty(line.as_bytes(), 3) {
                return None;
            }
            first += 1;
        } else {
            break;
        }
    }
    let start = s.next_content(first)?;
    let ind = s.indent(start);
    let root = s.node(start, ind, -1)?;
    // nothing may follow the root but the end of the document
    match s.next_content(s.l) {
        None => Some(root),
        Some(_) => None,
    }
}

fn is_marker_end(b: &[u8], i: usize) -> bool {
    matches!(b.get(i), None | Some(b' ' | b'\t'))
}

fn is_space(b: Option<&u8>) -> bool {
    matches!(b, Some(b' ' | b'\t'))
}

fn skip_spaces(b: &[u8], mut i: usize) -> usize {
    while is_space(b.get(i)) {
        i += 1;
    }
    i
}

/// Nothing but spaces and maybe a comment from `i` to the end of the line.
fn rest_is_empty(b: &[u8], i: usize) -> bool {
    let j = skip_spaces(b, i);
    matches!(b.get(j), None | Some(b'#'))
}

/// `-` at `i` starts a block sequence entry (followed by a space or the line's end).
fn is_dash_at(b: &[u8], i: usize) -> bool {
    b.get(i) == Some(&b'-') && matches!(b.get(i + 1), None | Some(b' ' | b'\t'))
}

/// The position of the `:` that makes the plain text from `from` a mapping key, if any
/// (a `:` followed by a space or the line's end, before any comment).
fn map_indicator(b: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(&c) = b.get(i) {
        if c == b'#' && (i == from || is_space(b.get(i.wrapping_sub(1)))) {
            return None;
        }
        if c == b':' && matches!(b.get(i + 1), None | Some(b' ' | b'\t')) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// End of a tag, anchor or alias token.
fn token_end(b: &[u8], mut i: usize, flow: bool) -> usize {
    while let Some(&c) = b.get(i) {
        if c == b' ' || c == b'\t' || (flow && matches!(c, b',' | b'[' | b']' | b'{' | b'}')) {
            break;
        }
        i += 1;
    }
    i
}

/// The long form of a tagged node: a map with one key (`Ref`, `Fn::Sub`...), and for a
/// scalar `!GetAtt A.B` a list of two; core tags (`!!str`) leave the node as it is.
fn wrap_tag(tag: &str, line: u32, column: u32, inner: PNode) -> PNode {
    if tag.starts_with("!!") {
        return inner;
    }
    let tag = tag
        .strip_prefix("!<")
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(tag);
    let key = cfn_tag_key(tag);
    let inner = if key == "Fn::GetAtt" && inner.kind == PKind::Leaf {
        PNode {
            line: inner.line,
            column: inner.column,
            kind: PKind::Seq(vec![inner.clone(), inner]),
        }
    } else {
        inner
    };
    PNode {
        line,
        column,
        kind: PKind::Map(vec![(key, inner)]),
    }
}

struct Scanner<'a> {
    lines: Vec<&'a str>,
    /// The first line not consumed yet.
    l: usize,
}

impl Scanner<'_> {
    fn bytes(&self, l: usize) -> &[u8] {
        self.lines.get(l).map_or(&[][..], |s| s.as_bytes())
    }

    fn indent(&self, l: usize) -> usize {
        self.bytes(l).iter().take_while(|&&b| b == b' ').count()
    }

    fn pos(&self, l: usize, c: usize) -> (u32, u32) {
        let line = self.lines.get(l).copied().unwrap_or("");
        let chars = line.get(..c).map_or(c, |s| s.chars().count());
        (
            u32::try_from(l + 1).unwrap_or(u32::MAX),
            u32::try_from(chars + 1).unwrap_or(u32::MAX),
        )
    }

    fn leaf(&self, l: usize, c: usize) -> PNode {
        let (line, column) = self.pos(l, c);
        PNode {
            line,
            column,
            kind: PKind::Leaf,
        }
    }

    /// The first line from `from` with content (not blank, not only a comment), stopping
    /// at the end of the document.
    fn next_content(&self, from: usize) -> Option<usize> {
        let mut l = from;
        while let Some(line) = self.lines.get(l) {
            let b = line.as_bytes();
            if (line.starts_with("---") || line.starts_with("...")) && is_marker_end(b, 3) {
                return None;
            }
            if !rest_is_empty(b, 0) {
                return Some(l);
            }
            l += 1;
        }
        None
    }

    /// A block node whose content starts at (`l`, `c`); its parent's indentation is
    /// `parent` (-1 for the root).
    fn node(&mut self, l: usize, c: usize, parent: isize) -> Option<PNode> {
        let b = self.bytes(l);
        match b.get(c) {
            None | Some(b'#') => {
                self.l = l + 1;
                Some(self.leaf(l, c))
            }
            Some(b'!' | b'&') => {
                let end = token_end(b, c, false);
                let token = self.lines.get(l)?.get(c..end)?.to_owned();
                let after = skip_spaces(b, end);
                let inner = if rest_is_empty(b, after) {
                    match self.next_content(l + 1) {
                        Some(nl)
                            if to_isize(self.indent(nl)) > parent
                                || (to_isize(self.indent(nl)) == parent
                                    && is_dash_at(self.bytes(nl), self.indent(nl))) =>
                        {
                            let ind = self.indent(nl);
                            self.node(nl, ind, parent)?
                        }
                        _ => {
                            self.l = l + 1;
                            self.leaf(l, after)
                        }
                    }
                } else {
                    self.node(l, after, parent)?
                };
                if token.starts_with('&') {
                    return Some(inner);
                }
                let (line, column) = self.pos(l, c);
                Some(wrap_tag(&token, line, column, inner))
            }
            Some(b'*') => {
                let end = token_end(b, c, false);
                if !rest_is_empty(b, end) {
                    return None;
                }
                self.l = l + 1;
                Some(self.leaf(l, c))
            }
            Some(b'-') if is_dash_at(b, c) => self.block_seq(l, c),
            Some(b'[' | b'{') => {
                let (node, el, ec) = self.flow(l, c)?;
                if !rest_is_empty(self.bytes(el), ec) {
                    return None;
                }
                self.l = el + 1;
                Some(node)
            }
            Some(b'"' | b'\'') => {
                let (_, el, ec) = self.quoted(l, c)?;
                let eb = self.bytes(el);
                let after = skip_spaces(eb, ec);
                if el == l
                    && eb.get(after) == Some(&b':')
                    && matches!(eb.get(after + 1), None | Some(b' ' | b'\t'))
                {
                    return self.block_map(l, c);
                }
                if !rest_is_empty(eb, ec) {
                    return None;
                }
                self.l = el + 1;
                Some(self.leaf(l, c))
            }
            Some(b'|' | b'>') => {
                self.l = l + 1;
                while let Some(line) = self.lines.get(self.l) {
                    let blank = line.trim().is_empty();
                    if blank || to_isize(self.indent(self.l)) > parent {
                        self.l += 1;
                    } else {
                        break;
                    }
                }
                Some(self.leaf(l, c))
            }
            Some(b'?') if matches!(b.get(c + 1), None | Some(b' ' | b'\t')) => None,
            Some(_) => {
                if map_indicator(b, c).is_some() {
                    return self.block_map(l, c);
                }
                // a plain scalar, maybe continued on more indented lines
                self.l = l + 1;
                while let Some(line) = self.lines.get(self.l) {
                    let t = line.trim_start();
                    if t.is_empty()
                        || (!t.starts_with('#') && to_isize(self.indent(self.l)) > parent)
                    {
                        self.l += 1;
                    } else {
                        break;
                    }
                }
                Some(self.leaf(l, c))
            }
        }
    }

    /// A block mapping whose first key starts at (`l0`, `c`).
    fn block_map(&mut self, l0: usize, c: usize) -> Option<PNode> {
        let mut entries = Vec::new();
        let mut l = l0;
        loop {
            let (key, after_colon) = self.key(l, c)?;
            let b = self.bytes(l);
            let vc = skip_spaces(b, after_colon);
            let value = if rest_is_empty(b, vc) {
                match self.next_content(l + 1) {
                    Some(nl)
                        if self.indent(nl) > c
                            || (self.indent(nl) == c && is_dash_at(self.bytes(nl), c)) =>
                    {
                        let ind = self.indent(nl);
                        self.node(nl, ind, to_isize(c))?
                    }
                    _ => {
                        self.l = l + 1;
                        self.leaf(l, vc)
                    }
                }
            } else {
                self.node(l, vc, to_isize(c))?
            };
            entries.push((key, value));
            match self.next_content(self.l) {
                Some(nl) if self.indent(nl) == c && !is_dash_at(self.bytes(nl), c) => l = nl,
                Some(nl) if self.indent(nl) > c => return None,
                _ => break,
            }
        }
        let (line, column) = self.pos(l0, c);
        Some(PNode {
            line,
            column,
            kind: PKind::Map(entries),
        })
    }

    /// A block mapping key at (`l`, `c`): its text and the offset after its `:`.
    fn key(&self, l: usize, c: usize) -> Option<(String, usize)> {
        let b = self.bytes(l);
        match b.get(c) {
            Some(b'"' | b'\'') => {
                let (text, el, ec) = self.quoted(l, c)?;
                let after = skip_spaces(b, ec);
                (el == l && b.get(after) == Some(&b':')).then_some((text, after + 1))
            }
            _ => {
                let m = map_indicator(b, c)?;
                let text = self.lines.get(l)?.get(c..m)?.trim_end().to_owned();
                Some((text, m + 1))
            }
        }
    }

    /// A block sequence whose first `-` is at (`l0`, `d`).
    fn block_seq(&mut self, l0: usize, d: usize) -> Option<PNode> {
        let mut items = Vec::new();
        let mut l = l0;
        loop {
            let b = self.bytes(l);
            let ic = skip_spaces(b, d + 1);
            let item = if rest_is_empty(b, ic) {
                match self.next_content(l + 1) {
                    Some(nl) if self.indent(nl) > d => {
                        let ind = self.indent(nl);
                        self.node(nl, ind, to_isize(d))?
                    }
                    _ => {
                        self.l = l + 1;
                        self.leaf(l, d)
                    }
                }
            } else {
                self.node(l, ic, to_isize(d))?
            };
            items.push(item);
            match self.next_content(self.l) {
                Some(nl) if self.indent(nl) == d && is_dash_at(self.bytes(nl), d) => l = nl,
                Some(nl) if self.indent(nl) > d => return None,
                _ => break,
            }
        }
        let (line, column) = self.pos(l0, d);
        Some(PNode {
            line,
            column,
            kind: PKind::Seq(items),
        })
    }

    /// A quoted scalar starting at (`l`, `c`): its decoded text and the position after
    /// the closing quote (it may span lines).
    fn quoted(&self, l: usize, c: usize) -> Option<(String, usize, usize)> {
        let quote = *self.bytes(l).get(c)?;
        let mut text = String::new();
        let (mut l, mut i) = (l, c + 1);
        let mut start = i;
        loop {
            let line = *self.lines.get(l)?;
            let b = line.as_bytes();
            match b.get(i) {
                None => {
                    // a line break inside the scalar folds into a space
                    text.push_str(line.get(start..)?.trim_end());
                    text.push(' ');
                    l += 1;
                    i = self.indent(l);
                    start = i;
                }
                Some(&q) if q == quote => {
                    text.push_str(line.get(start..i)?);
                    if quote == b'\'' && b.get(i + 1) == Some(&b'\'') {
                        text.push('\'');
                        i += 2;
                        start = i;
                        continue;
                    }
                    return Some((text, l, i + 1));
                }
                Some(b'\\') if quote == b'"' => {
                    text.push_str(line.get(start..i)?);
                    let esc = *b.get(i + 1)?;
                    let (ch, len) = match esc {
                        b'n' => ('\n', 2),
                        b't' => ('\t', 2),
                        b'r' => ('\r', 2),
                        b'0' => ('\0', 2),
                        b'"' => ('"', 2),
                        b'\\' => ('\\', 2),
                        b'/' => ('/', 2),
                        b' ' => (' ', 2),
                        b'x' | b'u' | b'U' => {
                            let n = match esc {
                                b'x' => 2,
                                b'u' => 4,
                                _ => 8,
                            };
                            let hex = line.get(i + 2..i + 2 + n)?;
                            let ch = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
                            (ch, 2 + n)
                        }
                        _ => return None,
                    };
                    text.push(ch);
                    i += len;
                    start = i;
                }
                Some(_) => i += 1,
            }
        }
    }

    /// Skips spaces, line breaks and comments inside a flow collection.
    fn flow_ws(&self, mut l: usize, mut c: usize) -> Option<(usize, usize)> {
        loop {
            let b = self.lines.get(l)?.as_bytes();
            c = skip_spaces(b, c);
            match b.get(c) {
                None | Some(b'#') => {
                    l += 1;
                    c = 0;
                }
                Some(_) => return Some((l, c)),
            }
        }
    }

    /// A flow node at (`l`, `c`) (after any spaces), and the position after it.
    fn flow(&self, l: usize, c: usize) -> Option<(PNode, usize, usize)> {
        let (l, c) = self.flow_ws(l, c)?;
        let b = self.bytes(l);
        let (line, column) = self.pos(l, c);
        match *b.get(c)? {
            b'[' => {
                let mut items = Vec::new();
                let (mut l, mut c) = (l, c + 1);
                loop {
                    (l, c) = self.flow_ws(l, c)?;
                    if self.bytes(l).get(c) == Some(&b']') {
                        c += 1;
                        break;
                    }
                    let (item, il, ic) = self.flow(l, c)?;
                    items.push(item);
                    (l, c) = self.flow_ws(il, ic)?;
                    match self.bytes(l).get(c) {
                        Some(b',') => c += 1,
                        Some(b']') => {
                            c += 1;
                            break;
                        }
                        _ => return None,
                    }
                }
                let node = PNode {
                    line,
                    column,
                    kind: PKind::Seq(items),
                };
                Some((node, l, c))
            }
            b'{' => {
                let mut entries = Vec::new();
                let (mut l, mut c) = (l, c + 1);
                loop {
                    (l, c) = self.flow_ws(l, c)?;
                    let kb = self.bytes(l);
                    if kb.get(c) == Some(&b'}') {
                        c += 1;
                        break;
                    }
                    let key = match kb.get(c) {
                        Some(b'"' | b'\'') => {
                            let (text, el, ec) = self.quoted(l, c)?;
                            (l, c) = (el, ec);
                            text
                        }
                        _ => {
                            let end = self.flow_plain_end(l, c);
                            let text = self.lines.get(l)?.get(c..end)?.trim_end().to_owned();
                            c = end;
                            text
                        }
                    };
                    (l, c) = self.flow_ws(l, c)?;
                    let value = if self.bytes(l).get(c) == Some(&b':') {
                        let (vl, vc) = self.flow_ws(l, c + 1)?;
                        if matches!(self.bytes(vl).get(vc), Some(b',' | b'}')) {
                            (l, c) = (vl, vc);
                            self.leaf(vl, vc)
                        } else {
                            let (v, el, ec) = self.flow(vl, vc)?;
                            (l, c) = (el, ec);
                            v
                        }
                    } else {
                        self.leaf(l, c)
                    };
                    entries.push((key, value));
                    (l, c) = self.flow_ws(l, c)?;
                    match self.bytes(l).get(c) {
                        Some(b',') => c += 1,
                        Some(b'}') => {
                            c += 1;
                            break;
                        }
                        _ => return None,
                    }
                }
                let node = PNode {
                    line,
                    column,
                    kind: PKind::Map(entries),
                };
                Some((node, l, c))
            }
            b'!' | b'&' => {
                let end = token_end(b, c, true);
                let token = self.lines.get(l)?.get(c..end)?.to_owned();
                let (nl, nc) = self.flow_ws(l, end)?;
                let (inner, el, ec) = if matches!(self.bytes(nl).get(nc), Some(b',' | b']' | b'}'))
                {
                    (self.leaf(nl, nc), nl, nc)
                } else {
                    self.flow(nl, nc)?
                };
                if token.starts_with('&') {
                    return Some((inner, el, ec));
                }
                Some((wrap_tag(&token, line, column, inner), el, ec))
            }
            b'*' => Some((self.leaf(l, c), l, token_end(b, c, true))),
            b'"' | b'\'' => {
                let (_, el, ec) = self.quoted(l, c)?;
                Some((self.leaf(l, c), el, ec))
            }
            _ => {
                let end = self.flow_plain_end(l, c);
                Some((self.leaf(l, c), l, end))
            }
        }
    }

    /// End of a plain scalar (or key) in a flow collection, on this line.
    fn flow_plain_end(&self, l: usize, c: usize) -> usize {
        let b = self.bytes(l);
        let mut i = c;
        while let Some(&ch) = b.get(i) {
            let ends = match ch {
                b',' | b']' | b'}' | b'[' | b'{' => true,
                b':' => matches!(
                    b.get(i + 1),
                    None | Some(b' ' | b'\t' | b',' | b']' | b'}' | b'[' | b'{')
                ),
                b'#' => i > c && is_space(b.get(i - 1)),
                _ => false,
            };
            if ends {
                break;
            }
            i += 1;
        }
        // trailing spaces are not part of the scalar
        while i > c && is_space(b.get(i - 1)) {
            i -= 1;
        }
        i
    }
}

fn to_isize(n: usize) -> isize {
    isize::try_from(n).unwrap_or(isize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every node with its pointer and place, flattened.
    fn flat(p: &PNode, ptr: &str, out: &mut Vec<String>) {
        out.push(format!("{ptr}@{}:{}", p.line, p.column));
        match &p.kind {
            PKind::Leaf => {}
            PKind::Seq(items) => {
                for (i, c) in items.iter().enumerate() {
                    flat(c, &format!("{ptr}/{i}"), out);
                }
            }
            PKind::Map(m) => {
                for (k, c) in m {
                    flat(c, &format!("{ptr}/{k}"), out);
                }
            }
        }
    }

    fn places(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        flat(&scan(text).unwrap(), "", &mut out);
        out
    }

    #[test]
    fn block_styles_tags_and_flow() {
        let text = "\
---
# a comment
AWSTemplateFormatVersion: \"2010-09-09\"
Resources:
  Role:   # the role
    Type: AWS::IAM::Role
    Properties:
      ManagedPolicyArns:
      - !Sub arn:${AWS::Partition}:iam::aws:policy/X
      - !If [C, !Ref P, {Ref: 'AWS::NoValue'}]
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement:
              - Effect: Allow
                Resource: !GetAtt Q.Arn
                Action:
                  !Join
                  - ''
                  - - 's3:'
                    - Get*
  \"Quoted\": |
    text
    more
  Plain: a long
    continued line
";
        let p = places(text);
        for want in [
            "@3:1",
            "/Resources@5:3",
            "/Resources/Role@6:5",
            "/Resources/Role/Type@6:11",
            "/Resources/Role/Properties/ManagedPolicyArns@9:7",
            "/Resources/Role/Properties/ManagedPolicyArns/0@9:9",
            "/Resources/Role/Properties/ManagedPolicyArns/0/Fn::Sub@9:14",
            "/Resources/Role/Properties/ManagedPolicyArns/1/Fn::If/0@10:14",
            "/Resources/Role/Properties/ManagedPolicyArns/1/Fn::If/1/Ref@10:22",
            "/Resources/Role/Properties/ManagedPolicyArns/1/Fn::If/2/Ref@10:31",
            "/Resources/Role/Properties/Policies/0/PolicyDocument/Statement/0/Resource@16:27",
            "/Resources/Role/Properties/Policies/0/PolicyDocument/Statement/0/Resource/Fn::GetAtt/1@16:35",
            "/Resources/Role/Properties/Policies/0/PolicyDocument/Statement/0/Action/Fn::Join/1/1@21:23",
            "/Resources/Quoted@22:13",
            "/Resources/Plain@25:10",
        ] {
            assert!(p.contains(&want.to_owned()), "{want} not in {p:#?}");
        }
    }

    #[test]
    fn unknown_shapes_give_no_places() {
        assert!(scan("? complex\n: key\n").is_none());
        assert_eq!(scan("a: [1, 2\nb: 3\n"), None);
    }

    #[test]
    fn nodes_the_scanner_misreads_take_the_parent_place() {
        let yaml = "A:\n  B: !GetAtt R\n  C: 1\n";
        let json =
            crate::ingest::yaml::cfn_to_json(&std::sync::Arc::from("t.yaml"), yaml.as_bytes())
                .unwrap();
        let mut tree = crate::ingest::raw::cloudformation::parse_tree(json.as_bytes()).unwrap();
        place(&mut tree, yaml);
        let at = |ptr: &str| {
            let l = tree.locs.iter().find(|l| l.pointer == ptr).unwrap();
            (l.line, l.column)
        };
        assert_eq!(at("/A/C"), (3, 6));
        assert_eq!(at("/A/B/Fn::GetAtt"), (2, 14));
        // `!GetAtt R` has no dot: one item where the scanner guessed two
        assert_eq!(at("/A/B/Fn::GetAtt/0"), (2, 14));
    }
    /// The scanner follows every YAML template of the shared corpus to the last node.
    #[test]
    fn corpus_templates_are_placed_entirely() {
        let roots = [
            std::env::var_os("IAMDIFF_SHARED").map(std::path::PathBuf::from),
            Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared")),
        ];
        let Some(dir) = roots
            .into_iter()
            .flatten()
            .map(|r| r.join("corpus/formats/cloudformation/yaml"))
            .find(|d| d.is_dir())
        else {
            assert!(
                std::env::var_os("CI").is_none(),
                "the shared corpus is missing"
            );
            eprintln!("skipped: no shared corpus (set IAMDIFF_SHARED)");
            return;
        };
        for f in std::fs::read_dir(dir).unwrap() {
            let f = f.unwrap().path();
            let yaml = std::fs::read_to_string(&f).unwrap();
            let file = std::sync::Arc::from(f.display().to_string());
            let json = crate::ingest::yaml::cfn_to_json(&file, yaml.as_bytes()).unwrap();
            let mut tree = crate::ingest::raw::cloudformation::parse_tree(json.as_bytes()).unwrap();
            for loc in &mut tree.locs {
                loc.line = 0;
            }
            let p = scan(&yaml).unwrap_or_else(|| panic!("{}: not followed", f.display()));
            zip(&tree.root, &p, &mut tree.locs);
            let missed: Vec<&str> = tree
                .locs
                .iter()
                .filter(|l| l.line == 0)
                .map(|l| l.pointer.as_str())
                .collect();
            assert!(missed.is_empty(), "{}: {missed:?}", f.display());
        }
    }
}

//! A linear pre-scan of YAML (and JSON) text, before the YAML parser sees it: how deep
//! lists and mappings nest, where a second document starts, where the first alias is.
//!
//! The parser's scanner (libyaml) walks its whole stack of flow levels for every token,
//! so text nested thousands of `[` deep costs time quadratic in its size before the
//! deserializer's depth limit applies; this scan finds such nesting in one pass and the
//! reader rejects it at its place. The scan follows libyaml's tokenizer where it matters
//! for nesting: which characters start a token, quoted, plain and block scalars (so
//! brackets inside them are not counted), comments, document markers, and block
//! indentation. Where libyaml would stop with an error, the scan stops too (the parser
//! reports that error itself), so text the scan skips is never text the parser reads.

/// The deepest nesting of lists and mappings (flow and block together) a YAML or JSON
/// input may have; the YAML and JSON deserializers stop at about the same depth.
pub(crate) const MAX_DEPTH: usize = 128;

/// What the scan found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Outline {
    /// Byte offset of the `---` that starts the second document, if there is one.
    pub second_document: Option<usize>,
    /// Byte offset of the first alias (`*name`).
    pub first_alias: Option<usize>,
    /// How many aliases the text has.
    pub aliases: usize,
}

/// Nesting deeper than [`MAX_DEPTH`]: the byte offset of the opening that goes past it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooDeep {
    pub at: usize,
}

/// Scans `text` in one pass (time and memory linear in its length, memory bounded by
/// [`MAX_DEPTH`]).
pub(crate) fn scan(text: &[u8]) -> Result<Outline, TooDeep> {
    let mut s = Scanner {
        text,
        pos: 0,
        col: 0,
        line: 0,
        flow: 0,
        indents: Vec::new(),
        key_allowed: true,
        key: None,
        outline: Outline::default(),
        content_before_first_marker: false,
        markers: 0,
    };
    s.run()?;
    Ok(s.outline)
}

/// Whether `text` is JSON-shaped and certainly nests at most [`MAX_DEPTH`] deep, so that
/// [`scan`] would find nothing too deep in it: one pass over the bytes, many times faster
/// than [`scan`], for the large JSON exports that make up most input. `false` means "not
/// known": the caller runs [`scan`], which gives the exact answer (and place).
///
/// Text is taken only within a strict JSON subset where both scans count the same
/// brackets: `{...}` or `[...]` values (one, or several one after the other, as
/// concatenated CLI outputs come) with only whitespace around them; outside
/// double-quoted strings, nothing but JSON punctuation and the letters, digits, `+`, `-`
/// and `.` of numbers, `true`, `false` and `null`, and after such a bare word only
/// `,`, `]`, `}` (a quote or a `:` there would make libyaml read one longer plain scalar
/// than JSON does). Strings end at the first unescaped `"`, as for libyaml. Where libyaml
/// would stop early (a control character, invalid UTF-8), [`scan`] reports nothing too
/// deep from there on, so counting further here only makes the answer more cautious.
pub(crate) fn json_within_limit(text: &[u8]) -> bool {
    let is_ws = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let start = text.iter().position(|&b| !is_ws(b));
    if !matches!(start.and_then(|i| text.get(i)), Some(b'{' | b'[')) {
        return false;
    }
    let mut depth = 0usize;
    let mut after_bare = false;
    let mut i = start.unwrap_or(0);
    while let Some(&b) = text.get(i) {
        i += 1;
        // between values: nothing but whitespace (a block collection would open here)
        if depth == 0 && !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'{' | b'[') {
            return false;
        }
        match b {
            // a line's indentation, eight spaces at a time (pretty-printed exports are
            // nearly half spaces)
            b'\n' => {
                while text.get(i..i + 8) == Some(b"        ") {
                    i += 8;
                }
            }
            b' ' | b'\t' | b'\r' => {}
            b'{' | b'[' => {
                if after_bare {
                    return false;
                }
                depth += 1;
                if depth > MAX_DEPTH {
                    return false;
                }
            }
            b'}' | b']' => {
                after_bare = false;
                depth -= 1;
            }
            b',' => after_bare = false,
            b':' | b'"' if after_bare => return false,
            b':' => {}
            b'"' => loop {
                let rest = text.get(i..).unwrap_or_default();
                match memchr::memchr2(b'"', b'\\', rest) {
                    Some(n) if rest.get(n) == Some(&b'"') => {
                        i += n + 1;
                        break;
                    }
                    // an escape: the next byte is part of it
                    Some(n) => i += n + 2,
                    None => return false,
                }
            },
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'+' | b'-' | b'.' => after_bare = true,
            _ => return false,
        }
    }
    depth == 0
}

struct Scanner<'a> {
    text: &'a [u8],
    pos: usize,
    /// Column of `pos`, in characters, as libyaml counts.
    col: usize,
    line: usize,
    /// Open flow collections (`[`, `{`).
    flow: usize,
    /// Columns of the open block collections (libyaml's indentation stack).
    indents: Vec<usize>,
    /// Whether a simple key may start here (libyaml's `simple_key_allowed`).
    key_allowed: bool,
    /// The possible simple key of the block context: (column, line, offset).
    key: Option<(usize, usize, usize)>,
    outline: Outline,
    content_before_first_marker: bool,
    markers: usize,
}

/// Why scanning ended early: too deep, or the parser would stop here with an error.
enum Stop {
    TooDeep(usize),
    Parser,
}

type Step = Result<(), Stop>;

impl Scanner<'_> {
    fn run(&mut self) -> Result<(), TooDeep> {
        match self.tokens() {
            Err(Stop::TooDeep(at)) => Err(TooDeep { at }),
            Ok(()) | Err(Stop::Parser) => Ok(()),
        }
    }

    fn at(&self, i: usize) -> u8 {
        self.text.get(self.pos + i).copied().unwrap_or(0)
    }

    /// Length of the line break at `pos + i` (LF, CR, CRLF, NEL, LS, PS), or 0.
    fn break_len(&self, i: usize) -> usize {
        match (self.at(i), self.at(i + 1), self.at(i + 2)) {
            (b'\r', b'\n', _) => 2,
            (b'\r' | b'\n', _, _) => 1,
            (0xC2, 0x85, _) => 2,
            (0xE2, 0x80, 0xA8 | 0xA9) => 3,
            _ => 0,
        }
    }

    fn is_break(&self, i: usize) -> bool {
        self.break_len(i) > 0
    }

    fn is_blank(&self, i: usize) -> bool {
        matches!(self.at(i), b' ' | b'\t')
    }

    fn is_end(&self, i: usize) -> bool {
        self.pos + i >= self.text.len()
    }

    fn is_blankz(&self, i: usize) -> bool {
        self.is_blank(i) || self.is_break(i) || self.is_end(i)
    }

    /// Moves past one character, which must not be a line break. The parser refuses
    /// invalid UTF-8 and control characters, so the scan stops there as well.
    fn advance(&mut self) -> Step {
        let b = self.at(0);
        let len = match b {
            b'\t' | 0x20..=0x7E => 1,
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => return Err(Stop::Parser),
        };
        let Some(ch) = self
            .text
            .get(self.pos..self.pos + len)
            .and_then(|c| std::str::from_utf8(c).ok())
            .and_then(|c| c.chars().next())
        else {
            return Err(Stop::Parser);
        };
        let printable = matches!(ch, '\t' | '\u{20}'..='\u{7E}' | '\u{85}' | '\u{A0}'..='\u{D7FF}'
            | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}');
        if !printable {
            return Err(Stop::Parser);
        }
        self.pos += len;
        self.col += 1;
        Ok(())
    }

    /// Moves past the line break at `pos`.
    fn newline(&mut self) {
        self.pos += self.break_len(0);
        self.col = 0;
        self.line += 1;
    }

    fn depth_check(&self, at: usize) -> Step {
        if self.flow + self.indents.len() > MAX_DEPTH {
            return Err(Stop::TooDeep(at));
        }
        Ok(())
    }

    fn top(&self) -> Option<usize> {
        self.indents.last().copied()
    }

    /// Opens a block collection at `column` unless one is open there already.
    fn roll(&mut self, column: usize, at: usize) -> Step {
        if self.flow == 0 && self.top().is_none_or(|t| t < column) {
            self.indents.push(column);
            self.depth_check(at)?;
        }
        Ok(())
    }

    fn unroll(&mut self, column: Option<usize>) {
        if self.flow > 0 {
            return;
        }
        while let Some(t) = self.top() {
            if column.is_some_and(|c| t <= c) {
                break;
            }
            self.indents.pop();
        }
    }

    /// A token that may be a simple key starts here.
    fn save_key(&mut self) {
        if self.key_allowed && self.flow == 0 {
            self.key = Some((self.col, self.line, self.pos));
        }
    }

    fn content(&mut self) {
        if self.markers == 0 {
            self.content_before_first_marker = true;
        }
    }

    fn tokens(&mut self) -> Step {
        loop {
            self.skip_to_token()?;
            self.unroll(Some(self.col));
            if self.is_end(0) {
                return Ok(());
            }
            let start = self.pos;
            let c = self.at(0);
            if self.col == 0 && c == b'%' {
                self.skip_line()?;
                self.key_allowed = false;
                continue;
            }
            if self.col == 0
                && ((c == b'-' && self.at(1) == b'-' && self.at(2) == b'-')
                    || (c == b'.' && self.at(1) == b'.' && self.at(2) == b'.'))
                && self.is_blankz(3)
            {
                self.unroll(None);
                self.key = None;
                self.key_allowed = false;
                if c == b'-' {
                    self.markers += 1;
                    let second = if self.content_before_first_marker {
                        1
                    } else {
                        2
                    };
                    if self.markers == second && self.outline.second_document.is_none() {
                        self.outline.second_document = Some(start);
                    }
                }
                self.pos += 3;
                self.col += 3;
                continue;
            }
            self.content();
            match c {
                b'[' | b'{' => {
                    self.save_key();
                    self.flow += 1;
                    self.depth_check(start)?;
                    self.key_allowed = true;
                    self.advance()?;
                }
                b']' | b'}' => {
                    self.flow = self.flow.saturating_sub(1);
                    self.key_allowed = false;
                    self.advance()?;
                }
                b',' => {
                    self.key_allowed = true;
                    self.advance()?;
                }
                b'-' if self.is_blankz(1) => {
                    self.roll(self.col, start)?;
                    self.key = None;
                    self.key_allowed = true;
                    self.advance()?;
                }
                b'?' if self.flow > 0 || self.is_blankz(1) => {
                    self.roll(self.col, start)?;
                    self.key = None;
                    self.key_allowed = self.flow == 0;
                    self.advance()?;
                }
                b':' if self.flow > 0 || self.is_blankz(1) => {
                    match self.key.take() {
                        Some((col, line, at)) if line == self.line && self.pos - at <= 1024 => {
                            self.roll(col, at)?;
                        }
                        _ => self.roll(self.col, start)?,
                    }
                    self.key_allowed = self.flow == 0;
                    self.advance()?;
                }
                b'*' | b'&' => {
                    if c == b'*' {
                        self.outline.aliases += 1;
                        self.outline.first_alias.get_or_insert(start);
                    }
                    self.save_key();
                    self.key_allowed = false;
                    self.advance()?;
                    while self.at(0).is_ascii_alphanumeric() || matches!(self.at(0), b'_' | b'-') {
                        self.advance()?;
                    }
                }
                b'!' => {
                    self.save_key();
                    self.key_allowed = false;
                    self.advance()?;
                    if self.at(0) == b'<' {
                        while !self.is_blankz(0) && self.at(0) != b'>' {
                            self.advance()?;
                        }
                    } else {
                        while !self.is_blankz(0) && !matches!(self.at(0), b'[' | b']' | b'{' | b'}')
                        {
                            self.advance()?;
                        }
                    }
                }
                b'|' | b'>' if self.flow == 0 => {
                    self.key = None;
                    self.key_allowed = true;
                    self.block_scalar()?;
                }
                b'\'' | b'"' => {
                    self.save_key();
                    self.key_allowed = false;
                    self.quoted(c)?;
                }
                _ => {
                    let plain = !(self.is_blankz(0) || b"-?:,[]{}#&*!|>'\"%@`".contains(&c))
                        || (c == b'-' && !self.is_blank(1))
                        || (self.flow == 0 && matches!(c, b'?' | b':') && !self.is_blankz(1));
                    if !plain {
                        return Err(Stop::Parser);
                    }
                    self.save_key();
                    self.key_allowed = false;
                    self.plain()?;
                }
            }
        }
    }

    /// Skips blanks, comments and line breaks before a token.
    fn skip_to_token(&mut self) -> Step {
        loop {
            while self.is_blank(0) {
                self.advance()?;
            }
            if self.at(0) == b'#' {
                while !self.is_break(0) && !self.is_end(0) {
                    self.advance()?;
                }
            }
            if !self.is_break(0) {
                return Ok(());
            }
            self.newline();
            if self.flow == 0 {
                self.key_allowed = true;
            }
        }
    }

    fn skip_line(&mut self) -> Step {
        while !self.is_break(0) && !self.is_end(0) {
            self.advance()?;
        }
        Ok(())
    }

    fn doc_marker_here(&self) -> bool {
        self.col == 0
            && ((self.at(0) == b'-' && self.at(1) == b'-' && self.at(2) == b'-')
                || (self.at(0) == b'.' && self.at(1) == b'.' && self.at(2) == b'.'))
            && self.is_blankz(3)
    }

    /// A single- or double-quoted scalar, which may span lines.
    fn quoted(&mut self, quote: u8) -> Step {
        self.advance()?;
        loop {
            if self.is_end(0) || self.doc_marker_here() {
                return Err(Stop::Parser);
            }
            if self.is_break(0) {
                self.newline();
                continue;
            }
            let c = self.at(0);
            if quote == b'\'' && c == b'\'' {
                if self.at(1) == b'\'' {
                    self.advance()?;
                    self.advance()?;
                    continue;
                }
                return self.advance();
            }
            if quote == b'"' && c == b'"' {
                return self.advance();
            }
            if quote == b'"' && c == b'\\' {
                self.advance()?;
                if self.is_break(0) {
                    self.newline();
                } else if !self.is_end(0) {
                    self.advance()?;
                }
                continue;
            }
            self.advance()?;
        }
    }

    /// A plain scalar, which in block context may continue on more-indented lines.
    fn plain(&mut self) -> Step {
        let indent = self.top().map_or(0, |t| t + 1);
        let mut leading_blanks = false;
        loop {
            if self.doc_marker_here() || self.at(0) == b'#' {
                break;
            }
            while !self.is_blankz(0) {
                let c = self.at(0);
                if self.flow > 0 && c == b':' && b",?[]{}".contains(&self.at(1)) {
                    return Err(Stop::Parser);
                }
                if (c == b':' && self.is_blankz(1)) || (self.flow > 0 && b",[]{}".contains(&c)) {
                    break;
                }
                self.advance()?;
            }
            if !(self.is_blank(0) || self.is_break(0)) {
                break;
            }
            while self.is_blank(0) || self.is_break(0) {
                if self.is_blank(0) {
                    self.advance()?;
                } else {
                    self.newline();
                    leading_blanks = true;
                }
            }
            if self.flow == 0 && self.col < indent {
                break;
            }
        }
        if leading_blanks {
            self.key_allowed = true;
        }
        Ok(())
    }

    /// A literal (`|`) or folded (`>`) scalar: its header, then every line indented at
    /// least as much as its first.
    fn block_scalar(&mut self) -> Step {
        self.advance()?;
        let mut increment = 0;
        for _ in 0..2 {
            match self.at(0) {
                b'+' | b'-' => self.advance()?,
                d @ b'1'..=b'9' => {
                    increment = usize::from(d - b'0');
                    self.advance()?;
                }
                _ => break,
            }
        }
        while self.is_blank(0) {
            self.advance()?;
        }
        if self.at(0) == b'#' {
            self.skip_line()?;
        }
        if self.is_end(0) {
            return Ok(());
        }
        if !self.is_break(0) {
            return Err(Stop::Parser);
        }
        self.newline();
        let floor = self.top().map_or(0, |t| t + 1);
        let mut indent = match (increment, self.top()) {
            (0, _) => 0,
            (i, Some(t)) => t + i,
            (i, None) => i,
        };
        let mut max_indent = 0;
        self.block_breaks(&mut indent, &mut max_indent)?;
        if indent == 0 {
            indent = max_indent.max(floor).max(1);
        }
        while self.col == indent && !self.is_end(0) {
            self.skip_line()?;
            if self.is_end(0) {
                break;
            }
            self.newline();
            self.block_breaks(&mut indent, &mut max_indent)?;
        }
        Ok(())
    }

    /// Indentation and empty lines of a block scalar (libyaml's
    /// `scan_block_scalar_breaks`).
    fn block_breaks(&mut self, indent: &mut usize, max_indent: &mut usize) -> Step {
        loop {
            while (*indent == 0 || self.col < *indent) && self.at(0) == b' ' {
                self.advance()?;
            }
            *max_indent = (*max_indent).max(self.col);
            if (*indent == 0 || self.col < *indent) && self.at(0) == b'\t' {
                return Err(Stop::Parser);
            }
            if !self.is_break(0) {
                return Ok(());
            }
            self.newline();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_ok(t: &str) -> bool {
        scan(t.as_bytes()).is_ok()
    }

    #[test]
    fn flow_nesting_past_the_limit_is_found_where_it_goes_past() {
        // the mapping is one level, the lists the rest
        let deep = format!("a: {}\n", "[".repeat(200));
        assert_eq!(
            scan(deep.as_bytes()),
            Err(TooDeep {
                at: 3 + MAX_DEPTH - 1
            })
        );
        let ok = format!("a: {}{}\n", "[".repeat(100), "]".repeat(100));
        assert!(depth_ok(&ok));
        // JSON nests the same way
        let json = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        assert!(!depth_ok(&json));
    }

    #[test]
    fn brackets_inside_scalars_and_comments_are_not_nesting() {
        let n = "[".repeat(300);
        for t in [
            format!("a: '{n}'\n"),
            format!("a: \"{n}\\\"{n}\"\n"),
            format!("a: x{n}\n"),
            format!("a: 1 # {n}\n"),
            format!("a: |\n  {n}\n  'x\nb: 1\n"),
            format!("- >-\n   {n}\n- b\n"),
            format!("a: b\n  c{n}\n"),
        ] {
            assert!(depth_ok(&t), "{t}");
        }
    }

    #[test]
    fn a_quote_inside_a_plain_scalar_hides_nothing() {
        // `b'c` is a plain scalar; the brackets after it are real
        let t = format!("[a, b'c, {}\n", "[".repeat(200));
        assert!(!depth_ok(&t));
        // a block scalar ends where its indentation does
        let t = format!("a: |\n  'x\nb: {}\n", "[".repeat(200));
        assert!(!depth_ok(&t));
    }

    #[test]
    fn block_nesting_counts_too() {
        let t = "- ".repeat(200) + "x\n";
        assert!(!depth_ok(&t));
        let mut t = String::new();
        for i in 0..200 {
            t.push_str(&" ".repeat(i));
            t.push_str("k:\n");
        }
        assert!(!depth_ok(&t));
        let t = "a:\n  b:\n    - c: 1\n      d: [1, {e: f}]\n";
        assert!(depth_ok(t));
    }

    /// The JSON fast path never says "within the limit" where the full scan finds nesting
    /// too deep (issue 11: JSON inputs skip the YAML outline).
    #[test]
    fn the_json_fast_path_agrees_with_the_scan() {
        let deep = "[".repeat(MAX_DEPTH + 1);
        let close = "]".repeat(MAX_DEPTH + 1);
        let fine = format!("{}1{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(json_within_limit(fine.as_bytes()) && depth_ok(&fine));
        for t in [
            format!("{deep}1{close}"),
            // brackets in a string are not nesting, for both
            format!("{{\"a\": \"{deep}\\\"{deep}\", \"b\": [1, 2.5e3, true, null]}}\n"),
            // a plain scalar swallowing a quote in YAML: the brackets after it are real
            format!("[a\"{deep}\"]"),
            format!("[1 \"{deep}\"]"),
            format!("[1:\"{deep}\"]"),
            // YAML comments, single quotes and directives are left to the full scan
            format!("[1, # {deep}\n]"),
            format!("['{deep}']"),
            format!("%YAML 1.2\n---\n[{deep}]"),
            // block collections after the JSON value
            format!("{{}}\n{}x\n", "- ".repeat(200)),
            format!("[\"\u{1}{deep}\"]"),
        ] {
            assert!(!json_within_limit(t.as_bytes()) || depth_ok(&t), "{t}");
        }
        assert!(json_within_limit(
            b" {\"a\": [{\"b\": \"x]\\\\\"}, -1.5]}\n"
        ));
        assert!(json_within_limit(b"{\"a\": 1}\n[2]\n{}"));
        assert!(!json_within_limit(b"{}\n- 1\n"));
        assert!(!json_within_limit(b"a: 1\n"));
        assert!(!json_within_limit(b"{\"a\": 1"));
    }

    #[test]
    fn second_documents_and_aliases_are_found() {
        let o = scan(b"a: 1\n---\nb: 2\n").unwrap();
        assert_eq!(o.second_document, Some(5));
        let o = scan(b"%YAML 1.2\n---\na: 1\n--- \nb: 2\n").unwrap();
        assert_eq!(o.second_document, Some(19));
        let o = scan(b"---\na: 1\n").unwrap();
        assert_eq!(o.second_document, None);
        let o = scan(b"a: &x [1]\nb: '*no'\nc: *x\n").unwrap();
        assert_eq!((o.first_alias, o.aliases), (Some(22), 1));
    }
}

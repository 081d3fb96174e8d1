//! Terminal tables laid out to a width: the column widths are decided here and every cell
//! is wrapped before comfy-table draws it (which then never wraps on its own), so where a
//! line breaks is ours to choose (issue 12 item 9):
//!
//! - a header is never broken inside a word (`Max severity` may become two lines, never
//!   `Max sever`/`ity`);
//! - cells wrap at spaces; a word longer than its column (an ARN, a long role name) breaks
//!   after `/`, `:`, `-`, `_`, `,` or `.`, and only a run of none of those is cut;
//! - columns that fit keep their natural width; the widest give way first.
//!
//! Without a width (a pipe or a file, when `COLUMNS` is not set) nothing wraps: one row
//! is one line, as `grep` expects.

use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};

/// How a column's cells are aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A table of text cells, rendered by [`Grid::render`].
#[derive(Debug, Clone, Default)]
pub struct Grid {
    headers: Vec<String>,
    aligns: Vec<Align>,
    rows: Vec<Vec<String>>,
}

/// Characters after which a long word may break.
const BREAK_AFTER: [char; 6] = ['/', ':', '-', '_', ',', '.'];

impl Grid {
    /// Columns as (header, alignment).
    pub fn new(columns: &[(&str, Align)]) -> Grid {
        Grid {
            headers: columns.iter().map(|(h, _)| (*h).to_owned()).collect(),
            aligns: columns.iter().map(|(_, a)| *a).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The headers, as given.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The rows, as given (for renderers that draw their own tables).
    pub fn rows(&self) -> &[Vec<String>] {
        &self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table, at most `width` characters wide when given (and when its unbreakable
    /// words allow: they are never cut below the longest header word).
    pub fn render(&self, width: Option<u16>) -> String {
        let n = self.headers.len();
        let widths = width.map(|w| self.widths(usize::from(w)));
        let mut t = Table::new();
        t.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
        t.force_no_tty();
        t.set_content_arrangement(ContentArrangement::Disabled);
        let cell = |i: usize, text: &str, header: bool| {
            let text = match widths.as_ref().and_then(|w| w.get(i)) {
                Some(&w) if header => wrap_words(text, w),
                Some(&w) => wrap(text, w),
                None => text.to_owned(),
            };
            let c = Cell::new(text);
            match self.aligns.get(i) {
                Some(Align::Right) if !header => c.set_alignment(CellAlignment::Right),
                _ => c,
            }
        };
        t.set_header(
            self.headers
                .iter()
                .enumerate()
                .map(|(i, h)| cell(i, h, true)),
        );
        for r in &self.rows {
            t.add_row((0..n).map(|i| cell(i, r.get(i).map_or("", String::as_str), false)));
        }
        t.to_string()
    }

    /// Each column's width (content only) so the table fits `total` characters: columns
    /// keep their natural width up to a common cap, found by bisection; none goes below
    /// its narrowest (the longest header word or unbreakable piece of a cell).
    fn widths(&self, total: usize) -> Vec<usize> {
        let n = self.headers.len();
        // one border per column and one more, one space of padding either side
        let avail = total.saturating_sub(3 * n + 1);
        let mut natural = vec![0usize; n];
        let mut least = vec![0usize; n];
        for (i, h) in self.headers.iter().enumerate() {
            natural[i] = h.lines().map(width_of).max().unwrap_or(0);
            least[i] = h.split_whitespace().map(width_of).max().unwrap_or(0);
        }
        for r in &self.rows {
            for (i, c) in r.iter().enumerate().take(n) {
                natural[i] = natural[i].max(c.lines().map(width_of).max().unwrap_or(0));
                least[i] = least[i].max(pieces(c).map(width_of).max().unwrap_or(0));
            }
        }
        // when even the unbreakable pieces do not fit, the longest are cut (down to a
        // common length, never below a header word) rather than the terminal wrapping
        // every line of the table
        if least.iter().sum::<usize>() > avail {
            let header_least: Vec<usize> = self
                .headers
                .iter()
                .map(|h| h.split_whitespace().map(width_of).max().unwrap_or(0))
                .collect();
            least = capped(&least, &header_least, avail);
        }
        let mut widths = capped(&natural, &least, avail);
        // a column whose cells, wrapped, need less than it was given gives the rest back
        // (`Permissions management` in 19 is two lines of at most 11), up to n rounds
        for _ in 0..n {
            let mut changed = false;
            for (i, w) in widths.iter().enumerate() {
                let used = self
                    .column(i)
                    .flat_map(|c| wrap(c, *w).lines().map(width_of).collect::<Vec<_>>())
                    .chain(
                        self.headers
                            .get(i)
                            .map(|h| wrap_words(h, *w).lines().map(width_of).max().unwrap_or(0)),
                    )
                    .max()
                    .unwrap_or(0);
                if used < *w && used < natural[i] {
                    natural[i] = used;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
            widths = capped(&natural, &least, avail);
        }
        widths
    }

    /// A column's cells.
    fn column(&self, i: usize) -> impl Iterator<Item = &str> {
        self.rows
            .iter()
            .map(move |r| r.get(i).map_or("", String::as_str))
    }
}

/// Widths within `natural` and at least `least`, capped by the largest common cap whose
/// sum fits `avail` (found by bisection; the narrowest layout when none fits).
fn capped(natural: &[usize], least: &[usize], avail: usize) -> Vec<usize> {
    let fit = |cap: usize| -> Vec<usize> {
        natural
            .iter()
            .zip(least)
            .map(|(n, l)| (*n).min(cap).max(*l))
            .collect()
    };
    let (mut lo, mut hi) = (0usize, natural.iter().copied().max().unwrap_or(0));
    if fit(hi).iter().sum::<usize>() <= avail {
        return fit(hi);
    }
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if fit(mid).iter().sum::<usize>() <= avail {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    fit(lo)
}

/// Characters, as the terminal counts them for the text iamdiff prints (names with
/// double-width glyphs are counted short, and their table is drawn a little wider).
pub fn width_of(s: &str) -> usize {
    s.chars().count()
}

/// The unbreakable pieces of a cell: its words split after the break characters.
fn pieces(s: &str) -> impl Iterator<Item = &str> {
    s.split_whitespace()
        .flat_map(|w| w.split_inclusive(BREAK_AFTER))
}

/// A header's lines: breaks at spaces only, never inside a word.
fn wrap_words(s: &str, width: usize) -> String {
    let mut out: Vec<String> = Vec::new();
    for line in s.lines() {
        let mut cur = String::new();
        for word in line.split_whitespace() {
            if !cur.is_empty() && width_of(&cur) + 1 + width_of(word) > width {
                out.push(std::mem::take(&mut cur));
            }
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(word);
        }
        out.push(cur);
    }
    out.join("\n")
}

/// A cell's lines at most `width` wide: breaks at spaces, then after the break
/// characters, and cuts only a piece longer than the whole width.
pub fn wrap(s: &str, width: usize) -> String {
    let width = width.max(1);
    let mut out: Vec<String> = Vec::new();
    for line in s.lines() {
        if width_of(line) <= width {
            out.push(line.to_owned());
            continue;
        }
        // leading spaces (an indent) stay with the first word
        let indent = line.len() - line.trim_start().len();
        let mut cur = line.get(..indent).unwrap_or_default().to_owned();
        let mut fresh = true;
        for word in line.split_whitespace() {
            let sep = usize::from(!fresh);
            if width_of(&cur) + sep + width_of(word) <= width {
                if !fresh {
                    cur.push(' ');
                }
                cur.push_str(word);
                fresh = false;
                continue;
            }
            if width_of(word) <= width {
                if !fresh {
                    out.push(std::mem::take(&mut cur));
                }
                cur = word.to_owned();
                fresh = false;
                continue;
            }
            // a long word: its pieces, continuing the current line
            if !fresh {
                cur.push(' ');
            }
            for piece in word.split_inclusive(BREAK_AFTER) {
                for chunk in cut(piece, width) {
                    if width_of(&cur) + width_of(chunk) > width && !cur.trim().is_empty() {
                        out.push(std::mem::take(&mut cur).trim_end().to_owned());
                    }
                    cur.push_str(chunk);
                }
            }
            fresh = false;
        }
        out.push(cur);
    }
    out.join("\n")
}

/// A line of prose wrapped to `width`, continuation lines indented two more than the
/// first (so a wrapped list item stays visibly one item).
pub fn wrap_hanging(s: &str, width: usize) -> String {
    let indent = s.len() - s.trim_start_matches(' ').len() + 2;
    let pad = " ".repeat(indent);
    let first = wrap(s, width);
    let mut lines = first.lines();
    let Some(head) = lines.next() else {
        return first;
    };
    let rest: Vec<&str> = lines.collect();
    if rest.is_empty() {
        return head.to_owned();
    }
    let tail = wrap(&rest.join(" "), width.saturating_sub(indent).max(20));
    std::iter::once(head.to_owned())
        .chain(tail.lines().map(|l| format!("{pad}{l}")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A piece in chunks of at most `width` characters (most pieces are one chunk).
fn cut(piece: &str, width: usize) -> Vec<&str> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut w = 0;
    for (i, _) in piece.char_indices() {
        if w + 1 > width && i > start {
            chunks.push(piece.get(start..i).unwrap_or_default());
            start = i;
            w = 0;
        }
        w += 1;
    }
    chunks.push(piece.get(start..).unwrap_or_default());
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_then_after_separators() {
        assert_eq!(wrap("a b c", 3), "a b\nc");
        assert_eq!(
            wrap("arn:aws:s3:::examplecorp-ds-projects/churn/train.csv", 24),
            "arn:aws:s3:::\nexamplecorp-ds-projects/\nchurn/train.csv"
        );
        assert_eq!(wrap("abcdefgh", 3), "abc\ndef\ngh");
        assert_eq!(wrap("short", 10), "short");
        // the space before a long word never makes a line one too wide
        assert_eq!(wrap("abc defghij", 5), "abc\ndefgh\nij");
    }

    #[test]
    fn headers_never_break_inside_a_word() {
        let mut g = Grid::new(&[("Max severity", Align::Left), ("Principal", Align::Left)]);
        g.row(vec![
            "Permissions management".into(),
            "role edge-prod-b001-role-sagemaker-execution".into(),
        ]);
        let text = g.render(Some(40));
        for line in text.lines() {
            assert!(width_of(line) <= 40, "{line}");
        }
        assert!(text.contains("Principal"), "{text}");
        assert!(text.contains("severity"), "{text}");
    }

    #[test]
    fn without_a_width_nothing_wraps() {
        let mut g = Grid::new(&[("A", Align::Left)]);
        g.row(vec!["x ".repeat(100)]);
        assert_eq!(g.render(None).lines().count(), 5);
    }
}

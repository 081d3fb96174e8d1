//! Input files as bytes: reading them (an unreadable path is an error naming it),
//! normalizing their encoding (a UTF-8 BOM is skipped; UTF-16, which PowerShell
//! redirects write, is decoded), and turning byte offsets into the `line:column` a
//! user can jump to.
//!
//! Columns count bytes from the start of the line, 1-based for the byte at an offset,
//! which is serde_json's convention; so positions computed here and positions reported
//! by serde_json agree, and one can be mapped onto the other.

use std::borrow::Cow;
use std::io;
use std::path::Path;
use std::sync::Arc;

use super::IngestError;
use crate::model::Place;

/// Reads a file whole: the one way every reader gets its text. The name is the path as
/// the user gave it; the bytes are UTF-8 with `\n` line ends (a BOM removed, UTF-16
/// decoded, CRLF made LF: see [`decode`]), and nest lists and mappings at most
/// 128 levels deep (checked in one linear pass, so no parser
/// sees deeper nesting).
pub fn read_source(path: &Path) -> Result<(Arc<str>, Vec<u8>), IngestError> {
    let (name, bytes) = read_unchecked(path)?;
    super::yaml::check_nesting(&name, &bytes)?;
    Ok((name, bytes))
}

/// A file's text to find places in (the line:column of pointers, the attachments of
/// policies), as [`read_source`] reads it but checked for nesting only where a parser
/// with no depth limit of its own reads it: JSON text goes to serde_json, which stops
/// at 128 levels, and the place scanners stop at 256 (the check of an organization's
/// inputs, read again for their places, took a tenth of the report's provenance).
pub fn read_for_places(path: &Path) -> Result<(Arc<str>, Vec<u8>), IngestError> {
    let (name, bytes) = read_unchecked(path)?;
    if !matches!(first_byte(&bytes), Some(b'{' | b'[')) {
        super::yaml::check_nesting(&name, &bytes)?;
    }
    Ok((name, bytes))
}

/// [`read_source`] without the nesting check: for a caller that runs it itself before
/// any parser that could go deep sees the text (a JSON export's check runs while
/// serde_json, which stops at 128 levels on its own, parses it).
pub(crate) fn read_unchecked(path: &Path) -> Result<(Arc<str>, Vec<u8>), IngestError> {
    let (name, bytes) = read_raw(path)?;
    let bytes = normalized(&name, bytes)?;
    Ok((name, bytes))
}

/// [`read_unchecked`], with the SHA-256 (lowercase hex) of the file's bytes as read,
/// before any decoding: what the report's provenance gives for the input, now of the
/// very bytes evaluated (reading every input again for it took a tenth of an
/// organization's diff).
pub(crate) fn read_unchecked_hashed(
    path: &Path,
) -> Result<(Arc<str>, Vec<u8>, String), IngestError> {
    let (name, bytes) = read_raw(path)?;
    let digest = sha256_hex(&bytes);
    let bytes = normalized(&name, bytes)?;
    Ok((name, bytes, digest))
}

/// The SHA-256 of `bytes`, in lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    use std::fmt::Write;
    let mut out = String::with_capacity(64);
    for b in Sha256::digest(bytes) {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// The file's name as the user gave it, and its bytes as they are on disk.
fn read_raw(path: &Path) -> Result<(Arc<str>, Vec<u8>), IngestError> {
    let name: Arc<str> = Arc::from(path.display().to_string());
    if path.is_dir() {
        return Err(IngestError::in_file(
            &name,
            format!("cannot read `{name}`: it is a directory"),
        )
        .with_help("pass the JSON files inside it, one by one"));
    }
    let bytes = read_whole(path).map_err(|e| {
        IngestError::in_file(&name, format!("cannot read `{name}`: {}", io_reason(&e)))
    })?;
    Ok((name, bytes))
}

/// A file's bytes made UTF-8 (see [`decode`]): a UTF-8 BOM dropped in place, any
/// other encoding decoded into new bytes.
fn normalized(name: &Arc<str>, bytes: Vec<u8>) -> Result<Vec<u8>, IngestError> {
    let decoded = match decode(name, &bytes)? {
        // the text itself, or past a UTF-8 BOM: that prefix is dropped in place, no copy
        Cow::Borrowed(text) => Err(bytes.len() - text.len()),
        Cow::Owned(text) => Ok(text),
    };
    Ok(match decoded {
        Ok(text) => text,
        Err(bom) => {
            let mut bytes = bytes;
            bytes.drain(..bom);
            bytes
        }
    })
}

/// Size from which a file is read by two threads, each copying half of it.
const SPLIT_READ: u64 = 8 << 20;

/// The bytes of a file (elsewhere than Unix, as `fs::read` does).
#[cfg(not(unix))]
fn read_whole(path: &Path) -> io::Result<Vec<u8>> {
    std::fs::read(path)
}

/// The bytes of a file: a large one read as two halves at once (copying a 70 MB export
/// out of the page cache took a tenth of a lint), anything else as `fs::read` does.
#[cfg(unix)]
fn read_whole(path: &Path) -> io::Result<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() || meta.len() < SPLIT_READ {
        return std::fs::read(path);
    }
    let len =
        usize::try_from(meta.len()).map_err(|_| io::Error::from(io::ErrorKind::OutOfMemory))?;
    let mut bytes = vec![0u8; len];
    let half = len / 2;
    let (a, b) = bytes.split_at_mut(half);
    let (ra, rb) = rayon::join(
        || file.read_exact_at(a, 0),
        || file.read_exact_at(b, half as u64),
    );
    if ra.is_err() || rb.is_err() {
        // changed while being read: read it as it is now
        return std::fs::read(path);
    }
    // anything written past the size seen
    let mut more = Vec::new();
    let mut at = len as u64;
    let mut buf = [0u8; 8192];
    loop {
        let n = file.read_at(&mut buf, at)?;
        if n == 0 {
            break;
        }
        more.extend_from_slice(buf.get(..n).unwrap_or_default());
        at += n as u64;
    }
    bytes.extend_from_slice(&more);
    Ok(bytes)
}

/// Files of one side that a reader takes together because they refer to each other — the
/// per-call outputs of an organization or of Identity Center, the GCP files — collected
/// while the side's files are dispatched and read once all are known. The bytes are
/// borrowed from the side's loaded files, never copied.
#[derive(Default)]
pub(crate) struct Deferred<'a> {
    files: Vec<(Arc<str>, &'a [u8])>,
}

impl<'a> Deferred<'a> {
    /// Files of one text (what the fuzz targets and single-file readers use).
    pub(crate) fn one(name: &Arc<str>, bytes: &'a [u8]) -> Self {
        Deferred {
            files: vec![(name.clone(), bytes)],
        }
    }

    pub(crate) fn add(&mut self, name: Arc<str>, bytes: &'a [u8]) {
        self.files.push((name, bytes));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The files, in the order added.
    pub(crate) fn files(&self) -> &[(Arc<str>, &'a [u8])] {
        &self.files
    }

    /// The text of the file of this name.
    pub(crate) fn bytes_of(&self, name: &Arc<str>) -> Option<&'a [u8]> {
        self.files.iter().find(|(n, _)| n == name).map(|(_, b)| *b)
    }
}

/// Lowercase reason of an I/O error, without the `(os error N)` noise.
fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        io::ErrorKind::IsADirectory => "it is a directory".into(),
        _ => {
            let text = e.to_string();
            let text = match text.find(" (os error") {
                Some(i) => text.get(..i).unwrap_or(&text).to_owned(),
                None => text,
            };
            let mut chars = text.chars();
            match chars.next() {
                Some(c) => c.to_lowercase().chain(chars).collect(),
                None => text,
            }
        }
    }
}

/// The UTF-8 text of a file, as tools write it: borrowed when it already is UTF-8 without
/// a BOM or CRLF, else with the UTF-8 BOM dropped, UTF-16 decoded (by BOM, or by the zero
/// bytes of ASCII in UTF-16 when there is no BOM), and CRLF line ends made LF. Lines and
/// columns in the result are those of the file (a CR only ever ends a line). Invalid
/// UTF-8 is left for the parsers, which report it with a position; invalid UTF-16 is an
/// error at its line:column and byte offset.
pub fn decode<'a>(file: &Arc<str>, bytes: &'a [u8]) -> Result<Cow<'a, [u8]>, IngestError> {
    let text = match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => Cow::Borrowed(rest),
        [0xFF, 0xFE, rest @ ..] => Cow::Owned(utf16(file, rest, 2, Endian::Little)?),
        [0xFE, 0xFF, rest @ ..] => Cow::Owned(utf16(file, rest, 2, Endian::Big)?),
        [a, 0, b, 0, ..] if *a != 0 && *b != 0 => {
            Cow::Owned(utf16(file, bytes, 0, Endian::Little)?)
        }
        [0, a, 0, b, ..] if *a != 0 && *b != 0 => Cow::Owned(utf16(file, bytes, 0, Endian::Big)?),
        [a, 0] if *a != 0 => Cow::Owned(utf16(file, bytes, 0, Endian::Little)?),
        [0, a] if *a != 0 => Cow::Owned(utf16(file, bytes, 0, Endian::Big)?),
        _ => Cow::Borrowed(bytes),
    };
    Ok(match crlf_to_lf(&text) {
        Some(lf) => Cow::Owned(lf),
        None => text,
    })
}

/// The text with every CRLF made LF, or `None` when it has none.
fn crlf_to_lf(text: &[u8]) -> Option<Vec<u8>> {
    // a byte search for CR first (vectorized), the pair only from there
    let cr = memchr::memchr(b'\r', text)?;
    let first = cr + memchr::memmem::find(text.get(cr..)?, b"\r\n")?;
    let mut out = Vec::with_capacity(text.len());
    out.extend_from_slice(text.get(..first).unwrap_or(&[]));
    let mut rest = text.get(first..).unwrap_or(&[]).iter().peekable();
    while let Some(&b) = rest.next() {
        if b == b'\r' && rest.peek() == Some(&&b'\n') {
            continue;
        }
        out.push(b);
    }
    Some(out)
}

#[derive(Clone, Copy)]
enum Endian {
    Little,
    Big,
}

/// UTF-16 → UTF-8. `skipped` is the length of the BOM before `bytes`, so byte offsets in
/// errors are the file's.
fn utf16(
    file: &Arc<str>,
    bytes: &[u8],
    skipped: usize,
    endian: Endian,
) -> Result<Vec<u8>, IngestError> {
    let name = match endian {
        Endian::Little => "UTF-16 little-endian",
        Endian::Big => "UTF-16 big-endian",
    };
    let chunks = bytes.chunks_exact(2);
    let odd = !chunks.remainder().is_empty();
    let units = chunks.map(|c| {
        let pair = [
            c.first().copied().unwrap_or(0),
            c.get(1).copied().unwrap_or(0),
        ];
        match endian {
            Endian::Little => u16::from_le_bytes(pair),
            Endian::Big => u16::from_be_bytes(pair),
        }
    });
    let mut out = String::with_capacity(bytes.len() / 2);
    // a place in the text decoded so far: its line:column (what an editor shows once
    // it has read the file as UTF-16), with the byte offset in the message
    let place = |out: &String| Text::new(file, out.as_bytes()).place_at(Some(out.len()), None);
    let mut at = skipped;
    for ch in char::decode_utf16(units) {
        match ch {
            Ok(c) => {
                out.push(c);
                at += 2 * c.len_utf16();
            }
            Err(e) => {
                return Err(IngestError::new(
                    place(&out),
                    format!(
                        "the file reads as {name} but has an unpaired surrogate `{:#06x}` at byte {at}",
                        e.unpaired_surrogate()
                    ),
                )
                .with_help(format!(
                    "expected {name} text (surrogates in pairs), or UTF-8; re-save the file as UTF-8"
                )));
            }
        }
    }
    if odd {
        return Err(IngestError::new(
            place(&out),
            format!(
                "the file reads as {name} but ends in half a character (an odd number of \
                 bytes; the last is byte {at})"
            ),
        )
        .with_help(format!(
            "expected {name} text (two bytes a character), or UTF-8; re-save the file as UTF-8"
        )));
    }
    Ok(out.into_bytes())
}

/// Offset of the first byte that is not JSON whitespace, from `from`.
pub(crate) fn skip_ws(text: &[u8], from: usize) -> usize {
    let rest = text.get(from..).unwrap_or(&[]);
    from + rest
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .count()
}

/// The first byte that is not whitespace, if any.
pub(crate) fn first_byte(text: &[u8]) -> Option<u8> {
    text.get(skip_ws(text, 0)).copied()
}

/// 1-based line and byte column of the byte at `offset` (serde_json's convention:
/// the column of a byte is its offset from the line start, plus one).
pub(crate) fn line_col(text: &[u8], offset: usize) -> (u32, u32) {
    let before = text.get(..offset).unwrap_or(text);
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    (clamp(line), clamp(before.len() - line_start + 1))
}

/// Inverse of serde_json's error position: the byte offset of (`line`, `column`)
/// (serde_json points one past the byte that failed, so column C is offset C of the line).
pub(crate) fn offset_of(text: &[u8], line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text
            .get(start..)
            .and_then(|t| t.iter().position(|&b| b == b'\n'))
        {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    (start + column).min(text.len())
}

/// Byte offset of `inner` inside `outer`, when `inner` is a slice of it (a borrowed
/// `RawValue`). Compares addresses only; no pointer is dereferenced.
pub(crate) fn offset_in(outer: &[u8], inner: &str) -> Option<usize> {
    let start = outer.as_ptr() as usize;
    let at = inner.as_ptr() as usize;
    (at >= start && at + inner.len() <= start + outer.len()).then(|| at - start)
}

fn clamp(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A text being parsed, for placing errors: the file name, its bytes, and whether
/// positions in it are the user's (false for JSON converted from YAML, where only the
/// pointer means something to the user).
#[derive(Clone, Copy)]
pub(crate) struct Text<'a> {
    pub file: &'a Arc<str>,
    pub bytes: &'a [u8],
    pub positions: bool,
}

impl<'a> Text<'a> {
    pub fn new(file: &'a Arc<str>, bytes: &'a [u8]) -> Self {
        Text {
            file,
            bytes,
            positions: true,
        }
    }

    /// A place at a byte offset of the text, with a pointer.
    pub fn place_at(&self, offset: Option<usize>, pointer: Option<String>) -> Place {
        let (line, column) = match offset.filter(|_| self.positions) {
            Some(o) => {
                let (l, c) = line_col(self.bytes, o);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        Place {
            file: self.file.clone(),
            line,
            column,
            pointer,
        }
    }

    /// The place of a serde_json error position (`line`, `column`) raised while parsing
    /// `self.bytes[base..]`.
    pub fn error_place(
        &self,
        base: usize,
        line: usize,
        column: usize,
        pointer: Option<String>,
    ) -> Place {
        if line == 0 {
            return self.place_at(None, pointer);
        }
        let slice = self.bytes.get(base..).unwrap_or(&[]);
        let at = base + offset_of(slice, line, column);
        // serde_json's column is one past the failing byte; line_col adds that one back.
        self.place_at(Some(at.saturating_sub(1)), pointer)
    }

    /// The place of a serde_json error raised while parsing `self.bytes[base..]`.
    pub fn json_error_place(
        &self,
        base: usize,
        e: &serde_json::Error,
        pointer: Option<String>,
    ) -> Place {
        self.error_place(base, e.line(), e.column(), pointer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name() -> Arc<str> {
        Arc::from("t.json")
    }

    #[test]
    fn utf8_bom_is_skipped() {
        let d = decode(&name(), b"\xEF\xBB\xBF{}").unwrap();
        assert_eq!(&*d, b"{}");
    }

    #[test]
    fn utf16_with_and_without_bom_is_decoded() {
        let text = "{\"a\": \"é\"}";
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        let bare: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        for bytes in [le, be, bare] {
            assert_eq!(&*decode(&name(), &bytes).unwrap(), text.as_bytes());
        }
    }

    #[test]
    fn utf16_errors_are_placed() {
        let e = decode(&name(), b"\xFF\xFE{\0}").unwrap_err();
        assert!(e.to_string().starts_with("t.json:1:2: "), "{e}");
        assert!(e.message.contains("byte 4"), "{e}");
        // `{` newline `a` then a lone high surrogate
        let e = decode(&name(), b"{\0\n\0a\0\x00\xD8b\0").unwrap_err();
        assert!(e.to_string().starts_with("t.json:2:2: "), "{e}");
        assert!(e.message.contains("`0xd800` at byte 6"), "{e}");
    }

    #[test]
    fn crlf_becomes_lf_and_a_bom_is_dropped() {
        assert_eq!(
            &*decode(&name(), b"\xEF\xBB\xBFa: 1\r\nb: 2\r\n").unwrap(),
            b"a: 1\nb: 2\n"
        );
        let le: Vec<u8> = "a\r\nb".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(&*decode(&name(), &le).unwrap(), b"a\nb");
        assert!(matches!(
            decode(&name(), b"a\nb").unwrap(),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn read_source_keeps_the_text_without_its_bom() {
        let path = std::env::temp_dir().join(format!("iamdiff-bom-{}.json", std::process::id()));
        std::fs::write(&path, b"\xEF\xBB\xBF{\"a\": 1}\r\n").unwrap();
        let (_, bytes) = read_source(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(bytes, b"{\"a\": 1}\n");
    }

    #[test]
    fn positions_agree_with_serde_json() {
        let text = b"{\n  \"a\": [1,\n   2,]\n}";
        let e = serde_json::from_slice::<serde_json::Value>(text).unwrap_err();
        let at = offset_of(text, e.line(), e.column()) - 1;
        assert_eq!(text[at], b']');
        assert_eq!(
            line_col(text, at),
            (
                u32::try_from(e.line()).unwrap(),
                u32::try_from(e.column()).unwrap()
            )
        );
    }

    #[test]
    fn offset_of_a_subslice() {
        let outer = "abcdef";
        assert_eq!(offset_in(outer.as_bytes(), &outer[2..4]), Some(2));
        assert_eq!(offset_in(outer.as_bytes(), "zz"), None);
    }

    #[test]
    fn unreadable_paths_are_named() {
        let e = read_source(Path::new("/nonexistent/x.json")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "/nonexistent/x.json: cannot read `/nonexistent/x.json`: no such file"
        );
        let dir = std::env::temp_dir();
        let e = read_source(&dir).unwrap_err();
        assert!(e.message.contains("is a directory"), "{e}");
    }
}

//! JSON files that hold one document, several concatenated (`aws ... >> out.json`), or an
//! array of them: AWS exports and per-call CLI outputs alike. Each document keeps where it
//! is, so every later error and warning can be placed in the file.

use serde::Deserialize;
use serde_json::Deserializer;
use std::sync::Arc;

use super::IngestError;
use super::err::{json_message, pointer_of};
use super::source::{Text, skip_ws};

/// One document of a file.
pub(crate) struct Doc<T> {
    pub raw: T,
    /// Pointer prefix: `""`, or `/2` in an array of documents.
    pub prefix: String,
    /// Byte offset of a concatenated document after the first, whose pointers are
    /// relative to it (places then also carry its line:column).
    pub start: Option<usize>,
}

/// How a reader turns a parse error into its own message.
pub(crate) type OnError = fn(&Text<'_>, usize, &serde_json::Error, Option<String>) -> IngestError;

/// The documents of one file (UTF-8 text). `what` names them in the message about text
/// after the last one (`pages of the export`, `outputs`).
pub(crate) fn read<'a, T: Deserialize<'a>>(
    name: &Arc<str>,
    bytes: &'a [u8],
    what: &str,
    on_error: OnError,
) -> Result<Vec<Doc<T>>, IngestError> {
    let text = Text::new(name, bytes);
    match bytes.get(skip_ws(bytes, 0)) {
        None => Err(IngestError::new(
            text.place_at(Some(0), None),
            "the file is empty",
        )),
        Some(b'[') => {
            let list: Vec<T> = serde_json::from_slice(bytes)
                .map_err(|e| on_error(&text, 0, &e, reparse_pointer::<Vec<T>>(bytes)))?;
            Ok(list
                .into_iter()
                .enumerate()
                .map(|(i, raw)| Doc {
                    raw,
                    prefix: format!("/{i}"),
                    start: None,
                })
                .collect())
        }
        Some(_) => {
            let mut out: Vec<Doc<T>> = Vec::new();
            let mut stream = Deserializer::from_slice(bytes).into_iter::<T>();
            loop {
                let at = skip_ws(bytes, stream.byte_offset());
                match stream.next() {
                    None => break,
                    Some(Ok(raw)) => {
                        let start = (!out.is_empty()).then_some(at);
                        out.push(Doc {
                            raw,
                            prefix: String::new(),
                            start,
                        });
                    }
                    Some(Err(e)) if !out.is_empty() && bytes.get(at) != Some(&b'{') => {
                        return Err(IngestError::new(
                            text.place_at(Some(at), None),
                            format!(
                                "unexpected text after the JSON document ({})",
                                json_message(&e)
                            ),
                        )
                        .with_help(format!(
                            "{what} may follow each other, but nothing else may"
                        )));
                    }
                    Some(Err(e)) => {
                        let slice = bytes.get(at..).unwrap_or(&[]);
                        return Err(on_error(&text, 0, &e, reparse_pointer::<T>(slice)));
                    }
                }
            }
            Ok(out)
        }
    }
}

/// The JSON pointer of the first error in `bytes`, found by parsing again with path
/// tracking (only failing inputs pay for it).
pub(crate) fn reparse_pointer<'de, T: Deserialize<'de>>(bytes: &'de [u8]) -> Option<String> {
    let mut de = Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => Some(pointer_of(e.path())),
        Ok(_) => None,
    }
}

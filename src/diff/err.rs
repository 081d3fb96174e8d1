//! Errors of the diff inputs it reads itself (mapping and waiver files).

use crate::model::{Place, suggest};

#[derive(Debug, thiserror::Error)]
#[error("{place}: {message}")]
pub struct DiffError {
    pub place: Place,
    pub message: String,
}

impl DiffError {
    pub fn new(place: Place, message: impl Into<String>) -> Self {
        DiffError {
            place,
            message: message.into(),
        }
    }

    /// From a YAML error of `text`, with its line and column; an error the parser gives no
    /// position (a second document, say) is placed at the end of the text it read.
    pub fn yaml(file: &std::sync::Arc<str>, text: &str, e: &serde_yaml::Error) -> Self {
        let mut place = Place::file(file.clone());
        let (line, column) = match e.location() {
            Some(loc) => (loc.line(), loc.column()),
            None => {
                let last = text.rsplit('\n').next().unwrap_or_default();
                (text.matches('\n').count() + 1, last.chars().count() + 1)
            }
        };
        place.line = u32::try_from(line).ok();
        place.column = u32::try_from(column).ok();
        // serde_yaml appends " at line X column Y"; the place already says it
        let msg = e.to_string();
        let msg = msg.split(" at line ").next().unwrap_or(&msg);
        DiffError {
            place,
            message: with_suggestion(msg),
        }
    }
}

/// serde's "unknown field `x`, expected one of `a`, `b`" (and "unknown variant ...") said
/// the way every input iamdiff defines says it: the unknown key and the closest known one
/// (issue 7). Other messages are kept as they are.
fn with_suggestion(msg: &str) -> String {
    for (serde_says, we_say) in [
        ("unknown field `", "unknown key"),
        ("unknown variant `", "unknown value"),
    ] {
        let Some(start) = msg.find(serde_says) else {
            continue;
        };
        let (path, rest) = msg.split_at(start);
        let rest = rest.get(serde_says.len()..).unwrap_or_default();
        let Some((name, expected)) = rest.split_once('`') else {
            continue;
        };
        // the known names are the backquoted words after the unknown one
        let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        let path = path.trim_end_matches([' ', ':']);
        let within = if path.is_empty() {
            String::new()
        } else {
            format!(" in `{path}`")
        };
        let known_list = if known.is_empty() {
            " (none is allowed here)".to_owned()
        } else {
            format!(
                " (expected one of {})",
                known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        return format!(
            "{we_say} `{name}`{within}{}{known_list}",
            suggest::did_you_mean(name, known.iter().copied())
        );
    }
    msg.to_owned()
}

#[cfg(test)]
mod tests {
    use super::with_suggestion;

    #[test]
    fn unknown_keys_name_the_closest() {
        assert_eq!(
            with_suggestion(
                "waivers[0]: unknown field `acton`, expected one of `principal`, `action`, `reason`"
            ),
            "unknown key `acton` in `waivers[0]`, did you mean `action`? (expected one of `principal`, `action`, `reason`)"
        );
        assert_eq!(
            with_suggestion("unknown field `renamse`, expected `renames`"),
            "unknown key `renamse`, did you mean `renames`? (expected one of `renames`)"
        );
        assert_eq!(
            with_suggestion(
                "waivers[1].code: unknown variant `lots`, expected one of `lost`, `gained`"
            ),
            "unknown value `lots` in `waivers[1].code`, did you mean `lost`? (expected one of `lost`, `gained`)"
        );
        assert_eq!(with_suggestion("invalid type: map"), "invalid type: map");
    }
}

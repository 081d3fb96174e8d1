//! Errors of the diff inputs it reads itself (mapping and waiver files).

use crate::model::Place;

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

    /// From a YAML error, with its line and column.
    pub fn yaml(file: &std::sync::Arc<str>, e: &serde_yaml::Error) -> Self {
        let mut place = Place::file(file.clone());
        if let Some(loc) = e.location() {
            place.line = u32::try_from(loc.line()).ok();
            place.column = u32::try_from(loc.column()).ok();
        }
        // serde_yaml appends " at line X column Y"; the place already says it
        let msg = e.to_string();
        let msg = msg.split(" at line ").next().unwrap_or(&msg).to_owned();
        DiffError {
            place,
            message: msg,
        }
    }
}

//! Waivers (`--waivers`): approved exceptions that keep a finding out of the gate while it
//! stays in every report, marked waived with its reason. An expired waiver does not apply
//! and is itself a finding.
//!
//! ```yaml
//! waivers:
//!   - principal: carol          # glob over the principal's (after-side) name
//!     action: "sagemaker:*"     # glob over action names, case-insensitive
//!     resource: "arn:aws:s3:::examplecorp-ds-projects/*"   # optional glob over the witness
//!     code: lost                # optional: only findings with this code
//!     reason: moves to the new ML platform group next sprint
//!     approved_by: security@examplecorp.example
//!     expires: 2027-01-31       # optional, YYYY-MM-DD; expired from the day after
//! ```

use globset::{GlobBuilder, GlobMatcher};
use serde::Deserialize;
use std::sync::Arc;

use crate::model::Place;

use super::err::DiffError;
use super::findings::Code;

#[derive(Debug, Clone)]
pub struct Waiver {
    pub index: usize,
    pub principal: String,
    pub action: String,
    pub resource: Option<String>,
    pub code: Option<Code>,
    pub reason: String,
    pub approved_by: String,
    /// `YYYY-MM-DD`.
    pub expires: Option<String>,
    principal_glob: GlobMatcher,
    action_glob: GlobMatcher,
    resource_glob: Option<GlobMatcher>,
}

impl Waiver {
    pub fn is_expired(&self, today: &str) -> bool {
        self.expires.as_deref().is_some_and(|e| e < today)
    }

    pub fn matches_principal(&self, name: &str) -> bool {
        self.principal_glob.is_match(name)
    }

    pub fn matches_action(&self, action: &str) -> bool {
        self.action_glob.is_match(action)
    }

    /// A waiver with a resource glob applies only to findings whose witness it matches.
    pub fn matches_witness(&self, witness: Option<&str>) -> bool {
        match (&self.resource_glob, witness) {
            (None, _) => true,
            (Some(g), Some(w)) => g.is_match(w),
            (Some(_), None) => false,
        }
    }

    pub fn matches_code(&self, code: Code) -> bool {
        self.code.is_none_or(|c| c == code)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    waivers: Vec<RawWaiver>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    principal: String,
    action: String,
    resource: Option<String>,
    code: Option<Code>,
    reason: String,
    approved_by: String,
    expires: Option<String>,
}

fn glob(
    pattern: &str,
    ignore_case: bool,
    place: &Place,
    field: &str,
) -> Result<GlobMatcher, DiffError> {
    GlobBuilder::new(pattern)
        .case_insensitive(ignore_case)
        .literal_separator(false)
        .backslash_escape(false)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|e| DiffError::new(place.clone(), format!("`{field}` is not a valid glob: {e}")))
}

/// `YYYY-MM-DD`, digits where digits belong (dates then compare as text).
pub fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

pub fn parse(file: &Arc<str>, text: &str) -> Result<Vec<Waiver>, DiffError> {
    let raw: RawFile = serde_yaml::from_str(text).map_err(|e| DiffError::yaml(file, &e))?;
    raw.waivers
        .into_iter()
        .enumerate()
        .map(|(index, r)| {
            let place = Place::pointer(file.clone(), format!("/waivers/{index}"));
            if r.reason.trim().is_empty() || r.approved_by.trim().is_empty() {
                return Err(DiffError::new(
                    place,
                    "a waiver needs a non-empty `reason` and `approved_by`",
                ));
            }
            if let Some(e) = r.expires.as_deref().filter(|e| !valid_date(e)) {
                return Err(DiffError::new(
                    place,
                    format!("`expires: {e}`: expected a date YYYY-MM-DD"),
                ));
            }
            Ok(Waiver {
                index,
                principal_glob: glob(&r.principal, false, &place, "principal")?,
                action_glob: glob(&r.action, true, &place, "action")?,
                resource_glob: r
                    .resource
                    .as_deref()
                    .map(|g| glob(g, false, &place, "resource"))
                    .transpose()?,
                principal: r.principal,
                action: r.action,
                resource: r.resource,
                code: r.code,
                reason: r.reason,
                approved_by: r.approved_by,
                expires: r.expires,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_matches() {
        let f: Arc<str> = Arc::from("w.yaml");
        let w = parse(
            &f,
            "waivers:\n  - principal: 'car*'\n    action: 'S3:Get*'\n    reason: r\n    approved_by: me\n    expires: 2026-12-31\n",
        )
        .unwrap();
        assert!(w[0].matches_principal("carol"));
        assert!(w[0].matches_action("s3:GetObject"));
        assert!(!w[0].is_expired("2026-12-31"));
        assert!(w[0].is_expired("2027-01-01"));
    }

    #[test]
    fn bad_waivers_are_placed() {
        let f: Arc<str> = Arc::from("w.yaml");
        let e = parse(
            &f,
            "waivers:\n  - principal: a\n    action: b\n    reason: ''\n    approved_by: me\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("/waivers/0"));
        let e = parse(&f, "waivers:\n  - principal: a\n    action: b\n    reason: r\n    approved_by: me\n    expires: soon\n")
            .unwrap_err();
        assert!(e.to_string().contains("YYYY-MM-DD"));
        let e = parse(&f, "waivers:\n  - principal: a\n").unwrap_err();
        assert!(e.to_string().starts_with("w.yaml:"), "{e}");
    }
}

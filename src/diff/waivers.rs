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

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
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
    principal_glob: GlobSet,
    action_glob: GlobSet,
    resource_glob: Option<GlobSet>,
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

/// The longest glob a waiver or `--principal` may give, in characters once runs of `*` are
/// collapsed: names and ARNs are far shorter, and the length bounds the compiled matcher
/// (issue 7: a 5 MB glob took 2.5 GB to compile).
pub const MAX_GLOB_CHARS: usize = 1024;

/// Compiles a glob over names (`*` and `?` cross `/`; `\` is literal) without ever
/// panicking: runs of `*` are collapsed (97,000 of them panicked in globset), the length is
/// bounded by [`MAX_GLOB_CHARS`], and a matcher too large to build is an error. The error
/// says why, for the caller to place.
pub fn compile_glob(pattern: &str, ignore_case: bool) -> Result<GlobSet, String> {
    compile_globs(&[pattern], ignore_case)
}

/// Several globs as one set matching a name any of them matches, each checked as in
/// [`compile_glob`].
pub fn compile_globs(patterns: &[&str], ignore_case: bool) -> Result<GlobSet, String> {
    let mut set = GlobSetBuilder::new();
    for p in patterns {
        set.add(parse_glob(p, ignore_case)?);
    }
    // `GlobSet::build` returns a matcher over the regex size limit as an error, where
    // `Glob::compile_matcher` panics
    set.build()
        .map_err(|e| format!("the glob cannot be compiled: {}", e.kind()))
}

fn parse_glob(pattern: &str, ignore_case: bool) -> Result<Glob, String> {
    let mut collapsed = String::with_capacity(pattern.len().min(MAX_GLOB_CHARS + 1));
    let mut chars = 0usize;
    for c in pattern.chars() {
        if c == '*' && collapsed.ends_with('*') {
            continue;
        }
        chars += 1;
        if chars > MAX_GLOB_CHARS {
            return Err(format!(
                "the glob is longer than {MAX_GLOB_CHARS} characters (after runs of `*` are \
                 collapsed)"
            ));
        }
        collapsed.push(c);
    }
    GlobBuilder::new(&collapsed)
        .case_insensitive(ignore_case)
        .literal_separator(false)
        .backslash_escape(false)
        .build()
        .map_err(|e| format!("not a valid glob: {}", e.kind()))
}

/// A user value shortened for a message: hostile inputs may be megabytes long.
pub fn shorten(s: &str) -> String {
    const SHOW: usize = 60;
    match s.char_indices().nth(SHOW) {
        None => s.to_owned(),
        Some((i, _)) => format!(
            "{}… ({} characters)",
            s.get(..i).unwrap_or_default(),
            s.chars().count()
        ),
    }
}

/// A waiver's glob; an error is placed at the field (`/waivers/3/principal`).
fn glob(
    pattern: &str,
    ignore_case: bool,
    place: &Place,
    field: &str,
) -> Result<GlobSet, DiffError> {
    compile_glob(pattern, ignore_case).map_err(|why| {
        let mut at = place.clone();
        at.pointer = Some(format!("{}/{field}", at.pointer.unwrap_or_default()));
        DiffError::new(at, format!("`{field}: {}`: {why}", shorten(pattern)))
    })
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
    let raw: RawFile = serde_yaml::from_str(text).map_err(|e| DiffError::yaml(file, text, &e))?;
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

    #[test]
    fn hostile_globs_are_bounded_errors_not_panics() {
        // issue 7: 97,000 `*` panicked in globset; a 5 MB glob took 2.5 GB
        let f: Arc<str> = Arc::from("w.yaml");
        let stars = "*".repeat(97_000);
        let w = parse(
            &f,
            &format!("waivers:\n  - principal: '{stars}'\n    action: '*'\n    reason: r\n    approved_by: me\n"),
        )
        .unwrap();
        assert!(w[0].matches_principal("anyone"));
        let long = "a?".repeat(3_000);
        let e = parse(
            &f,
            &format!("waivers:\n  - principal: a\n    action: '{long}'\n    reason: r\n    approved_by: me\n"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("(at /waivers/0/action)"), "{e}");
        assert!(e.contains("longer than 1024 characters"), "{e}");
        assert!(e.len() < 400, "the message quotes the glob shortened: {e}");
        let e = parse(
            &f,
            "waivers:\n  - principal: '[a'\n    action: '*'\n    reason: r\n    approved_by: me\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("/waivers/0/principal") && e.contains("not a valid glob"),
            "{e}"
        );
        assert!(compile_glob(&"[a-z]?".repeat(170), true).is_ok());
    }
}

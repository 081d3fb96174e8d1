//! "Did you mean": the known name closest to a mistyped one, for error messages of every
//! layer (unknown keys of the inputs iamdiff defines, unknown group or service names).
//! Plain string code, here at the bottom layer so ingest, diff and the CLI share one copy.

/// Names this many edits apart (after case and `_`/`-` are ignored) or fewer are close.
pub const MAX_EDITS: usize = 2;

/// The candidate closest to `name` (case, `_`/`-` and up to [`MAX_EDITS`] edits apart);
/// ties go to the first candidate in order.
pub fn closest<'c>(name: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let norm = |s: &str| s.to_ascii_lowercase().replace('_', "-");
    let n = norm(name);
    let mut best: Option<(usize, &'c str)> = None;
    for c in candidates {
        let d = distance(&n, &norm(c));
        if d <= MAX_EDITS && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// `, did you mean `x`?` when a close candidate exists, else nothing: the tail of a message.
pub fn did_you_mean<'c>(name: &str, candidates: impl IntoIterator<Item = &'c str>) -> String {
    closest(name, candidates)
        .map(|c| format!(", did you mean `{c}`?"))
        .unwrap_or_default()
}

/// Levenshtein distance, or `MAX_EDITS + 1` as soon as it must exceed [`MAX_EDITS`], so a
/// hostile megabyte-long name costs a length comparison, not a quadratic table.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > MAX_EDITS {
        return MAX_EDITS + 1;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_names() {
        let known = [
            "edge-prod-b001-group-ml-engineers",
            "edge-prod-b001-group-data-scientists",
        ];
        assert_eq!(
            closest("edge-prod-b001-group-ml-engineer", known),
            Some("edge-prod-b001-group-ml-engineers")
        );
        assert_eq!(closest("sagemakr", ["s3", "sagemaker"]), Some("sagemaker"));
        assert_eq!(
            closest("Data_Science", ["data-science", "ml"]),
            Some("data-science")
        );
        assert_eq!(closest("bedrock", ["s3", "ecr"]), None);
        assert_eq!(
            closest(
                "policy_assignment",
                ["managed_policies", "policy_assignments"]
            ),
            Some("policy_assignments")
        );
        assert_eq!(
            did_you_mean("form", ["from", "to"]),
            ", did you mean `from`?"
        );
        assert_eq!(did_you_mean("zzzz", ["from", "to"]), "");
    }

    #[test]
    fn long_names_are_cheap_and_far() {
        let long = "a".repeat(1_000_000);
        assert_eq!(closest(&long, ["a", "aa"]), None);
        assert_eq!(distance("kitten", "sitting"), MAX_EDITS + 1);
        assert_eq!(distance("abc", "abd"), 1);
    }
}

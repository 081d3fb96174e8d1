//! Whether a policy's resource pattern can match any ARN of a resource type, given the
//! catalog's ARN format (`arn:${Partition}:s3:::${BucketName}`): the two patterns'
//! languages intersect or not. The pattern's `*` and `?` match anything (IAM wildcards,
//! `/` included); a format's placeholder matches any run of characters, without `/`
//! when the placeholder names an identifier that cannot hold one (a bucket name, an
//! instance id), so `arn:aws:s3:::bucket/*` matches no bucket and
//! `arn:aws:ec2:…:instance/i-1/*` no instance. Matching ignores ASCII case, so the
//! answer "no match" is never caused by case alone.

use rustc_hash::FxHashMap;

/// Patterns longer than this are taken to match (never a finding): a bounded table.
const MAX_CHARS: usize = 2048;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tok {
    Lit(char),
    /// `?`: one character.
    One,
    /// `*` of a pattern, or a placeholder that may hold `/`.
    Any,
    /// A placeholder that cannot hold `/`.
    Seg,
}

/// Placeholders that never hold a `/`: the ARN's fixed fields and identifiers of the
/// `…Id` shape, except those AWS lets users name with slashes. Others (object keys,
/// names with paths, log groups, parameters, repositories, secrets) may hold one.
fn slash_free(name: &str) -> bool {
    matches!(
        name,
        "Partition"
            | "Region"
            | "Account"
            | "AccountId"
            | "BucketName"
            | "FunctionName"
            | "TableName"
            | "QueueName"
            | "TopicName"
            | "StackName"
            | "StateMachineName"
            | "AliasName"
            | "ClusterName"
            | "DbInstanceName"
    ) || (name.ends_with("Id")
        && !matches!(
            name,
            "SecretId"
                | "ResourceId"
                | "ObjectId"
                | "TenantResourceId"
                | "PatchBaselineIdResourceId"
        ))
}

fn pattern_tokens(pattern: &str, out: &mut Vec<Tok>) {
    out.clear();
    let mut rest = pattern;
    while let Some(c) = rest.chars().next() {
        // a policy variable (`${aws:username}`) may stand for anything
        if rest.starts_with("${")
            && let Some(end) = rest.find('}')
        {
            out.push(Tok::Any);
            rest = rest.get(end + 1..).unwrap_or_default();
            continue;
        }
        out.push(match c {
            '*' => Tok::Any,
            '?' => Tok::One,
            c => Tok::Lit(c.to_ascii_lowercase()),
        });
        rest = rest.get(c.len_utf8()..).unwrap_or_default();
    }
}

fn format_tokens(format: &str, out: &mut Vec<Tok>) {
    out.clear();
    let mut rest = format;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("${")
            && let Some(end) = rest.find('}')
        {
            let name = rest.get(2..end).unwrap_or_default();
            out.push(if slash_free(name) { Tok::Seg } else { Tok::Any });
            rest = rest.get(end + 1..).unwrap_or_default();
            continue;
        }
        out.push(Tok::Lit(c.to_ascii_lowercase()));
        rest = rest.get(c.len_utf8()..).unwrap_or_default();
    }
}

fn star(t: Tok) -> bool {
    matches!(t, Tok::Any | Tok::Seg)
}

/// Whether one character can be read by both tokens.
fn compatible(a: Tok, b: Tok) -> bool {
    match (a, b) {
        (Tok::Lit(x), Tok::Lit(y)) => x == y,
        (Tok::Lit(x), Tok::Seg) | (Tok::Seg, Tok::Lit(x)) => x != '/',
        _ => true,
    }
}

/// Buffers reused across [`may_match_with`] calls (a large account asks hundreds of
/// thousands of times), and the answers given so far ([`may_match_memo`]).
#[derive(Default)]
pub struct Scratch {
    p: Vec<Tok>,
    f: Vec<Tok>,
    seen: Vec<bool>,
    stack: Vec<(usize, usize)>,
    /// Format (by address: the catalog's strings live as long as the run) → pattern →
    /// answer. Accounts repeat the same resource patterns in thousands of policies.
    memo: FxHashMap<usize, FxHashMap<Box<str>, bool>>,
}

/// [`may_match_with`], remembered per (pattern, format).
pub(super) fn may_match_memo(scratch: &mut Scratch, pattern: &str, format: &str) -> bool {
    let key = format.as_ptr() as usize;
    if let Some(&v) = scratch.memo.get(&key).and_then(|m| m.get(pattern)) {
        return v;
    }
    let v = may_match_with(scratch, pattern, format);
    scratch
        .memo
        .entry(key)
        .or_default()
        .insert(pattern.into(), v);
    v
}

/// Whether some ARN matches both the policy's `pattern` and the catalog's `format`.
pub fn may_match(pattern: &str, format: &str) -> bool {
    may_match_with(&mut Scratch::default(), pattern, format)
}

/// [`may_match`] with reused buffers.
pub fn may_match_with(scratch: &mut Scratch, pattern: &str, format: &str) -> bool {
    if pattern.len() > MAX_CHARS || format.len() > MAX_CHARS {
        return true;
    }
    // the service fields, when both are literal, decide most pairs without the table
    if let (Some(a), Some(b)) = (pattern.split(':').nth(2), format.split(':').nth(2))
        && !a.contains(['*', '?', '$'])
        && !b.contains('$')
        && !a.eq_ignore_ascii_case(b)
    {
        return false;
    }
    let Scratch {
        p, f, seen, stack, ..
    } = scratch;
    pattern_tokens(pattern, p);
    format_tokens(format, f);
    let w = f.len() + 1;
    seen.clear();
    seen.resize((p.len() + 1) * w, false);
    stack.clear();
    stack.push((0, 0));
    while let Some((i, j)) = stack.pop() {
        let Some(cell) = seen.get_mut(i * w + j) else {
            continue;
        };
        if *cell {
            continue;
        }
        *cell = true;
        if i == p.len() && j == f.len() {
            return true;
        }
        let (a, b) = (p.get(i).copied(), f.get(j).copied());
        if a.is_some_and(star) {
            stack.push((i + 1, j));
        }
        if b.is_some_and(star) {
            stack.push((i, j + 1));
        }
        if let (Some(a), Some(b)) = (a, b)
            && compatible(a, b)
        {
            let ni = if star(a) { i } else { i + 1 };
            let nj = if star(b) { j } else { j + 1 };
            if (ni, nj) != (i, j) {
                stack.push((ni, nj));
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::may_match;

    const BUCKET: &str = "arn:${Partition}:s3:::${BucketName}";
    const OBJECT: &str = "arn:${Partition}:s3:::${BucketName}/${ObjectName}";
    const INSTANCE: &str = "arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId}";
    const ROLE: &str = "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}";

    #[test]
    fn patterns_against_formats() {
        assert!(may_match("arn:aws:s3:::bucket", BUCKET));
        assert!(!may_match("arn:aws:s3:::bucket/*", BUCKET));
        assert!(may_match("arn:aws:s3:::bucket/*", OBJECT));
        assert!(may_match("arn:aws:s3:::bucket*", BUCKET));
        assert!(!may_match("arn:aws:s3:::bucket", OBJECT));
        assert!(may_match("arn:aws:s3:::*", OBJECT));
        assert!(may_match("arn:aws:ec2:*:*:instance/i-1", INSTANCE));
        assert!(!may_match("arn:aws:ec2:*:*:instance/i-1/*", INSTANCE));
        assert!(may_match("arn:aws:iam::1:role/service-role/x", ROLE));
        assert!(!may_match("arn:aws:dynamodb:*:*:table/t", BUCKET));
        assert!(may_match("ARN:AWS:S3:::B", BUCKET));
        assert!(may_match("arn:aws:s3:::${aws:username}/x", OBJECT));
        assert!(may_match("*", BUCKET));
    }
}

//! User-to-group memberships: the plain `group: user1 user2` text the migration guides
//! produce (one group a line), or YAML/JSON; applied to the side they are given for,
//! after all its other sources.
//!
//! - Text: one group a line, `group: users`, users separated by spaces and/or commas;
//!   `#` starts a comment (at the start of a line or after a space); blank lines are
//!   skipped; a group on several lines gets all their users. A line without `:` or a name
//!   IAM would refuse is an error at its line:column.
//! - YAML/JSON: `memberships: {group: [users]}` or `{group: [users]}` at the top; a
//!   string instead of a list is split as in the text form.
//! - A group is named by its IAM name, or by an alias a provisioner config of the side
//!   gave it (its key, `data_scientists`), when only one group has that alias.
//! - A group the side does not define is an ERROR listing the known groups: a typo would
//!   otherwise leave the user out of the group, and the access lost would look like part
//!   of the migration rather than a mistake in the mapping.
//! - Users not yet in the side are created (name only, in the group's account).
//!   Memberships only add: they never take a user out of a group.

use rustc_hash::FxHashMap;
use std::sync::Arc;

use super::IngestError;
use super::provisioner::tree::{Src, child, closest};
use super::yaml::{self, Node};
use crate::model::{GroupId, Place, Principal, PrincipalKind, Snapshot};

/// Where a name was read: a line and column of the text form, or a pointer of the
/// YAML/JSON form (placed on demand).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Loc {
    Text { line: u32, column: u32 },
    Pointer(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    group: String,
    at: Loc,
    users: Vec<String>,
}

const LINE_HELP: &str = "one group a line: the group, a colon, then its users separated by spaces or commas \
     (`edge-prod-b001-group-data-scientists: alice bob`)";

/// Reads a memberships file and adds its users to the groups of `snap`.
pub(crate) fn apply(file: &Arc<str>, bytes: &[u8], snap: &mut Snapshot) -> Result<(), IngestError> {
    let entries = if is_structured(bytes) {
        parse_tree(file, bytes)?
    } else {
        parse_text(file, bytes)?
    };
    // a group's place: its line, or its key in the YAML/JSON form
    let place = |at: &Loc| match at {
        Loc::Text { line, column } => Place {
            file: file.clone(),
            line: Some(*line),
            column: Some(*column),
            pointer: None,
        },
        Loc::Pointer(p) => yaml::place_of(file, bytes, p, true),
    };
    // resolve every group first: one bad name fails the file before anything changes
    let mut resolved = Vec::with_capacity(entries.len());
    for e in &entries {
        let id = resolve(snap, &e.group)
            .map_err(|(message, help)| IngestError::new(place(&e.at), message).with_help(help))?;
        resolved.push(id);
    }
    let mut users = Users::of(snap);
    for (e, id) in entries.iter().zip(resolved) {
        for user in &e.users {
            users.add_member(snap, id, user);
        }
    }
    Ok(())
}

/// JSON, or YAML with lists, flow collections or a `memberships:` key; anything else is
/// read as text lines (which a line-by-line reader places exactly).
fn is_structured(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    let meaningful = text
        .lines()
        .map(|l| strip_comment(l).trim())
        .filter(|l| !l.is_empty() && *l != "---");
    let mut first = true;
    for l in meaningful {
        if first && (l.starts_with(['{', '[']) || l.starts_with("memberships:")) {
            return true;
        }
        first = false;
        if l == "-" || l.starts_with("- ") || l.contains(['[', '{']) {
            return true;
        }
    }
    false
}

/// The line without its comment: `#` at the start or after whitespace.
fn strip_comment(line: &str) -> &str {
    let mut prev_ws = true;
    for (i, c) in line.char_indices() {
        if c == '#' && prev_ws {
            return line.get(..i).unwrap_or(line);
        }
        prev_ws = c.is_whitespace();
    }
    line
}

/// Characters IAM allows in user and group names.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+=,.@_-".contains(c)
}

fn col(line: &str, byte: usize) -> u32 {
    u32::try_from(line.get(..byte).map_or(0, |s| s.chars().count()) + 1).unwrap_or(u32::MAX)
}

fn parse_text(file: &Arc<str>, bytes: &[u8]) -> Result<Vec<Entry>, IngestError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let (line, column) = super::source::line_col(bytes, e.valid_up_to());
        IngestError::new(
            Place {
                file: file.clone(),
                line: Some(line),
                column: Some(column),
                pointer: None,
            },
            "the file is not UTF-8 text",
        )
    })?;
    let mut entries: Vec<Entry> = Vec::new();
    for (i, raw_line) in text.lines().enumerate() {
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let at = |byte: usize| Place {
            file: file.clone(),
            line: Some(n),
            column: Some(col(raw_line, byte)),
            pointer: None,
        };
        let line = strip_comment(raw_line);
        if line.trim().is_empty() || line.trim() == "---" {
            continue;
        }
        let start = line.len() - line.trim_start().len();
        let Some(colon) = line.find(':') else {
            let shown = line.trim();
            return Err(IngestError::new(
                at(start),
                format!("expected `group: user1 user2`, found `{shown}` (no `:`)"),
            )
            .with_help(LINE_HELP));
        };
        let group = line.get(..colon).unwrap_or("").trim();
        if group.is_empty() {
            return Err(
                IngestError::new(at(colon), "missing group name before `:`").with_help(LINE_HELP)
            );
        }
        if let Some((j, c)) = group.char_indices().find(|(_, c)| !is_name_char(*c)) {
            return Err(IngestError::new(
                at(start + j),
                format!("`{c}` cannot be part of a group name (`{group}`)"),
            )
            .with_help(LINE_HELP));
        }
        let mut users = Vec::new();
        let rest = line.get(colon + 1..).unwrap_or("");
        let mut offset = colon + 1;
        for token in rest.split(|c: char| c.is_whitespace() || c == ',') {
            let here = offset;
            offset += token.len() + 1;
            if token.is_empty() {
                continue;
            }
            if let Some((j, c)) = token.char_indices().find(|(_, c)| !is_name_char(*c)) {
                return Err(IngestError::new(
                    at(here + j),
                    format!("`{c}` cannot be part of a user name (`{token}`)"),
                )
                .with_help("IAM user names are letters, digits and `+=.@_-`"));
            }
            users.push(token.to_owned());
        }
        let loc = Loc::Text {
            line: n,
            column: col(raw_line, start),
        };
        merge(&mut entries, group, loc, users);
    }
    Ok(entries)
}

fn merge(entries: &mut Vec<Entry>, group: &str, at: Loc, users: Vec<String>) {
    match entries.iter_mut().find(|e| e.group == group) {
        Some(e) => e.users.extend(users),
        None => entries.push(Entry {
            group: group.to_owned(),
            at,
            users,
        }),
    }
}

fn parse_tree(file: &Arc<str>, bytes: &[u8]) -> Result<Vec<Entry>, IngestError> {
    let root = yaml::parse_tree(file, bytes)?;
    let src = Src::new(file, bytes);
    let (map, base) = match &root {
        Node::Map(top) => match top.as_slice() {
            [(k, inner)] if k == "memberships" => (
                src.map(inner, "/memberships", "`memberships`")?,
                "/memberships",
            ),
            _ => (top.as_slice(), ""),
        },
        other => {
            return Err(src
                .error(
                    "",
                    false,
                    format!(
                        "memberships must be a mapping of group to users, not {}",
                        other.kind()
                    ),
                )
                .with_help(
                    "`memberships: {GROUP: [USER, ...]}`, or `GROUP: [USER, ...]` at the top",
                ));
        }
    };
    let mut entries = Vec::new();
    for (group, value) in map {
        let ptr = child(base, group);
        if group.is_empty() || !group.chars().all(is_name_char) {
            return Err(src.error(&ptr, true, format!("`{group}` is not a valid group name")));
        }
        let mut users = Vec::new();
        let mut push = |name: &str, p: &str| -> Result<(), IngestError> {
            if let Some(c) = name.chars().find(|c| !is_name_char(*c)) {
                return Err(src
                    .error(
                        p,
                        false,
                        format!("`{c}` cannot be part of a user name (`{name}`)"),
                    )
                    .with_help("IAM user names are letters, digits and `+=.@_-`"));
            }
            users.push(name.to_owned());
            Ok(())
        };
        match value {
            Node::Null => {}
            Node::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    let p = format!("{ptr}/{i}");
                    let name = src.text(item, &p, "a user name")?.value;
                    push(name.trim(), &p)?;
                }
            }
            Node::String(s) => {
                for name in s
                    .split(|c: char| c.is_whitespace() || c == ',')
                    .filter(|t| !t.is_empty())
                {
                    push(name, &ptr)?;
                }
            }
            other => {
                return Err(src.error(
                    &ptr,
                    false,
                    format!(
                        "the users of `{group}` must be a list of names, not {}",
                        other.kind()
                    ),
                ));
            }
        }
        merge(&mut entries, group, Loc::Pointer(ptr), users);
    }
    Ok(entries)
}

/// The group a memberships file names: by IAM name, else by a unique alias.
fn resolve(snap: &Snapshot, name: &str) -> Result<GroupId, (String, String)> {
    let exact: Vec<usize> = snap
        .groups
        .iter()
        .enumerate()
        .filter(|(_, g)| g.name == name)
        .map(|(i, _)| i)
        .collect();
    match exact.as_slice() {
        [one] => return Ok(GroupId(u32::try_from(*one).unwrap_or(u32::MAX))),
        [] => {}
        _ => {
            return Err((
                format!("group `{name}` exists in several accounts of this side"),
                "give each account's memberships for its own side".to_owned(),
            ));
        }
    }
    let mut aliased: Vec<(GroupId, &str)> = snap
        .group_aliases
        .iter()
        .filter(|a| a.alias == name)
        .map(|a| (a.group, &*a.source))
        .collect();
    aliased.sort();
    aliased.dedup_by_key(|(g, _)| *g);
    match aliased.as_slice() {
        [(id, _)] => return Ok(*id),
        [] => {}
        several => {
            let names: Vec<String> = several
                .iter()
                .filter_map(|(g, src)| {
                    snap.group(*g)
                        .map(|g| format!("`{}` (from `{src}`)", g.name))
                })
                .collect();
            return Err((
                format!("`{name}` names several groups: {}", names.join(", ")),
                "use the generated group name".to_owned(),
            ));
        }
    }
    let mut known: Vec<String> = snap.groups.iter().map(|g| g.name.clone()).collect();
    known.sort();
    known.dedup();
    let near = closest(name, known.iter().map(String::as_str));
    let help = if known.is_empty() {
        "this side defines no groups; give the export, config or template that defines them too"
            .to_owned()
    } else {
        const SHOWN: usize = 12;
        let mut list = known
            .iter()
            .take(SHOWN)
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ");
        if known.len() > SHOWN {
            list.push_str(&format!(" and {} more", known.len() - SHOWN));
        }
        match near {
            Some(n) => format!("did you mean `{n}`? known groups: {list}"),
            None => format!("known groups: {list}"),
        }
    };
    Err((
        format!("unknown group `{name}`: no input of this side defines it"),
        help,
    ))
}

/// Users of the snapshot by name (several when accounts differ), kept up to date as
/// memberships create users, so a 20,000-line file does not scan every principal per user.
struct Users(FxHashMap<String, Vec<usize>>);

impl Users {
    fn of(snap: &Snapshot) -> Self {
        let mut m: FxHashMap<String, Vec<usize>> = FxHashMap::default();
        for (i, p) in snap.principals.iter().enumerate() {
            if p.kind == PrincipalKind::User {
                m.entry(p.name.clone()).or_default().push(i);
            }
        }
        Users(m)
    }

    /// Puts `user` in group `id`, creating the user (in the group's account) if absent.
    fn add_member(&mut self, snap: &mut Snapshot, id: GroupId, user: &str) {
        let group_arn = snap.group(id).and_then(|g| g.arn.clone());
        let account = group_arn
            .as_deref()
            .and_then(|a| a.split(':').nth(4))
            .filter(|a| !a.is_empty())
            .map(str::to_owned);
        let candidates = self.0.get(user).map(Vec::as_slice).unwrap_or(&[]);
        let at = candidates
            .iter()
            .copied()
            .find(|&i| snap.principals.get(i).is_some_and(|p| p.account == account))
            .or_else(|| candidates.first().copied());
        let i = match at {
            Some(i) => i,
            None => {
                let mut p = Principal::new(PrincipalKind::User, user);
                if let (Some(acct), Some(arn)) = (&account, &group_arn) {
                    let partition = arn.split(':').nth(1).unwrap_or("aws");
                    p.arn = Some(format!("arn:{partition}:iam::{acct}:user/{user}"));
                    p.path = Some("/".to_owned());
                }
                p.account = account;
                snap.principals.push(p);
                let i = snap.principals.len() - 1;
                self.0.entry(user.to_owned()).or_default().push(i);
                i
            }
        };
        if let Some(p) = snap.principals.get_mut(i)
            && !p.groups.contains(&id)
        {
            p.groups.push(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Group, GroupAlias};

    fn side(groups: &[&str]) -> Snapshot {
        let mut snap = Snapshot::default();
        for g in groups {
            snap.add_group(Group {
                name: (*g).to_owned(),
                arn: Some(format!("arn:aws:iam::123456789012:group/{g}")),
                path: Some("/".to_owned()),
                policies: Vec::new(),
            });
        }
        snap
    }

    fn run(snap: &mut Snapshot, text: &str) -> Result<(), IngestError> {
        apply(&Arc::from("m.txt"), text.as_bytes(), snap)
    }

    fn members(snap: &Snapshot, group: &str) -> Vec<String> {
        let id = snap.groups.iter().position(|g| g.name == group).unwrap();
        let mut v: Vec<String> = snap
            .principals
            .iter()
            .filter(|p| p.groups.contains(&GroupId(id as u32)))
            .map(|p| p.name.clone())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn text_lines_with_comments_commas_and_repeats() {
        let mut snap = side(&["ds", "ml"]);
        run(
            &mut snap,
            "# saved before cutover\n\nds: alice bob,carol  # the team\nml:dave\nds: erin\nml:\n",
        )
        .unwrap();
        assert_eq!(members(&snap, "ds"), vec!["alice", "bob", "carol", "erin"]);
        assert_eq!(members(&snap, "ml"), vec!["dave"]);
        let alice = snap.principals.iter().find(|p| p.name == "alice").unwrap();
        assert_eq!(
            alice.arn.as_deref(),
            Some("arn:aws:iam::123456789012:user/alice")
        );
        assert_eq!(alice.account.as_deref(), Some("123456789012"));
    }

    #[test]
    fn existing_users_gain_the_group_once() {
        let mut snap = side(&["ds"]);
        snap.principals
            .push(Principal::new(PrincipalKind::User, "alice"));
        run(&mut snap, "ds: alice alice\n").unwrap();
        assert_eq!(snap.principals.len(), 1);
        assert_eq!(snap.principals[0].groups, vec![GroupId(0)]);
    }

    #[test]
    fn yaml_and_json_shapes() {
        for text in [
            "memberships:\n  ds: [alice, bob]\n  ml:\n    - dave\n",
            "ds:\n  - alice\n  - bob\nml: [dave]\n",
            "{\"memberships\": {\"ds\": [\"alice\", \"bob\"], \"ml\": \"dave\"}}",
            "{\"ds\": [\"alice\", \"bob\"], \"ml\": [\"dave\"]}",
        ] {
            let mut snap = side(&["ds", "ml"]);
            run(&mut snap, text).unwrap();
            assert_eq!(members(&snap, "ds"), vec!["alice", "bob"], "{text}");
            assert_eq!(members(&snap, "ml"), vec!["dave"], "{text}");
        }
    }

    #[test]
    fn aliases_resolve_when_unique() {
        let mut snap = side(&[
            "edge-prod-b001-group-data-scientists",
            "x-group-data-scientists",
        ]);
        snap.group_aliases.push(GroupAlias {
            alias: "data_scientists".into(),
            group: GroupId(0),
            source: Arc::from("a.yaml"),
        });
        run(&mut snap, "data_scientists: alice\n").unwrap();
        assert_eq!(
            members(&snap, "edge-prod-b001-group-data-scientists"),
            vec!["alice"]
        );

        snap.group_aliases.push(GroupAlias {
            alias: "data_scientists".into(),
            group: GroupId(1),
            source: Arc::from("b.yaml"),
        });
        let e = run(&mut snap, "data_scientists: bob\n").unwrap_err();
        assert!(e.message.contains("several groups"), "{e}");
        assert!(e.message.contains("b.yaml"), "{e}");
    }

    #[test]
    fn unknown_group_is_an_error_with_place_and_known_groups() {
        let mut snap = side(&["data-science", "ml"]);
        let e = run(&mut snap, "ml: dave\n\n  data_science: alice\n").unwrap_err();
        assert_eq!(
            e.to_string().lines().next().unwrap(),
            "m.txt:3:3: unknown group `data_science`: no input of this side defines it"
        );
        let help = e.help.unwrap();
        assert!(help.contains("did you mean `data-science`"), "{help}");
        assert!(help.contains("`ml`"), "{help}");
        // nothing was applied
        assert!(snap.principals.is_empty());

        let mut snap = side(&["ds"]);
        let e = apply(
            &Arc::from("m.yaml"),
            b"memberships:\n  ds: [a]\n  nope: [b]\n",
            &mut snap,
        )
        .unwrap_err();
        assert_eq!((e.place.line, e.place.column), (Some(3), Some(3)), "{e}");
    }

    #[test]
    fn malformed_lines_are_placed() {
        let mut snap = side(&["ds"]);
        for (text, line, column, what) in [
            ("ds: alice\n  bob carol\n", 2, 3, "no `:`"),
            ("ds: alice\n: bob\n", 2, 1, "missing group name"),
            ("d s: alice\n", 1, 2, "` ` cannot be part"),
            (
                "ds: alice b/ob\n",
                1,
                12,
                "`/` cannot be part of a user name",
            ),
        ] {
            let e = run(&mut snap, text).unwrap_err();
            assert_eq!(
                (e.place.line, e.place.column),
                (Some(line), Some(column)),
                "{text}: {e}"
            );
            assert!(e.message.contains(what), "{text}: {e}");
        }
        let e = apply(&Arc::from("m.yaml"), b"ds:\n  - [alice]\n", &mut snap).unwrap_err();
        assert_eq!(e.place.line, Some(2), "{e}");
        let e = apply(&Arc::from("m.yaml"), b"ds: {a: 1}\n", &mut snap).unwrap_err();
        assert!(e.message.contains("must be a list of names"), "{e}");
        let e = apply(&Arc::from("m.yaml"), b"- a\n- b\n", &mut snap).unwrap_err();
        assert!(e.message.contains("mapping of group to users"), "{e}");
    }
}

//! Cutover runbooks (issue 11 item 1): a YAML `steps:` list (docs/cutover.md) or a shell
//! script of AWS CLI lines, read into one [`Runbook`]. Both forms go through one table
//! of operations ([`build`]), so a YAML step and the CLI line it mirrors mean the same.
//! Policy documents (inline or `file://`) and deployed sources are read here, relative to
//! the runbook, so the replay reads no file. A line the shell reader cannot follow is
//! an [`Unfollowed`] with its place; a malformed runbook is an [`IngestError`] placed at
//! its line:column.

mod shell;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{IngestError, LoadOptions, OriginBase, yaml};
use crate::model::{
    AssignmentPrincipal, DeclaredStack, Deployed, EntityKind, Place, PolicyDocument, PolicyKind,
    Runbook, Step, StepAction, Unfollowed,
};

/// How many steps a runbook may hold: far beyond any real one, and a bound on the work.
pub const MAX_STEPS: usize = 100_000;

/// Reads a runbook file: YAML when its name ends in `.yaml`, `.yml` or `.json`, else a
/// shell script.
pub fn load_runbook(path: &Path, opts: &LoadOptions) -> Result<Runbook, IngestError> {
    let (name, bytes) = super::read_source(path)?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    parse_runbook(&name, &bytes, &base, opts)
}

/// [`load_runbook`] on text already read; `base` is the directory relative paths in it
/// are resolved against.
pub fn parse_runbook(
    name: &Arc<str>,
    bytes: &[u8],
    base: &Path,
    opts: &LoadOptions,
) -> Result<Runbook, IngestError> {
    let lower = name.to_ascii_lowercase();
    let mut ctx = Ctx {
        file: name.clone(),
        base: base.to_path_buf(),
        opts,
        stacks: BTreeSet::new(),
        declared: Vec::new(),
    };
    let (form, calls) = if [".yaml", ".yml", ".json"]
        .iter()
        .any(|e| lower.ends_with(e))
    {
        ("yaml", read_yaml(&mut ctx, bytes)?)
    } else {
        ("shell", shell::read(&mut ctx, bytes)?)
    };
    let mut steps = Vec::new();
    let mut unfollowed = Vec::new();
    for item in calls {
        match item {
            Item::Unfollowed(u) => unfollowed.push(u),
            Item::Call(call) => match build(&mut ctx, &call).map_err(|e| placed(name, bytes, e))? {
                Built::Action(action) => {
                    if steps.len() >= MAX_STEPS {
                        return Err(IngestError::new(
                            call.place,
                            format!("more than {MAX_STEPS} steps"),
                        )
                        .with_help("expected a runbook of at most {MAX_STEPS} steps; split it"));
                    }
                    steps.push(Step {
                        number: steps.len() + 1,
                        place: call.place,
                        text: call.text,
                        action,
                    });
                }
                Built::Ignored => {}
                Built::Unfollowed(reason) => unfollowed.push(Unfollowed {
                    place: call.place,
                    text: call.text,
                    reason,
                }),
            },
        }
    }
    Ok(Runbook {
        file: name.clone(),
        form,
        steps,
        unfollowed,
        stacks: ctx.declared,
    })
}

/// An error with a pointer into a YAML runbook but no line: placed at the pointer's line.
fn placed(name: &Arc<str>, bytes: &[u8], mut e: IngestError) -> IngestError {
    if e.place.line.is_none()
        && e.place.file == *name
        && let Some(p) = e.place.pointer.clone()
    {
        e.place = yaml::place_of(name, bytes, &p, false);
    }
    e
}

/// What readers share: the runbook's name and directory, the load options for deployed
/// sources, and the stacks known so far (declared, or deployed by an earlier step).
pub(crate) struct Ctx<'a> {
    file: Arc<str>,
    base: PathBuf,
    opts: &'a LoadOptions,
    stacks: BTreeSet<String>,
    declared: Vec<DeclaredStack>,
}

impl Ctx<'_> {
    /// Declares an existing stack and what describes it.
    fn declare(&mut self, name: &str, source: &str, place: Place) -> Result<(), IngestError> {
        let snapshot = self.deploy_source(source, &place)?;
        self.stacks.insert(name.to_owned());
        self.declared.push(DeclaredStack {
            name: name.to_owned(),
            place,
            deployed: Deployed {
                source: source.to_owned(),
                snapshot: Arc::new(snapshot),
            },
        });
        Ok(())
    }

    fn path(&self, rel: &str) -> PathBuf {
        let p = Path::new(rel);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base.join(p)
        }
    }

    fn deploy_source(
        &self,
        source: &str,
        place: &Place,
    ) -> Result<crate::model::Snapshot, IngestError> {
        let path = self.path(source);
        if !path.is_file() && !path.is_dir() {
            return Err(IngestError::new(
                place.clone(),
                format!("the source `{source}` does not exist (resolved to `{}`)", path.display()),
            )
            .with_help("expected a provisioner config, CloudFormation template or Terraform plan, relative to the runbook"));
        }
        super::load_side_opts(&[path], &[], self.opts)
    }
}

/// A parameter's value: text as written, a JSON document given as a YAML mapping, or a
/// flag given without a value.
#[derive(Debug, Clone)]
pub(crate) enum Val {
    Text(String),
    Json(String),
    Flag(bool),
}

/// One operation as written: service (`iam`, `cloudformation`, `sso-admin`, `iamdiff`
/// for YAML `deploy`), operation, parameters by their CLI names without dashes.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub service: String,
    pub op: String,
    pub params: Vec<(String, Val, Place)>,
    pub place: Place,
    pub text: String,
}

pub(crate) enum Item {
    Call(Call),
    Unfollowed(Unfollowed),
}

enum Built {
    Action(StepAction),
    /// Changes nothing (`get-*`, `list-*`, `describe-*`, `wait`).
    Ignored,
    Unfollowed(String),
}

impl Call {
    fn get(&self, key: &str) -> Option<&(String, Val, Place)> {
        self.params.iter().find(|(k, _, _)| k == key)
    }

    fn missing(&self, key: &str) -> IngestError {
        IngestError::new(
            self.place.clone(),
            format!("`{} {}` needs `--{key}`", self.service, self.op),
        )
        .with_help(format!("expected `--{key} VALUE`, as the AWS CLI does"))
    }

    fn text(&self, key: &str) -> Result<String, IngestError> {
        match self.get(key) {
            Some((_, Val::Text(t), _)) if !t.is_empty() => Ok(t.clone()),
            Some((_, _, place)) => Err(IngestError::new(
                place.clone(),
                format!(
                    "`--{key}` of `{} {}` must be a non-empty text",
                    self.service, self.op
                ),
            )),
            None => Err(self.missing(key)),
        }
    }

    fn opt_text(&self, key: &str) -> Result<Option<String>, IngestError> {
        match self.get(key) {
            None => Ok(None),
            Some(_) => self.text(key).map(Some),
        }
    }

    fn flag(&self, key: &str) -> bool {
        match self.get(key) {
            Some((_, Val::Flag(b), _)) => *b,
            Some((_, Val::Text(t), _)) => t == "true",
            _ => false,
        }
    }
}

/// Reads a policy document parameter: inline JSON, a YAML mapping, or `file://PATH`
/// (relative to the runbook).
fn document(
    ctx: &Ctx<'_>,
    call: &Call,
    key: &str,
    policy: &str,
    kind: PolicyKind,
) -> Result<Option<PolicyDocument>, IngestError> {
    let Some((_, val, place)) = call.get(key) else {
        return Ok(None);
    };
    let (file, json): (Arc<str>, String) = match val {
        Val::Json(j) => (ctx.file.clone(), j.clone()),
        Val::Text(t) => match t.strip_prefix("file://") {
            Some(rel) => {
                let path = ctx.path(rel);
                let (name, bytes) = super::read_source(&path).map_err(|e| {
                    IngestError::new(place.clone(), format!("`--{key}`: {}", e.message))
                })?;
                (name, String::from_utf8_lossy(&bytes).into_owned())
            }
            None if t.trim_start().starts_with('{') => (ctx.file.clone(), t.clone()),
            None => {
                return Err(IngestError::new(
                    place.clone(),
                    format!("`--{key}` is neither a JSON document nor `file://PATH`"),
                )
                .with_help(
                    "expected inline JSON (`'{\"Version\": ...}'`) or `file://policy.json`",
                ));
            }
        },
        Val::Flag(_) => return Err(call.missing(key)),
    };
    let json = if file == ctx.file {
        json
    } else {
        // a YAML policy file is read as the JSON it converts to
        match json.trim_start().starts_with('{') {
            true => json,
            false => yaml::to_json(&file, json.as_bytes())?,
        }
    };
    let base = OriginBase {
        file: file.clone(),
        policy: Arc::from(policy),
        policy_arn: None,
        version: None,
        kind,
        pointer: place.pointer.clone(),
    };
    super::parse_policy_document(&json, &base)
        .map(Some)
        .map_err(|e| {
            if file == ctx.file {
                IngestError::new(place.clone(), format!("`--{key}`: {}", e.message))
            } else {
                e
            }
        })
}

fn holder_of(op: &str, prefix: &str, suffix: &str) -> Option<EntityKind> {
    let mid = op.strip_prefix(prefix)?.strip_suffix(suffix)?;
    match mid {
        "user" => Some(EntityKind::User),
        "group" => Some(EntityKind::Group),
        "role" => Some(EntityKind::Role),
        _ => None,
    }
}

/// The operation table shared by both forms.
fn build(ctx: &mut Ctx<'_>, call: &Call) -> Result<Built, IngestError> {
    if call.get("cli-input-json").is_some() || call.get("cli-input-yaml").is_some() {
        return Ok(Built::Unfollowed(
            "`--cli-input-json` is not followed: give the parameters as options".into(),
        ));
    }
    let op = call.op.as_str();
    let readonly = [
        "get-",
        "list-",
        "describe-",
        "wait",
        "validate-",
        "simulate-",
        "generate-",
    ]
    .iter()
    .any(|p| op.starts_with(p));
    Ok(Built::Action(match call.service.as_str() {
        "iamdiff" | "cloudformation"
            if op == "deploy" || op == "create-stack" || op == "update-stack" =>
        {
            let source = match (
                call.get("template-file"),
                call.get("template-body"),
                call.get("source"),
            ) {
                (Some(_), _, _) => call.text("template-file")?,
                (_, Some(_), _) => {
                    let t = call.text("template-body")?;
                    match t.strip_prefix("file://") {
                        Some(p) => p.to_owned(),
                        None => {
                            return Ok(Built::Unfollowed(
                                "an inline `--template-body` is not followed: save it to a file and give `file://PATH`".into(),
                            ));
                        }
                    }
                }
                (_, _, Some(_)) => call.text("source")?,
                _ if call.get("template-url").is_some() => {
                    return Ok(Built::Unfollowed(
                        "`--template-url` names a template iamdiff cannot read offline: give `--template-file`".into(),
                    ));
                }
                _ => return Err(call.missing("template-file")),
            };
            let stack = if call.service == "iamdiff" {
                call.opt_text("stack-name")?
            } else {
                Some(call.text("stack-name")?)
            };
            let snapshot = ctx.deploy_source(&source, &call.place)?;
            if let Some(s) = &stack {
                ctx.stacks.insert(s.clone());
            }
            StepAction::Deploy {
                deployed: Deployed {
                    source,
                    snapshot: Arc::new(snapshot),
                },
                stack,
            }
        }
        "cloudformation" if op == "delete-stack" => {
            let stack = call.text("stack-name")?;
            if !ctx.stacks.contains(&stack) {
                return Ok(Built::Unfollowed(format!(
                    "the runbook does not say what stack `{stack}` holds: declare it (YAML `stacks:`, shell `# iamdiff: stack {stack} FILE`)"
                )));
            }
            StepAction::DeleteStack { stack }
        }
        "cloudformation" if readonly => return Ok(Built::Ignored),
        "iam" => match op {
            "add-user-to-group" | "remove-user-from-group" => {
                let (user, group) = (call.text("user-name")?, call.text("group-name")?);
                if op == "add-user-to-group" {
                    StepAction::AddUserToGroup { user, group }
                } else {
                    StepAction::RemoveUserFromGroup { user, group }
                }
            }
            _ if holder_of(op, "attach-", "-policy").is_some()
                || holder_of(op, "detach-", "-policy").is_some() =>
            {
                let attach = op.starts_with("attach-");
                let holder = holder_of(op, if attach { "attach-" } else { "detach-" }, "-policy")
                    .unwrap_or(EntityKind::User);
                let name = call.text(&format!("{}-name", holder.as_str()))?;
                let policy = call.text("policy-arn")?;
                if attach {
                    let catalog = match super::catalog_resolver(&policy) {
                        Some(mp) => Some(Box::new(super::catalog_policy(&mp)?)),
                        None => None,
                    };
                    StepAction::AttachPolicy {
                        holder,
                        name,
                        policy,
                        catalog,
                    }
                } else {
                    StepAction::DetachPolicy {
                        holder,
                        name,
                        policy,
                    }
                }
            }
            _ if holder_of(op, "put-", "-policy").is_some() => {
                let holder = holder_of(op, "put-", "-policy").unwrap_or(EntityKind::User);
                let name = call.text(&format!("{}-name", holder.as_str()))?;
                let policy_name = call.text("policy-name")?;
                let document = document(
                    ctx,
                    call,
                    "policy-document",
                    &policy_name,
                    PolicyKind::Inline,
                )?
                .ok_or_else(|| call.missing("policy-document"))?;
                StepAction::PutInlinePolicy {
                    holder,
                    name,
                    policy_name,
                    document,
                }
            }
            _ if holder_of(op, "delete-", "-policy").is_some() => {
                let holder = holder_of(op, "delete-", "-policy").unwrap_or(EntityKind::User);
                StepAction::DeleteInlinePolicy {
                    holder,
                    name: call.text(&format!("{}-name", holder.as_str()))?,
                    policy_name: call.text("policy-name")?,
                }
            }
            "create-group" | "create-user" => StepAction::Create {
                kind: if op == "create-group" {
                    EntityKind::Group
                } else {
                    EntityKind::User
                },
                name: call.text(if op == "create-group" {
                    "group-name"
                } else {
                    "user-name"
                })?,
                document: None,
            },
            "create-role" => {
                let name = call.text("role-name")?;
                let document = document(
                    ctx,
                    call,
                    "assume-role-policy-document",
                    &name,
                    PolicyKind::Trust,
                )?;
                StepAction::Create {
                    kind: EntityKind::Role,
                    name,
                    document,
                }
            }
            "create-policy" => {
                let name = call.text("policy-name")?;
                let document = document(
                    ctx,
                    call,
                    "policy-document",
                    &name,
                    PolicyKind::CustomerManaged,
                )?
                .ok_or_else(|| call.missing("policy-document"))?;
                StepAction::Create {
                    kind: EntityKind::Policy,
                    name,
                    document: Some(document),
                }
            }
            "delete-group" | "delete-user" | "delete-role" => {
                let kind = match op {
                    "delete-group" => EntityKind::Group,
                    "delete-user" => EntityKind::User,
                    _ => EntityKind::Role,
                };
                StepAction::Delete {
                    kind,
                    name: call.text(&format!("{}-name", kind.as_str()))?,
                }
            }
            "delete-policy" => StepAction::Delete {
                kind: EntityKind::Policy,
                name: call.text("policy-arn")?,
            },
            "create-policy-version" => {
                let policy = call.text("policy-arn")?;
                let short = policy.rsplit('/').next().unwrap_or(&policy).to_owned();
                let document = document(
                    ctx,
                    call,
                    "policy-document",
                    &short,
                    PolicyKind::CustomerManaged,
                )?
                .ok_or_else(|| call.missing("policy-document"))?;
                StepAction::CreatePolicyVersion {
                    policy,
                    set_default: call.flag("set-as-default"),
                    document,
                }
            }
            "set-default-policy-version" => StepAction::SetDefaultPolicyVersion {
                policy: call.text("policy-arn")?,
                version: call.text("version-id")?,
            },
            _ if readonly => return Ok(Built::Ignored),
            _ => {
                return Ok(Built::Unfollowed(format!(
                    "`aws iam {op}` is not a step iamdiff follows"
                )));
            }
        },
        "sso-admin" if op == "create-account-assignment" || op == "delete-account-assignment" => {
            let kind = match call.text("principal-type")?.as_str() {
                "USER" => AssignmentPrincipal::User,
                "GROUP" => AssignmentPrincipal::Group,
                other => {
                    let place = call
                        .get("principal-type")
                        .map(|x| x.2.clone())
                        .unwrap_or(call.place.clone());
                    return Err(IngestError::new(
                        place,
                        format!("`--principal-type {other}`: expected `USER` or `GROUP`"),
                    ));
                }
            };
            let ps = call.text("permission-set-arn")?;
            StepAction::Assignment {
                assign: op == "create-account-assignment",
                account: call.text("target-id")?,
                permission_set: ps.rsplit('/').next().unwrap_or(&ps).to_owned(),
                principal_kind: kind,
                principal: call.text("principal-id")?,
            }
        }
        "sso-admin" | "sts" | "s3" | "s3api" | "organizations" | "iamdiff" if readonly => {
            return Ok(Built::Ignored);
        }
        service => {
            return Ok(Built::Unfollowed(format!(
                "`aws {service} {op}` is not a step iamdiff follows"
            )));
        }
    }))
}

// ---------------------------------------------------------------------------------------
// YAML form.

/// Operations a YAML step may name: the AWS CLI's, with the service they belong to.
const YAML_OPS: &[(&str, &str)] = &[
    ("deploy", "iamdiff"),
    ("delete-stack", "cloudformation"),
    ("create-account-assignment", "sso-admin"),
    ("delete-account-assignment", "sso-admin"),
];

/// The parameter a YAML step given as a scalar (`delete-group: old`) stands for.
fn scalar_param(op: &str) -> Option<&'static str> {
    Some(match op {
        "deploy" => "source",
        "delete-stack" => "stack-name",
        "create-group" | "delete-group" => "group-name",
        "create-user" | "delete-user" => "user-name",
        "delete-role" => "role-name",
        "delete-policy" => "policy-arn",
        _ => return None,
    })
}

fn read_yaml(ctx: &mut Ctx<'_>, bytes: &[u8]) -> Result<Vec<Item>, IngestError> {
    use yaml::Node;
    let file = ctx.file.clone();
    let tree = yaml::parse_tree(&file, bytes)?;
    let at = |pointer: &str, key: bool| yaml::place_of(&file, bytes, pointer, key);
    let Node::Map(top) = tree else {
        return Err(IngestError::new(
            at("", false),
            format!("a runbook is a mapping with `steps:`, not {}", tree.kind()),
        ));
    };
    let mut steps = None;
    for (k, v) in &top {
        match k.as_str() {
            "steps" => steps = Some(v),
            "stacks" => {
                let Node::Map(m) = v else {
                    return Err(IngestError::new(
                        at("/stacks", false),
                        format!(
                            "`stacks` maps stack names to the source describing each, not {}",
                            v.kind()
                        ),
                    ));
                };
                for (name, src) in m {
                    let pointer = format!("/stacks/{}", super::err::escape_token(name));
                    let Some(src) = src.scalar() else {
                        return Err(IngestError::new(
                            at(&pointer, false),
                            format!(
                                "stack `{name}`: expected the path of its source, not {}",
                                src.kind()
                            ),
                        ));
                    };
                    ctx.declare(name, &src, at(&pointer, true))?;
                }
            }
            "description" | "name" | "version" => {}
            other => {
                return Err(IngestError::new(
                    at(&format!("/{}", super::err::escape_token(other)), true),
                    format!("unknown key `{other}`"),
                )
                .with_help("expected `steps`, and optionally `stacks`, `name`, `description`"));
            }
        }
    }
    let Some(steps) = steps else {
        return Err(IngestError::new(at("", false), "a runbook needs `steps:`")
            .with_help("expected `steps:` with a list of operations (docs/cutover.md)"));
    };
    let Node::Seq(items) = steps else {
        return Err(IngestError::new(
            at("/steps", false),
            format!("`steps` is a list of operations, not {}", steps.kind()),
        ));
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let pointer = format!("/steps/{i}");
        let place = at(&pointer, false);
        let Node::Map(entries) = item else {
            return Err(IngestError::new(
                place,
                format!(
                    "a step is a mapping of one operation to its parameters, not {}",
                    item.kind()
                ),
            ));
        };
        let ops: Vec<&(String, Node)> = entries.iter().filter(|(k, _)| k != "note").collect();
        let [(op, params)] = ops.as_slice() else {
            return Err(IngestError::new(
                place,
                format!(
                    "a step names exactly one operation, this one names {}",
                    ops.len()
                ),
            )
            .with_help(
                "expected e.g. `- add-user-to-group: {user-name: alice, group-name: admins}`",
            ));
        };
        let service = YAML_OPS
            .iter()
            .find(|(o, _)| o == op)
            .map(|(_, s)| *s)
            .unwrap_or("iam");
        let op_pointer = format!("{pointer}/{}", super::err::escape_token(op));
        let mut call = Call {
            service: service.to_owned(),
            op: op.clone(),
            params: Vec::new(),
            place: place.clone(),
            text: item.to_json(),
        };
        match params {
            Node::Map(m) => {
                for (k, v) in m {
                    let ppointer = format!("{op_pointer}/{}", super::err::escape_token(k));
                    let val = match v {
                        Node::Map(_) | Node::Seq(_) => Val::Json(v.to_json()),
                        Node::Bool(b) => Val::Flag(*b),
                        Node::Null => Val::Flag(true),
                        other => Val::Text(other.scalar().unwrap_or_default()),
                    };
                    // only parameters with a problem need their own line:column
                    let pplace = Place::pointer(file.clone(), ppointer);
                    call.params.push((k.clone(), val, pplace));
                }
            }
            scalar if scalar.scalar().is_some() => match scalar_param(op) {
                Some(key) => call.params.push((
                    key.to_owned(),
                    Val::Text(scalar.scalar().unwrap_or_default()),
                    place.clone(),
                )),
                None => {
                    return Err(IngestError::new(
                        at(&op_pointer, false),
                        format!("`{op}` takes a mapping of parameters, not a single value"),
                    ));
                }
            },
            other => {
                return Err(IngestError::new(
                    at(&op_pointer, false),
                    format!(
                        "the parameters of `{op}` are a mapping, not {}",
                        other.kind()
                    ),
                ));
            }
        }
        if service == "iam" && !known_iam(op) {
            return Err(IngestError::new(
                at(&op_pointer, true),
                format!("unknown operation `{op}`"),
            )
            .with_help("expected an operation of docs/cutover.md (the AWS CLI's names: add-user-to-group, attach-group-policy, ...)"));
        }
        out.push(Item::Call(call));
    }
    Ok(out)
}

/// Whether an IAM operation is one of the table's (YAML steps must name one).
fn known_iam(op: &str) -> bool {
    matches!(
        op,
        "add-user-to-group"
            | "remove-user-from-group"
            | "create-group"
            | "create-user"
            | "create-role"
            | "create-policy"
            | "delete-group"
            | "delete-user"
            | "delete-role"
            | "delete-policy"
            | "create-policy-version"
            | "set-default-policy-version"
    ) || ["attach-", "detach-", "put-", "delete-"]
        .iter()
        .any(|p| holder_of(op, p, "-policy").is_some())
}

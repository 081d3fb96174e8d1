//! The one clap definition of every command and flag; `--help`, the man page and shell
//! completions all come from here.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Inputs (detected from their content; a directory stands for the files in it):
  aws-auth-details  `aws iam get-account-authorization-details` JSON (pages concatenated or
                    in an array; documents as objects, JSON strings or URL-encoded)
  aws-cli           a folder of per-call AWS CLI outputs (list-users, get-role, ...)
  cloudformation    templates, JSON or YAML with !Ref/!Sub/..., and cdk.out directories
  terraform         `terraform show -json` of a state or a plan
  provisioner       a provisioner target config (YAML; schema: `iamdiff schema target`)
  memberships       `group: user1 user2` lines, or YAML/JSON group -> users
SCPs come with --scp (one file per organization level); request context with --context,
--context-file and --closed-context.

Exit codes:
  0  success (for a gate: nothing at or above the threshold)
  1  the gate failed
  2  bad usage or bad input (the message names the file and the place in it)
A closed stdout or stderr (`| head`) does not change the code.

Tables fit COLUMNS when it is set, else the terminal; in a pipe or a file nothing
wraps (set COLUMNS to wrap there too).

Examples (lines fit 80 columns, so they run as copied from a terminal):
  iamdiff diff --before fixtures/aws/company/account.json \\
      --after fixtures/aws/migration/after.json \\
      --map fixtures/aws/migration/map.yaml \\
      --waivers fixtures/aws/migration/waivers.yaml --out audit/
  iamdiff diff --before fixtures/aws/company/account.json \\
      --after fixtures/aws/migration/after.json \\
      --map fixtures/aws/migration/map.yaml --principal carol --detail
  iamdiff effective fixtures/aws/company/account.json --principal bob \\
      --service s3
  iamdiff explain fixtures/aws/company/account.json --principal erin \\
      --action s3:PutObject \\
      --resource arn:aws:s3:::examplecorp-ds-projects/x \\
      --context-file fixtures/aws/company/context.json
  iamdiff catalog action 's3:Get*'";

/// Offline audit of IAM: effective permissions, decisions with their reasons, and (soon)
/// the difference between two IAM setups, person by person.
#[derive(Debug, Parser)]
#[command(name = "iamdiff", version, about, long_about = None, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compare two IAM setups person by person: who loses, who gains, and why; with a
    /// gate for CI (exit 1 when findings at or above the threshold are not waived)
    Diff(DiffArgs),
    /// Who can do what: every user's and role's access by service and access level;
    /// with --detail, the actions, resources, conditions and statements behind it
    Effective(EffectiveArgs),
    /// Decide one request (principal, action, resource, context) and show every
    /// statement that bears on it
    Explain(ExplainArgs),
    /// Find grants that can never work and policies that say less than they seem to:
    /// actions on resource types they do not take, unknown actions, shadowed statements,
    /// account-wide trust, dangling references (rules: docs/lint.md)
    Lint(LintArgs),
    /// Replay a runbook (YAML steps or a shell script of AWS CLI lines) on the before side
    /// and report who has less access than at the start (and the end) between which
    /// steps; propose an order with no such window (docs/cutover.md)
    Cutover(CutoverArgs),
    /// Look up the embedded AWS reference data: actions, managed policies, counts
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Print the JSON Schema (draft 2020-12) of an input format iamdiff reads or a JSON
    /// report it writes, for editors and CI validation
    Schema {
        #[arg(value_enum)]
        what: SchemaWhat,
    },
    /// Write the man page or a shell completion script to stdout
    #[command(hide = true)]
    Generate {
        #[arg(value_enum)]
        what: GenerateWhat,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaWhat {
    /// The provisioner target config (`client`, `environment`, `tier`, `security`, ...)
    Target,
    /// The JSON report of `iamdiff diff --format json`
    Diff,
    /// The JSON report of `iamdiff effective --format json`
    Effective,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GenerateWhat {
    Man,
    Bash,
    Zsh,
    Fish,
    Powershell,
    Elvish,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Sources of the state before the migration (merged)
    #[arg(long, required = true, num_args = 1.., value_name = "SRC")]
    pub before: Vec<PathBuf>,
    /// Sources of the state after the migration (merged)
    #[arg(long, required = true, num_args = 1.., value_name = "SRC")]
    pub after: Vec<PathBuf>,
    /// SCP level applying to both sides (repeat per level)
    #[arg(long, value_name = "FILE")]
    pub scp: Vec<PathBuf>,
    /// SCP level applying to the before side only
    #[arg(long, value_name = "FILE")]
    pub before_scp: Vec<PathBuf>,
    /// SCP level applying to the after side only
    #[arg(long, value_name = "FILE")]
    pub after_scp: Vec<PathBuf>,
    /// Renames between the sides (YAML: `renames: {users, roles, groups}` with `from`/`to`
    /// or `pattern`/`to` rules, e.g. `old-(.*)` → `edge-prod-b001-role-$1`)
    #[arg(long, value_name = "FILE")]
    pub map: Option<PathBuf>,
    /// Approved exceptions (YAML: `waivers:` with principal/action/resource globs, reason,
    /// approved_by, expires); waived findings stay in reports but do not fail the gate
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,
    /// Report format; repeat for several (several need --out)
    #[arg(long, value_enum)]
    pub format: Vec<DiffFormat>,
    /// Write `iamdiff-report.{md,html,json,sarif,xml}` into DIR (all of them unless
    /// --format says which), replacing an earlier set there as a whole or, on any
    /// failure, not at all; the table still goes to stdout
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Finding kinds that fail the gate, comma-separated:
    /// lost,narrowed,conditional,gained,removed,review
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "lost,narrowed,removed,review",
        value_name = "KINDS"
    )]
    pub fail_on: Vec<FailOn>,
    /// Findings below this access level never fail the gate
    /// (list < read < tagging < write < permissions)
    #[arg(long, value_enum, default_value_t = MinLevel::List)]
    pub min_level: MinLevel,
    /// Which findings the reports show: fails (those failing the gate), waived, or all;
    /// the verdict and the summary always count every finding
    #[arg(long, value_enum, default_value_t = ShowFindings::All, value_name = "WHICH")]
    pub show: ShowFindings,
    /// Show only findings at or above this access level (list < read < tagging < write <
    /// permissions); the gate keeps --min-level
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub min_severity: Option<MinLevel>,
    /// The date waivers expire against (YYYY-MM-DD); default today (UTC), or
    /// SOURCE_DATE_EPOCH when set
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,
    /// Print nothing to stdout except the requested report; no progress
    #[arg(long, short)]
    pub quiet: bool,
    /// Only principals whose name or ARN (either side's) matches this glob, in every
    /// report; the verdict, the counts and the exit code stay the whole comparison's
    /// (repeatable)
    #[arg(long, value_name = "GLOB")]
    pub principal: Vec<String>,
    /// Table: each principal's findings action by action, with witnesses (without it,
    /// one row per principal)
    #[arg(long)]
    pub detail: bool,
    /// The directory report paths are relative to (SARIF's `%SRCROOT%`; the repository's
    /// checkout in CI); default: the working directory
    #[arg(long, value_name = "DIR")]
    pub source_root: Option<PathBuf>,
    /// The URL where the full report is published (a CI artifact or a page); the Markdown
    /// report links to it
    #[arg(long, value_name = "URL")]
    pub report_url: Option<String>,
    /// The base URL under which this repository's `docs/` are served (its web page, or
    /// a mirror): SARIF rules link to `URL/docs/findings.md#CODE` (`helpUri`); without
    /// it SARIF rules carry no `helpUri`
    #[arg(long, value_name = "URL")]
    pub docs_url: Option<String>,
    /// JUnit: list every compared principal, unchanged ones as passing test cases
    #[arg(long)]
    pub junit_all: bool,
    /// Read every before source as this format instead of detecting it
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub before_format: Option<SourceFormat>,
    /// Read every after source as this format instead of detecting it
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub after_format: Option<SourceFormat>,
    /// Which view of the principals to report besides each user and role: `people` adds
    /// each person (IAM user, Identity Center user) with what they reach through roles;
    /// `auto` does so when people can assume roles of the inputs
    #[arg(long, value_enum, default_value_t = DiffView::Auto)]
    pub view: DiffView,
    #[command(flatten)]
    pub load: LoadArgs,
    #[command(flatten)]
    pub context: ContextArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffView {
    Auto,
    People,
    Principals,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ValueEnum)]
pub enum DiffFormat {
    Table,
    Md,
    Html,
    Json,
    Sarif,
    Junit,
}

/// What `diff --show` keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFindings {
    Fails,
    Waived,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Lost,
    Narrowed,
    Conditional,
    Gained,
    Removed,
    Review,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MinLevel {
    List,
    Read,
    Tagging,
    Write,
    Permissions,
}

/// Request context: values for condition keys and policy variables.
#[derive(Debug, Args, Clone, Default)]
pub struct ContextArgs {
    /// A condition key's value, e.g. `aws:SourceIp=10.0.0.1` (repeat the key for a list)
    #[arg(long = "context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    /// JSON or YAML file of condition keys: key → string or list of strings
    #[arg(long, value_name = "FILE")]
    pub context_file: Option<PathBuf>,
    /// Keys not given are absent from the request (as the AWS policy simulator assumes);
    /// without it, conditions on keys not given make a grant `conditional`
    #[arg(long)]
    pub closed_context: bool,
}

/// How sources are read, beyond their content.
#[derive(Debug, Args, Clone, Default)]
pub struct LoadArgs {
    /// Level definitions for provisioner configs (YAML), replacing the embedded ones
    #[arg(long, value_name = "FILE")]
    pub levels: Option<PathBuf>,
    /// CloudFormation parameters (the AWS CLI's `ParameterKey`/`ParameterValue` JSON)
    #[arg(long, value_name = "FILE")]
    pub cfn_params: Vec<PathBuf>,
    /// Account id for `AWS::AccountId` and generated ARNs
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// Region for `AWS::Region`
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SourceFormat {
    AwsAuthDetails,
    AwsCli,
    Cloudformation,
    Terraform,
    Provisioner,
    Memberships,
    AwsOrganizations,
    ResourcePolicies,
    AwsIdentityCenter,
    Gcp,
    Platform,
    Portal,
}

#[derive(Debug, Args)]
pub struct EffectiveArgs {
    /// Input files (exports of one IAM setup, merged)
    #[arg(required = true, value_name = "SRC")]
    pub sources: Vec<PathBuf>,
    /// SCPs of one organization level (root, an OU, the account): a policy document, a
    /// list of them, or `aws organizations describe-policy` output; repeat per level
    #[arg(long, value_name = "FILE")]
    pub scp: Vec<PathBuf>,
    /// Only principals whose name or ARN matches this glob (repeatable)
    #[arg(long, value_name = "GLOB")]
    pub principal: Vec<String>,
    /// Only actions of this service prefix, e.g. `s3` (repeatable)
    #[arg(long, value_name = "PREFIX")]
    pub service: Vec<String>,
    #[arg(long, value_enum, default_value_t = EffectiveFormat::Table)]
    pub format: EffectiveFormat,
    /// Show people instead of principals: each IAM user and Identity Center user with
    /// what they can do directly and through each role they can assume, and by which
    /// path (`--principal` then selects people by name or e-mail)
    #[arg(long)]
    pub people: bool,
    /// Every grant's actions, resources, conditions and statements (without it, each
    /// principal's access by service and access level, in every format)
    #[arg(long)]
    pub detail: bool,
    /// Read every source as this format instead of detecting it
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub source_format: Option<SourceFormat>,
    #[command(flatten)]
    pub load: LoadArgs,
    #[command(flatten)]
    pub context: ContextArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EffectiveFormat {
    Table,
    Json,
    Md,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Input files (exports of one IAM setup, merged)
    #[arg(required = true, value_name = "SRC")]
    pub sources: Vec<PathBuf>,
    /// SCPs of one organization level; repeat per level
    #[arg(long, value_name = "FILE")]
    pub scp: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = LintFormat::Table)]
    pub format: LintFormat,
    /// Exit 1 when a finding at or above this severity exists
    #[arg(long, value_enum, default_value_t = LintLevel::Error, value_name = "LEVEL")]
    pub fail_on: LintLevel,
    /// The time portal records' expiries are judged at (RFC 3339); default
    /// SOURCE_DATE_EPOCH when set, else the clock
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// The base URL under which this repository's `docs/` are served: SARIF rules link
    /// to `URL/docs/lint.md#RULE` (`helpUri`); without it they carry no `helpUri`
    #[arg(long, value_name = "URL")]
    pub docs_url: Option<String>,
    /// Read every source as this format instead of detecting it
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub source_format: Option<SourceFormat>,
    #[command(flatten)]
    pub load: LoadArgs,
    #[command(flatten)]
    pub context: ContextArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LintFormat {
    Table,
    Json,
    Sarif,
    Md,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LintLevel {
    Note,
    Warning,
    Error,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Input files (exports of one IAM setup, merged); or use --before and --after
    #[arg(required_unless_present = "before", conflicts_with_all = ["before", "after"], value_name = "SRC")]
    pub sources: Vec<PathBuf>,
    /// Sources of the before side: explain the request on both sides
    #[arg(long, num_args = 1.., requires = "after", value_name = "SRC")]
    pub before: Vec<PathBuf>,
    /// Sources of the after side
    #[arg(long, num_args = 1.., requires = "before", value_name = "SRC")]
    pub after: Vec<PathBuf>,
    /// Renames between the sides, as for `diff` (the principal is named as on the before side)
    #[arg(long, value_name = "FILE", requires = "before")]
    pub map: Option<PathBuf>,
    /// SCPs of one organization level; repeat per level
    #[arg(long, value_name = "FILE")]
    pub scp: Vec<PathBuf>,
    /// The user or role, by name or ARN; with --person, a person (IAM user name,
    /// Identity Center user name or e-mail)
    #[arg(long, value_name = "NAME|ARN")]
    pub principal: String,
    /// Decide the request for the person `--principal` names: on their own and in every
    /// role session they can reach, with the path (also used when no user or role has
    /// that name but a person does)
    #[arg(long)]
    pub person: bool,
    /// The action, e.g. `s3:GetObject` (case-insensitive)
    #[arg(long, value_name = "ACTION")]
    pub action: String,
    /// The resource ARN; without it, the question is "on any resource"
    #[arg(long, value_name = "ARN")]
    pub resource: Option<String>,
    #[command(flatten)]
    pub context: ContextArgs,
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,
    /// Read every source as this format instead of detecting it
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub source_format: Option<SourceFormat>,
    #[command(flatten)]
    pub load: LoadArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Actions matching an IAM pattern (`s3:Get*`, `*:Describe*`), with access levels
    Action {
        #[arg(value_name = "PATTERN")]
        pattern: String,
        #[arg(long, value_enum, default_value_t = CatalogFormat::Table)]
        format: CatalogFormat,
    },
    /// An AWS managed policy's document, by name or ARN
    Policy {
        #[arg(value_name = "NAME|ARN")]
        name: String,
    },
    /// A GCP predefined role's permissions (`roles/storage.objectViewer`)
    Role {
        #[arg(value_name = "ROLE")]
        name: String,
        #[arg(long, value_enum, default_value_t = CatalogFormat::Table)]
        format: CatalogFormat,
    },
    /// GCP permissions matching a pattern (`storage.objects.*`), with the predefined roles
    /// that grant them
    Permission {
        #[arg(value_name = "PATTERN")]
        pattern: String,
        #[arg(long, value_enum, default_value_t = CatalogFormat::Table)]
        format: CatalogFormat,
    },
    /// Counts and the date and source of the embedded data
    Stats {
        #[arg(long, value_enum, default_value_t = CatalogFormat::Table)]
        format: CatalogFormat,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CatalogFormat {
    Table,
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}

#[derive(Debug, Args)]
pub struct CutoverArgs {
    /// Sources of the state before the runbook runs (merged)
    #[arg(long, required = true, num_args = 1.., value_name = "SRC")]
    pub before: Vec<PathBuf>,
    /// The runbook: YAML (`.yaml`, `.yml`, `.json`) or a shell script of AWS CLI lines
    #[arg(long, required = true, value_name = "FILE")]
    pub runbook: PathBuf,
    /// Sources of the intended end state: a window is then access below both the start
    /// and this end
    #[arg(long, num_args = 1.., value_name = "SRC")]
    pub after: Vec<PathBuf>,
    /// SCP level applying to every side (repeat per level)
    #[arg(long, value_name = "FILE")]
    pub scp: Vec<PathBuf>,
    /// Report format; repeat for several (several need --out)
    #[arg(long, value_enum)]
    pub format: Vec<CutoverFormat>,
    /// Write `cutover-report.{md,html,json,sarif,xml}` into DIR (all of them unless
    /// --format says which); the table still goes to stdout
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Exit 1 when any of these is found, comma-separated: window, incomplete
    #[arg(long, value_delimiter = ',', value_name = "KINDS")]
    pub fail_on: Vec<CutoverFailOn>,
    /// Print nothing to stdout except the requested report
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub load: LoadArgs,
    #[command(flatten)]
    pub context: ContextArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CutoverFormat {
    Table,
    #[value(alias = "markdown")]
    Md,
    Html,
    Json,
    Sarif,
    Junit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CutoverFailOn {
    /// A principal has less access during the runbook
    Window,
    /// A line of the runbook was not followed
    Incomplete,
}

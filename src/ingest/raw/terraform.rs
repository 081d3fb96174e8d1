//! `terraform show -json` output, of a state (`values`) or of a plan (`planned_values`,
//! `resource_changes`, `prior_state`, `configuration`), format versions 0.1 to 1.x.
//!
//! Attribute values are kept as unparsed slices of the file (`RawValue`), so a policy
//! JSON string can be parsed later with its position in the file known; the
//! `after_unknown` maps and the configuration's expressions are small and read as plain
//! JSON values. Everything but a resource's address, type and name may be missing.

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::BTreeMap;

use super::null_as_empty;

/// The whole output of `terraform show -json`.
#[derive(Debug, Deserialize)]
#[serde(expecting = "the JSON object `terraform show -json` writes")]
pub(crate) struct RawShow<'a> {
    /// A state's resources.
    #[serde(default, borrow)]
    pub values: Option<RawValues<'a>>,
    /// A plan's resources after apply.
    #[serde(default, borrow)]
    pub planned_values: Option<RawValues<'a>>,
    /// The state the plan starts from; data sources read while planning live here.
    #[serde(default, borrow)]
    pub prior_state: Option<RawPriorState<'a>>,
    #[serde(default, borrow, deserialize_with = "null_as_empty")]
    pub resource_changes: Vec<RawChange<'a>>,
    #[serde(default)]
    pub configuration: Option<RawConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(expecting = "a `prior_state` object")]
pub(crate) struct RawPriorState<'a> {
    #[serde(default, borrow)]
    pub values: Option<RawValues<'a>>,
}

#[derive(Debug, Deserialize)]
#[serde(expecting = "an object with `root_module`")]
pub(crate) struct RawValues<'a> {
    #[serde(default, borrow)]
    pub root_module: Option<RawModule<'a>>,
}

/// A module's resources and its child modules (which nest without limit).
#[derive(Debug, Deserialize)]
#[serde(expecting = "a module object with `resources` and `child_modules`")]
pub(crate) struct RawModule<'a> {
    #[serde(default, borrow, deserialize_with = "null_as_empty")]
    pub resources: Vec<RawResource<'a>>,
    #[serde(default, borrow, deserialize_with = "null_as_empty")]
    pub child_modules: Vec<RawModule<'a>>,
}

/// Attribute name → its value as written.
pub(crate) type RawAttrs<'a> = BTreeMap<Cow<'a, str>, &'a RawValue>;

/// One resource instance.
#[derive(Debug, Deserialize)]
#[serde(expecting = "a resource object with `address`, `type` and `name`")]
pub(crate) struct RawResource<'a> {
    #[serde(borrow)]
    pub address: Cow<'a, str>,
    /// `managed` or `data`.
    #[serde(default, borrow)]
    pub mode: Option<Cow<'a, str>>,
    #[serde(rename = "type", borrow)]
    pub kind: Cow<'a, str>,
    #[serde(borrow)]
    pub name: Cow<'a, str>,
    /// `count` index (a number) or `for_each` key (a string).
    #[serde(default, borrow)]
    pub index: Option<&'a RawValue>,
    #[serde(default, borrow)]
    pub values: Option<RawAttrs<'a>>,
}

/// One entry of a plan's `resource_changes`.
#[derive(Debug, Deserialize)]
#[serde(expecting = "a resource change object with `address` and `change`")]
pub(crate) struct RawChange<'a> {
    #[serde(borrow)]
    pub address: Cow<'a, str>,
    #[serde(default, borrow)]
    pub mode: Option<Cow<'a, str>>,
    #[serde(rename = "type", default, borrow)]
    pub kind: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub name: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub index: Option<&'a RawValue>,
    #[serde(borrow)]
    pub change: RawChangeBody<'a>,
}

#[derive(Debug, Deserialize)]
#[serde(expecting = "a change object with `actions`")]
pub(crate) struct RawChangeBody<'a> {
    #[serde(default, borrow, deserialize_with = "null_as_empty")]
    pub actions: Vec<Cow<'a, str>>,
    /// The values after apply (`null` for a delete).
    #[serde(default, borrow)]
    pub after: Option<RawAttrs<'a>>,
    /// Which of those values are known only after apply (`true` at their place).
    #[serde(default)]
    pub after_unknown: Option<Value>,
}

/// The configuration as the plan records it: expressions, with the references they make.
#[derive(Debug, Deserialize, Default)]
#[serde(expecting = "a `configuration` object")]
pub(crate) struct RawConfig {
    #[serde(default)]
    pub provider_config: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    pub root_module: Option<RawConfigModule>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(expecting = "a configuration module object")]
pub(crate) struct RawConfigModule {
    #[serde(default, deserialize_with = "null_as_empty")]
    pub resources: Vec<RawConfigResource>,
    #[serde(default)]
    pub module_calls: BTreeMap<String, RawModuleCall>,
    #[serde(default)]
    pub outputs: BTreeMap<String, RawOutput>,
}

#[derive(Debug, Deserialize)]
#[serde(expecting = "a configuration resource object")]
pub(crate) struct RawConfigResource {
    /// Relative to its module: `aws_iam_policy.p`, `data.aws_iam_policy_document.d`.
    pub address: String,
    /// Attribute (or block) name → expression.
    #[serde(default)]
    pub expressions: Option<BTreeMap<String, Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(expecting = "a module call object")]
pub(crate) struct RawModuleCall {
    /// Input variable name → expression.
    #[serde(default)]
    pub expressions: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    pub module: Option<RawConfigModule>,
}

#[derive(Debug, Deserialize)]
#[serde(expecting = "an output object")]
pub(crate) struct RawOutput {
    #[serde(default)]
    pub expression: Option<Value>,
}

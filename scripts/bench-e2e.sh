#!/usr/bin/env bash
# End-to-end timing of iamdiff on the generated benchmark accounts: median wall time and
# peak RSS per scale, for `iamdiff effective` (and `iamdiff diff` with --diff, `iamdiff
# lint` with --lint), with the machine they ran on. The accounts are generated once into
# bench-data/ (git-ignored).
#
# Usage: scripts/bench-e2e.sh [--diff] [--lint] [--org] [--cutover] [--people] [--people-accounts "30 100 300"] [--runs N] [--scales "small medium large"] [--seed N]
#
# --org also times `iamdiff diff` of the generated organization pair (issue 8: 300 accounts
# in an OU tree of depth 3, 20–200 roles each, 1,500 resource policies, SCPs and RCPs,
# ~300 mutations) writing every format, generated once into bench-data/org.
#
# --cutover also times `iamdiff cutover` of a 200-step runbook (examples/gen_runbook.rs:
# groups copied, users moved remove-before-add, old groups deleted) over each scale's
# before.json (issue 11 item 1; target on the large account: median <= 3 s, RSS < 2 GiB).
# --people times `iamdiff diff --view people` (issue 9) of the organization pair with
# Identity Center (5,000 people, 40 permission sets, role chains of depth 3, ~250
# mutations) writing every format, at each account count of --people-accounts (default
# "30 100 300"), generated once into bench-data/people-N.
#
# Uses hyperfine when present (installed from Debian when missing and run as root), else a
# loop of N runs taking the median; peak RSS from GNU time (`/usr/bin/time -v`, Debian
# package `time`, installed the same way).
set -euo pipefail

cd "$(dirname "$0")/.."

runs=10
diff=0
lint=0
org=0
cutover=0
people=0
people_accounts="30 100 300"
scales="small medium large"
seed=42

while [ $# -gt 0 ]; do
    case "$1" in
        --diff) diff=1 ;;
        --lint) lint=1 ;;
        --org) org=1 ;;
        --cutover) cutover=1 ;;
        --people) people=1 ;;
        --people-accounts) people_accounts="$2"; shift ;;
        --runs) runs="$2"; shift ;;
        --scales) scales="$2"; shift ;;
        --seed) seed="$2"; shift ;;
        -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "error: unknown argument \`$1\`" >&2; exit 2 ;;
    esac
    shift
done

apt_install() {
    # Only as root, and only the named Debian package; otherwise do without it.
    if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
        echo "installing $1 ..." >&2
        if ! apt-get install -y -qq "$1" > /dev/null 2>&1; then
            apt-get update -qq > /dev/null 2>&1 && apt-get install -y -qq "$1" > /dev/null 2>&1 || true
        fi
    fi
}

command -v hyperfine > /dev/null || apt_install hyperfine
[ -x /usr/bin/time ] || apt_install time

echo "== machine"
echo "cpus: $(nproc)"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo 2> /dev/null | cut -d: -f2- | sed 's/^ *//' || echo unknown)"
echo "memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2> /dev/null || echo unknown)"
echo "kernel: $(uname -sr)"
echo "rustc: $(rustc --version 2> /dev/null || echo unknown)"
if command -v hyperfine > /dev/null; then
    echo "timer: $(hyperfine --version), $runs runs after 1 warm-up"
else
    echo "timer: shell loop, median of $runs runs after 1 warm-up (hyperfine not available)"
fi
[ -x /usr/bin/time ] || echo "peak RSS: not measured (/usr/bin/time missing)"

echo "== build"
cargo build --release --quiet --bin iamdiff --example gen_account --example gen_org --example gen_runbook
bin=target/release/iamdiff
gen=target/release/examples/gen_account

echo "== data"
for scale in $scales; do
    dir="bench-data/$scale"
    if [ ! -f "$dir/before.json" ] || [ ! -f "$dir/after.json" ]; then
        "$gen" --scale "$scale" --seed "$seed" --out "$dir"
    fi
    if [ "$cutover" = 1 ] && [ ! -f "$dir/runbook.sh" ]; then
        target/release/examples/gen_runbook --before "$dir/before.json" --out "$dir" --steps 200
    fi
    printf '%s: before.json %s bytes\n' "$scale" "$(wc -c < "$dir/before.json")"
done
if [ "$org" = 1 ] && [ ! -f bench-data/org/expected-breaks.json ]; then
    target/release/examples/gen_org --scale full --seed "$seed" --out bench-data/org
fi
if [ "$people" = 1 ]; then
    for n in $people_accounts; do
        if [ ! -f "bench-data/people-$n/expected-losses.json" ]; then
            target/release/examples/gen_org --scale full --accounts "$n" --people 5000 \
                --permission-sets 40 --seed "$seed" --out "bench-data/people-$n"
        fi
    done
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# median_seconds CMD...: median wall time in seconds.
median_seconds() {
    if command -v hyperfine > /dev/null; then
        # -i: `diff` exits 1 when it finds losses; real failures were ruled out beforehand.
        hyperfine -N -i --style none --warmup 1 --runs "$runs" \
            --export-json "$tmp/h.json" -- "$*" > /dev/null 2> "$tmp/hyperfine.txt"
        jq -r '.results[0].median' "$tmp/h.json" 2> /dev/null \
            || python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' "$tmp/h.json"
    else
        "$@" > /dev/null 2>&1 || true
        local times=()
        for _ in $(seq "$runs"); do
            local t0 t1
            t0=$(date +%s%N)
            "$@" > /dev/null 2>&1 || true
            t1=$(date +%s%N)
            times+=("$((t1 - t0))")
        done
        printf '%s\n' "${times[@]}" | sort -n \
            | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.6f\n", m / 1e9 }'
    fi
}

# peak_rss_mib CMD...: peak resident set size of one run, in MiB.
peak_rss_mib() {
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -v "$@" > /dev/null 2> "$tmp/time.txt" || true
        awk -F: '/Maximum resident set size/ { printf "%.1f\n", $2 / 1024 }' "$tmp/time.txt"
    else
        echo "-"
    fi
}

# measure LABEL SCALE CMD...: one table row, after checking the command works (exit 0 or 1).
measure() {
    local label="$1" scale="$2"
    shift 2
    local code=0
    "$@" > /dev/null 2> "$tmp/err.txt" || code=$?
    if [ "$code" -gt 1 ]; then
        printf '%-10s %-7s failed (exit %s): %s\n' "$label" "$scale" "$code" "$(head -c 300 "$tmp/err.txt")"
        return
    fi
    local median rss
    median=$(median_seconds "$@")
    rss=$(peak_rss_mib "$@")
    printf '%-10s %-7s %12.3f %14s\n' "$label" "$scale" "$median" "$rss"
}

echo "== results"
printf '%-10s %-7s %12s %14s\n' command scale "median (s)" "peak RSS (MiB)"
for scale in $scales; do
    dir="bench-data/$scale"
    measure effective "$scale" "$bin" effective --format json "$dir/before.json"
    if [ "$lint" = 1 ]; then
        # the findings as JSON on stdout (exit 1 when a finding reaches the gate)
        measure lint "$scale" "$bin" lint --format json "$dir/before.json"
    fi
    if [ "$diff" = 1 ]; then
        mkdir -p "$tmp/out-$scale"
        # all six formats: five files under --out, and the table on stdout
        measure diff "$scale" "$bin" diff --before "$dir/before.json" --after "$dir/after.json" \
            --today 2026-11-24 --out "$tmp/out-$scale"
    fi
    if [ "$cutover" = 1 ]; then
        measure cutover "$scale" "$bin" cutover --before "$dir/before.json" \
            --runbook "$dir/runbook.sh" --format json
    fi
done
if [ "$org" = 1 ]; then
    mkdir -p "$tmp/out-org"
    measure diff org "$bin" diff --before bench-data/org/before --after bench-data/org/after \
        --map bench-data/org/map.yaml --format json --format md --format html --format sarif \
        --format junit --out "$tmp/out-org"
fi
if [ "$people" = 1 ]; then
    for n in $people_accounts; do
        d="bench-data/people-$n"
        mkdir -p "$tmp/out-people-$n"
        measure people "a$n" "$bin" diff --view people --before "$d/before" --after "$d/after" \
            --map "$d/map.yaml" --format json --format md --format html --format sarif \
            --format junit --out "$tmp/out-people-$n"
    done
fi

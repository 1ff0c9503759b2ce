#!/bin/sh
# Fuzzes tcpconn's plain-C core in process with libFuzzer: builds the targets
# of tests/fuzz/ with clang 14 (-fsanitize=fuzzer,address,undefined), runs
# each for SECONDS from its seed corpus (tests/fuzz/corpus/TARGET, made from
# captures/ by tests/fuzz/make_corpus.py) and prints each target's
# executions and coverage. It installs what it needs (apt, with sudo when
# not root), like the other tools.
#
# Usage: tools/fuzz.sh [options] [SECONDS]   (default 60 s per target)
#   --no-install    do not install; exit 77 (skipped) when clang or
#                   libFuzzer is missing (what the test suite uses)
#   --build DIR     build and work folder (default build/fuzz)
#   --only TARGET   run only this target (locate, streams)
#   --coverage      afterwards, the line coverage of the core's files from
#                   the corpora plus the unit tests (llvm-cov)
#
# Exit status: 0 when no target found anything; 1 when one did, with the
# input that caused it left in BUILD/findings/TARGET/ (replay it with
# BUILD/fuzz_TARGET FILE); 2 on a usage or build error.
#
# Inputs that found new coverage are kept in BUILD/corpus/TARGET/ and used
# again on the next run; the seeds in the repository are only read.
set -eu
cd "$(dirname "$0")/.."

usage() {
    echo "usage: $0 [--no-install] [--build DIR] [--only TARGET] [--coverage] [SECONDS]" >&2
    exit 2
}

seconds=60
install=yes
build=build/fuzz
only=""
coverage=no
while [ $# -gt 0 ]; do
    case $1 in
        --no-install) install=no; shift ;;
        --build) [ $# -ge 2 ] || usage; build=$2; shift 2 ;;
        --only) [ $# -ge 2 ] || usage; only=$2; shift 2 ;;
        --coverage) coverage=yes; shift ;;
        -h | --help) usage ;;
        *[!0-9]* | "") usage ;;
        *) seconds=$1; shift ;;
    esac
done

CC=clang-14
LLVM=/usr/lib/llvm-14/bin
have_tools() {
    command -v $CC >/dev/null && [ -e /usr/lib/llvm-14/lib/libFuzzer.a ] &&
        [ -x $LLVM/llvm-cov ] && command -v cmake >/dev/null
}
if ! have_tools; then
    if [ $install = no ]; then
        echo "fuzz: clang-14, libfuzzer-14-dev or llvm-14 missing; skipped" >&2
        exit 77
    fi
    tools/packages.sh install fuzz
fi

# Build quietly; show the log only when it fails.
build_targets() { # folder, extra cmake options
    mkdir -p "$1"
    if ! { cmake -S tests/fuzz -B "$1" -DCMAKE_C_COMPILER=$CC "$2" &&
        cmake --build "$1" -j "$(nproc)"; } >"$1/build.log" 2>&1; then
        cat "$1/build.log" >&2
        echo "fuzz: build failed" >&2
        exit 2
    fi
}
build_targets "$build" -DTCPCONN_FUZZ_COVERAGE=OFF
build=$(cd "$build" && pwd)

targets=""
for source in tests/fuzz/fuzz_*.c; do
    name=$(basename "$source" .c)
    name=${name#fuzz_}
    [ -z "$only" ] || [ "$only" = "$name" ] || continue
    targets="$targets $name"
done
[ -n "$targets" ] || usage

# A target's own options, if any (tests/fuzz/TARGET.options: one a line).
target_options() {
    [ -f "tests/fuzz/$1.options" ] && grep -v '^#' "tests/fuzz/$1.options" || true
}

echo "Fuzzing for $seconds s per target ($build):"
found=0
for t in $targets; do
    work="$build/corpus/$t"
    findings="$build/findings/$t"
    log="$build/$t.log"
    mkdir -p "$work" "$findings"
    dict=""
    [ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
    status=0
    # shellcheck disable=SC2046 # one option a word
    nice -n 19 "$build/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 \
        -timeout=10 -error_exitcode=1 -artifact_prefix="$findings/" $dict $(target_options "$t") \
        "$work" "tests/fuzz/corpus/$t" >"$log" 2>&1 || status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    # libFuzzer's last status line: "#N DONE cov: C ft: F corp: U/S ...".
    cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/\1 edges, \2 features, corpus of \3/p')
    artifacts=$(find "$findings" -type f | wc -l)
    printf '  %-8s %s executions (%s/s), coverage %s, %s finding(s)\n' \
        "$t" "${execs:-0}" "${rate:-0}" "${cov:-unknown}" "$artifacts"
    if [ $status -ne 0 ] || [ "$artifacts" -gt 0 ]; then
        found=1
        echo "  $t: FOUND something (exit $status); log: $log" >&2
        grep -E 'ERROR|invariant broken|SUMMARY' "$log" | head -n 5 | sed 's/^/    /' >&2
        find "$findings" -type f | sed "s|^|    reproduce: $build/fuzz_$t |" >&2
    fi
done

if [ $coverage = yes ]; then
    # The same targets with clang's coverage instead of the sanitizers: each
    # replays its corpora once, and each unit test runs once.
    cov="$build/coverage"
    build_targets "$cov" -DTCPCONN_FUZZ_COVERAGE=ON
    rm -f "$cov"/*.profraw
    binaries=""
    for t in $targets; do
        LLVM_PROFILE_FILE="$cov/$t.profraw" "$cov/fuzz_$t" -runs=0 \
            "$build/corpus/$t" "tests/fuzz/corpus/$t" >"$cov/$t.log" 2>&1
        binaries="$binaries $cov/fuzz_$t"
    done
    for unit in "$cov"/unit_test_*; do
        LLVM_PROFILE_FILE="$cov/$(basename "$unit").profraw" "$unit" >"$cov/unit.log" 2>&1
        binaries="$binaries $unit"
    done
    $LLVM/llvm-profdata merge -sparse "$cov"/*.profraw -o "$cov/all.profdata"
    # llvm-cov takes the first binary as is and the others after -object.
    objects=$(echo $binaries | sed 's/ / -object /g')
    echo
    echo "Line coverage of the core (plugin/) from the corpora and the unit tests:"
    # shellcheck disable=SC2086 # one word each
    $LLVM/llvm-cov report -instr-profile="$cov/all.profdata" $objects "$PWD/plugin" |
        awk '$1 ~ /\.c$/ || $1 == "TOTAL" { printf "  %-12s %5d lines, %4d missed, %s\n", $1, $8, $9, $10 }'
fi

if [ $found -ne 0 ]; then
    echo "fuzz: findings in $build/findings/" >&2
    exit 1
fi

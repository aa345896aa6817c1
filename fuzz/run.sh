#!/usr/bin/env bash
# Runs each cargo-fuzz target for a bounded time (used by `make fuzz`).
#
#   fuzz/run.sh [TARGET...]          all targets when none is named
#
# Environment:
#   FUZZ_SECONDS    seconds per target (default 60)
#   FUZZ_SANITIZER  address | none (default none; address needs the ASan runtime that the
#                   stable toolchain ships, and runs about 2x slower)
#   FUZZ_ARGS       extra libFuzzer arguments, e.g. "-max_len=16384 -jobs=2"
#
# Works on the stable toolchain: cargo-fuzz passes nightly-only flags (-Zsanitizer,
# -Cpasses=sancov-module, ...), which RUSTC_BOOTSTRAP=1 lets stable rustc accept.
# New corpus entries go to fuzz/corpus/TARGET (git-ignored), seeds are read from
# fuzz/seeds/TARGET, crashes are written to fuzz/artifacts/TARGET, logs to fuzz/logs.
set -uo pipefail
cd "$(dirname "$0")"

SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
SANITIZER=${FUZZ_SANITIZER:-none}
ALL=(jsonl_parse line_chunks wet_scan normalize repair shingle)
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=("${ALL[@]}")

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz not found; installing it from crates.io" >&2
    cargo install cargo-fuzz --locked || exit 1
fi

export RUSTC_BOOTSTRAP=1
mkdir -p logs
echo "building ${TARGETS[*]} (sanitizer: $SANITIZER)"
for t in "${TARGETS[@]}"; do
    cargo fuzz build -s "$SANITIZER" "$t" || exit 1
done

failed=()
for t in "${TARGETS[@]}"; do
    mkdir -p "corpus/$t" "seeds/$t"
    echo "== $t: ${SECONDS_PER_TARGET}s"
    # shellcheck disable=SC2086
    cargo fuzz run -s "$SANITIZER" "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=4096 \
        -print_final_stats=1 ${FUZZ_ARGS:-} >"logs/$t.log" 2>&1
    rc=$?
    runs=$(grep -o 'Done [0-9]* runs' "logs/$t.log" | tail -1)
    if [ $rc -eq 0 ]; then
        echo "   clean: ${runs:-? runs} (log: fuzz/logs/$t.log)"
    else
        failed+=("$t")
        echo "   FAILED (exit $rc): see fuzz/logs/$t.log and fuzz/artifacts/$t/"
        grep -m1 -A3 "panicked at" "logs/$t.log" | sed 's/^/   /'
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: failing targets: ${failed[*]}"
    exit 1
fi
echo "fuzz: all targets clean"

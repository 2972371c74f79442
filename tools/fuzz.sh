#!/bin/sh
# Runs libFuzzer targets one after another: tools/fuzz.sh BUILD_DIR SECONDS TARGET...
# Each target starts from its seeds (tests/fuzz/seeds/<name>/, read-only) and its growing
# corpus (BUILD_DIR/corpus/<name>/); a finding is saved in BUILD_DIR/artifacts/ and makes
# the run fail.  One summary line per target: executions, coverage, corpus size.
# FUZZ_JOBS=2 runs two targets at a time.  Exit status: 0 when no target found anything.
dir=$1; secs=$2; shift 2
mkdir -p "$dir/artifacts" "$dir/logs"
run_one() {
    t=$1
    name=${t#fuzz_}
    seeds=tests/fuzz/seeds/$name
    mkdir -p "$dir/corpus/$name"
    [ -d "$seeds" ] || seeds=
    dict=
    [ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
    maxlen=
    [ -f "tests/fuzz/$name.options" ] && maxlen=$(cat "tests/fuzz/$name.options")
    log="$dir/logs/$name.log"
    "$dir/bin/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$dir/artifacts/$name-" $dict $maxlen \
        "$dir/corpus/$name" $seeds >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
    if [ $rc -eq 0 ]; then
        echo "fuzz $name: ok, ${execs:-?} executions in ${secs}s, $cov"
    else
        echo "fuzz $name: FAILED (exit $rc) after ${execs:-?} executions; see $log"
        grep -E 'ERROR|invariant|SUMMARY|Test unit written' "$log" | head -8
    fi
    return $rc
}
failed=0
if [ "${FUZZ_JOBS:-1}" -gt 1 ]; then
    pids=
    for t in "$@"; do
        run_one "$t" & pids="$pids $!"
        while [ "$(jobs -p | wc -l)" -ge "$FUZZ_JOBS" ]; do sleep 1; done
    done
    for p in $pids; do wait "$p" || failed=$((failed + 1)); done
else
    for t in "$@"; do run_one "$t" || failed=$((failed + 1)); done
fi
echo "fuzz: $# targets, $failed failed"
[ "$failed" = 0 ]

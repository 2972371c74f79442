#!/bin/sh
# Runs every Criterion test binary of one build tree, from the repository root, and prints
# one closing line 'N passed, N failed' over all of them.  Exit status: 0 when all pass.
dir=$1; shift
export POISK_BIN_DIR="$PWD/$dir/bin"
passed=0; failed=0
for t in "$@"; do
    echo "== $dir/tests/$t"
    if "$dir/tests/$t" --jobs 2; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "suites: $passed passed, $failed failed"
[ "$failed" = 0 ]

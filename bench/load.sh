#!/bin/sh
# bench/load.sh: load benchmark of `searcher serve` with wrk (Debian package wrk, installed
# here if missing; never needed by `make test`).  Indexes the seed corpus (and the 1 GB
# synthetic corpus when bench/gen exists), starts the server on a free loopback port, runs
# wrk at 1, 4 and 32 connections, and writes requests/s, p50/p99 latency and errors into
# the "Server load" section of bench/RESULTS.md (other sections are left alone).
#
#   bench/load.sh [SECONDS]          (from the repository root; default 10 s per run)
#   LOAD_LARGE=0 bench/load.sh       skip the 1 GB corpus
set -eu
DUR=${1:-10}
ROOT=$(pwd)
WORK=${LOAD_WORK:-$ROOT/var/bench-load}
RESULTS=$ROOT/bench/RESULTS.md

if ! command -v wrk >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
    else
        echo "bench/load.sh: wrk is missing; run: apt-get install wrk" >&2; exit 1
    fi
fi
make -s all
mkdir -p "$WORK"

SERVER_PID=
stop_server() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null; SERVER_PID=; }
trap stop_server EXIT INT TERM

# run_corpus NAME INDEX_DIR: one table row per connection count, appended to $WORK/rows
run_corpus() {
    name=$1; index=$2
    bin/searcher serve -i "$index" --listen 127.0.0.1:0 --quiet --max-connections 512 2>"$WORK/server.log" &
    SERVER_PID=$!
    port=
    for _ in $(seq 100); do
        port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$WORK/server.log")
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || { cat "$WORK/server.log" >&2; exit 1; }
    passages=$(curl -s "http://127.0.0.1:$port/health" | sed -n 's/.*"passages":\([0-9]*\).*/\1/p')
    wrk -t 1 -c 1 -d 2s -s bench/load.lua "http://127.0.0.1:$port" >/dev/null   # warm up
    for c in 1 4 32; do
        t=$([ "$c" -ge 2 ] && echo 2 || echo 1)
        line=$(wrk -t "$t" -c "$c" -d "${DUR}s" --timeout 10s -s bench/load.lua "http://127.0.0.1:$port" | grep '^RESULT')
        echo "$name $passages $c $line" | tee -a "$WORK/rows"
    done
    stop_server
}

: > "$WORK/rows"
bin/indexer -o "$WORK/seed-index" corpus >/dev/null 2>&1
run_corpus seed "$WORK/seed-index"

if [ "${LOAD_LARGE:-1}" != 0 ] && [ -x bench/gen ]; then
    if [ ! -f "$WORK/large-index/CURRENT" ]; then
        mkdir -p "$WORK/large"
        bench/gen -o "$WORK/large" --bytes 1000000000 >/dev/null 2>&1 || bench/gen "$WORK/large" >/dev/null
        bin/indexer -o "$WORK/large-index" "$WORK/large" >/dev/null 2>&1
    fi
    run_corpus 1GB-synthetic "$WORK/large-index"
fi

# ---- the "Server load" section of bench/RESULTS.md ----
section=$WORK/section.md
{
    echo "## Server load"
    echo
    echo "\`bench/load.sh $DUR\` on $(nproc) cores, $(date -u +%Y-%m-%d): \`searcher serve\` (thread pool = cores,"
    echo "keep-alive) under wrk for ${DUR} s per row; 16 analyst queries in rotation (bench/load.lua),"
    echo "GET /search with k = 10 and snippets.  wrk and the server share the machine."
    echo
    echo "| corpus | passages | connections | requests/s | p50 µs | p99 µs | errors |"
    echo "|---|---|---|---|---|---|---|"
    while read -r name passages c _ rps p50 p99 _ errs; do
        printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$passages" "$c" "${rps#rps=}" \
            "${p50#p50_us=}" "${p99#p99_us=}" "${errs#errors=}"
    done < "$WORK/rows"
    echo
} > "$section"
touch "$RESULTS"
awk -v sec="$section" '
    BEGIN { while ((getline l < sec) > 0) body = body l "\n" }
    /^## Server load/ { skip = 1; printf "%s", body; done = 1; next }
    skip && /^## / { skip = 0 }
    !skip { print }
    END { if (!done) { if (NR) print ""; printf "%s", body } }
' "$RESULTS" > "$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS"
echo "bench/load.sh: wrote the Server load section of bench/RESULTS.md"

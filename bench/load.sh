#!/bin/sh
# bench/load.sh: load benchmark of `searcher serve` with wrk (Debian package wrk, installed
# here if missing; never needed by `make test`).  Indexes the seed corpus and the 1 GB
# synthetic corpus (bench/gen.c's bin/gen, built by `make`, or GEN=path; the corpus and
# its index are kept in var/bench-load, the index built again when `indexer --check` refuses it),
# starts the server on a free loopback port, runs wrk at 1, 4 and 32 connections, and writes
# requests/s, p50/p99 latency, errors and the server's CPU time per request into the
# "Server load" section of bench/RESULTS.md, between its markers (other sections are left
# alone).  For comparison it also measures `searcher --batch` CPU per query on the same
# queries: the server's own cost is the difference.
#
#   bench/load.sh [SECONDS]          (from the repository root; default 10 s per run)
#   LOAD_LARGE=0 bench/load.sh       skip the 1 GB corpus
#   GEN=/path/to/gen bench/load.sh   the generator, if not bin/gen (bench/gen.c)
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

# CPU time (user + system) of process $1 in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
served() { curl -s "http://127.0.0.1:$1/stats" | sed -n 's/.*"requests":\([0-9]*\).*/\1/p'; }

# The queries of bench/load.lua, one per line, for --batch.
sed -n 's/^  "\(.*\)",$/\1/p' bench/load.lua | sed 's/\\"/"/g' > "$WORK/queries.txt"

# batch_cpu INDEX_DIR: `searcher --batch` CPU microseconds per query (336 queries minus
# a 16-query run, so the index open is not counted).
batch_cpu() {
    i=0; : > "$WORK/queries336.txt"
    while [ $i -lt 21 ]; do cat "$WORK/queries.txt" >> "$WORK/queries336.txt"; i=$((i + 1)); done
    t_small=$( { /usr/bin/time -f '%U %S' bin/searcher -i "$1" --batch < "$WORK/queries.txt" >/dev/null; } 2>&1 | tail -1)
    t_big=$( { /usr/bin/time -f '%U %S' bin/searcher -i "$1" --batch < "$WORK/queries336.txt" >/dev/null; } 2>&1 | tail -1)
    n=$(wc -l < "$WORK/queries336.txt"); n0=$(wc -l < "$WORK/queries.txt")
    echo "$t_small $t_big" | awk -v n="$n" -v n0="$n0" '{ printf "%d", (($3 + $4) - ($1 + $2)) * 1e6 / (n - n0) }'
}

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
    hz=$(getconf CLK_TCK)
    for c in 1 4 32; do
        t=$([ "$c" -ge 2 ] && echo 2 || echo 1)
        load=$(cut -d' ' -f1 /proc/loadavg)
        c0=$(cpu_ticks "$SERVER_PID"); r0=$(served "$port")
        line=$(wrk -t "$t" -c "$c" -d "${DUR}s" --timeout 10s -s bench/load.lua "http://127.0.0.1:$port" | grep '^RESULT')
        c1=$(cpu_ticks "$SERVER_PID"); r1=$(served "$port")
        cpu_us=$(( (c1 - c0) * 1000000 / hz / (r1 - r0 - 1) ))
        echo "$name $passages $c $line cpu_us=$cpu_us load=$load" | tee -a "$WORK/rows"
    done
    stop_server
    echo "$name $(batch_cpu "$index")" >> "$WORK/batch"
}

: > "$WORK/rows"; : > "$WORK/batch"
bin/indexer -o "$WORK/seed-index" corpus >/dev/null 2>&1
run_corpus seed "$WORK/seed-index"

GEN=${GEN:-bin/gen}
if [ "${LOAD_LARGE:-1}" != 0 ] && [ -f "$WORK/large-index/CURRENT" ] \
        && ! bin/indexer --check "$WORK/large-index" >/dev/null 2>&1; then
    rm -rf "$WORK/large-index"     # another format version, or damaged: built again below
fi
if [ "${LOAD_LARGE:-1}" != 0 ] && { [ -f "$WORK/large-index/CURRENT" ] || [ -x "$GEN" ]; }; then
    if [ ! -f "$WORK/large-index/CURRENT" ]; then
        # bench/gen.c: gen --size SIZE [--seed S] --out DIR [--corpus DIR] [--data DIR] [--quiet]
        "$GEN" --size 1G --seed 1 --out "$WORK/large" --quiet
        bin/indexer -q -o "$WORK/large-index" "$WORK/large"
    fi
    run_corpus 1GB-synthetic "$WORK/large-index"
else
    echo "bench/load.sh: no generator at $GEN (run make, or set GEN=); 1 GB corpus skipped" >&2
fi

# ---- the "Server load" section of bench/RESULTS.md, between its markers ----
section=$WORK/section.md
{
    echo "<!-- server-load:begin -->"
    echo "## Server load (\`bench/load.sh\`) — server engineer"
    echo
    echo "\`bench/load.sh $DUR\` on $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'):"
    echo "\`searcher serve\` (thread pool = cores, keep-alive) under wrk for ${DUR} s per row; the 16"
    echo "analyst queries of bench/load.lua in rotation, GET /search with k = 10 and snippets."
    echo "wrk and the server share the machine, and the machine is shared with other work: \"load\""
    echo "is the 1-minute load average when the row started.  \"server CPU\" is the server's user +"
    echo "system time per request (/proc), which the load average does not inflate; below the table,"
    echo "\`searcher --batch\`'s CPU per query on the same queries and index, for comparison."
    echo
    echo "| corpus | passages | connections | requests/s | p50 µs | p99 µs | errors | server CPU µs/request | load |"
    echo "|---|---|---|---|---|---|---|---|---|"
    while read -r name passages c _ rps p50 p99 _ errs cpu load; do
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$passages" "$c" "${rps#rps=}" \
            "${p50#p50_us=}" "${p99#p99_us=}" "${errs#errors=}" "${cpu#cpu_us=}" "${load#load=}"
    done < "$WORK/rows"
    echo
    while read -r name us; do
        echo "\`searcher --batch\`, $name index, same queries: $us µs CPU per query."
    done < "$WORK/batch"
    echo
    if [ -f bench/load-notes.md ]; then cat bench/load-notes.md; echo; fi
    echo "<!-- server-load:end -->"
} > "$section"
touch "$RESULTS"
awk -v sec="$section" '
    BEGIN { while ((getline l < sec) > 0) body = body l "\n" }
    /^<!-- server-load:begin -->/ { skip = 1; printf "%s", body; done = 1; next }
    skip && /^<!-- server-load:end -->/ { skip = 0; next }
    !skip { print }
    END { if (!done) { if (NR) print ""; printf "%s", body } }
' "$RESULTS" > "$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS"
echo "bench/load.sh: wrote the Server load section of bench/RESULTS.md"

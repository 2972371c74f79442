#!/bin/sh
# make stress (not part of make test): resource limits of the indexer and the searcher on
# hostile inputs, with time and peak memory (GNU time) per case.  Cases: a 2 GB file of real
# text (the seed corpus repeated), a file holding one 100 MB "word", 100 000 tiny files,
# unreadable and odd files (mode 000, a FIFO, a directory and dangling links named *.txt,
# symlink loops), and prefix queries that expand to every term they can.
# Usage: tools/stress.sh [WORK_DIR]  (default build/stress; needs ~5 GB free).  Results are
# printed and kept in WORK_DIR/report.txt; docs/RELIABILITY.md records a run.
set -u
work=${1:-build/stress}
bin=$PWD/bin
mkdir -p "$work"
report=$work/report.txt
: >"$report"
say() { echo "$*" | tee -a "$report"; }

# measure LABEL CMD...: exit status, seconds, peak RSS, warning count
measure() {
    label=$1; shift
    /usr/bin/time -f '%e %M' -o "$work/time.txt" "$@" >"$work/out.txt" 2>"$work/err.txt"
    rc=$?
    set -- $(tail -1 "$work/time.txt")
    warns=$(grep -c -i 'warning\|skipped' "$work/err.txt")
    say "$label: exit $rc, $1 s, peak RSS $(( $2 / 1024 )) MB, $warns warning lines"
    grep -i 'warning\|skipped\|notice\|error' "$work/err.txt" | sort | uniq -c | sort -rn | head -5 |
        sed 's/^/    /' | tee -a "$report"
    tail -1 "$work/err.txt" | sed 's/^/    last stderr: /' | tee -a "$report"
}

say "poisk stress run, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores"

# 1. a 2 GB file of real text
mkdir -p "$work/big"
if [ ! -s "$work/big/big.txt" ]; then
    while cat corpus/*.txt 2>/dev/null; do :; done | head -c 2147483648 >"$work/big/big.txt"
fi
measure "2 GB text file, --mem 256M" "$bin/indexer" --mem 256M -o "$work/idx_big" "$work/big"

# 2. one 100 MB word (2-byte Cyrillic letter repeated)
mkdir -p "$work/word"
[ -s "$work/word/word.txt" ] || yes ж | tr -d '\n' | head -c 104857600 >"$work/word/word.txt"
measure "one 100 MB word" "$bin/indexer" -o "$work/idx_word" "$work/word"

# 3. 100 000 tiny files in 100 directories
if [ ! -d "$work/tiny/d99" ]; then
    python3 - "$work/tiny" <<'PY'
import os, sys
root = sys.argv[1]
for d in range(100):
    os.makedirs(os.path.join(root, 'd%02d' % d), exist_ok=True)
    for f in range(1000):
        with open(os.path.join(root, 'd%02d' % d, 'f%03d.txt' % f), 'w') as fh:
            fh.write('Цифровая трансформация: проект %d-%d, телемедицина и школа.\n' % (d, f))
PY
fi
measure "100 000 tiny files" "$bin/indexer" -o "$work/idx_tiny" "$work/tiny"

# 4. unreadable and odd files, symlink loops (plus one good document)
odd=$work/odd
rm -rf "$odd"; mkdir -p "$odd/sub"
cp corpus/000_6d545a6ce98a1d7f.txt "$odd/good.txt"
echo "секрет" >"$odd/locked.txt"; chmod 000 "$odd/locked.txt"
mkfifo "$odd/pipe.txt"
mkdir "$odd/dir.txt"
ln -s nowhere.txt "$odd/gone.txt"
ln -s loop2.txt "$odd/loop1.txt"; ln -s loop1.txt "$odd/loop2.txt"
ln -s .. "$odd/sub/up"
printf '\000\001\002binary\377\376' >"$odd/binary.txt"
measure "odd files and symlink loops" timeout 120 "$bin/indexer" -o "$work/idx_odd" "$odd" \
    "$odd/locked.txt" "$odd/pipe.txt" "$odd/gone.txt" "$odd/loop1.txt"
[ "$(id -u)" = 0 ] && say "    (running as root: mode 000 does not stop root from reading locked.txt)"

# 5. a vocabulary of 60 000 distinct п-words, so `п*` must hit the expansion bound
mkdir -p "$work/vocab"
python3 - "$work/vocab/vocab.txt" <<'PY'
import random, sys
rng = random.Random(7)
letters = 'абвгдежзиклмнопрстуфхцчшщыэюя'
words = {'п' + ''.join(rng.choice(letters) for _ in range(7)) for _ in range(60000)}
with open(sys.argv[1], 'w') as f:
    f.write('Стратегия цифровой трансформации Ставропольского края\n')
    for i, w in enumerate(sorted(words)):
        f.write(w + ('\n' if i % 12 == 11 else ' '))
PY
measure "60 000 distinct words" "$bin/indexer" -o "$work/idx_vocab" "$work/vocab"
measure "prefix query п* over 60 000 п-words" "$bin/searcher" -i "$work/idx_vocab" --count -k 10 -- 'п*'

# 6. prefix queries expanding to as many terms as the index has
if [ -f "$work/idx_big/CURRENT" ]; then
    for q in 'п*' 'ц* с* п*' '"цифров* трансформац*"'; do
        measure "prefix query $q (2 GB index)" "$bin/searcher" -i "$work/idx_big" --count -k 10 -- "$q"
    done
fi
du -sh "$work/idx_big" 2>/dev/null | sed 's/^/    2 GB index size: /' | tee -a "$report"
echo "report: $report"

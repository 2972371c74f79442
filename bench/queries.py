#!/usr/bin/env python3
"""queries.py: the shared query set of the benchmarks (bench/run), drawn from the passages
every engine indexes, so each query has matches.

  queries.py PASSAGES.jsonl STOPFILE SEED PER_CLASS > QUERIES.tsv

One query a line: class TAB op TAB filter TAB words (the neutral form each harness
translates: poisk's query language, Lucene queries, Xapian's QueryParser).  Classes: or1,
or2, or3, or5, and2, and3, and5, phrase2, phrase3, prefix, section (AND of 2 words within
one section) and region (OR of 2 words within one region).  Words of a query come from one
passage (so they co-occur), phrases are adjacent content words of a passage text.
"""
import json, random, re, sys

WORD = re.compile(r"[А-Яа-яЁё]+")

def main():
    path, stopfile, seed, per = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    stop = set(w.strip() for w in open(stopfile, encoding="utf-8") if w.strip())
    rng = random.Random(seed)
    sample = []          # reservoir of passages: (words, region, section)
    cap = 5000
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f):
            if len(sample) < cap:
                sample.append(line)
            else:
                j = rng.randrange(n + 1)
                if j < cap:
                    sample[j] = line
    rows = []
    for line in sample:
        try:
            o = json.loads(line)
        except ValueError:
            continue
        words = [w.lower().replace("ё", "е") for w in WORD.findall(o.get("text", ""))]
        content = [w for w in words if len(w) >= 4 and w not in stop]
        if len(content) >= 12:
            rows.append((words, content, o.get("region") or "unknown", o.get("section") or "other"))
    rows.sort(key=lambda r: " ".join(r[1][:8]))       # reservoir order must not matter
    rng.shuffle(rows)
    out = []
    def pick(n):
        r = rng.choice(rows)
        return r, rng.sample(sorted(set(r[1])), n) if len(set(r[1])) >= n else None
    def phrase(n):
        for _ in range(100):
            r = rng.choice(rows)
            ws = r[0]
            i = rng.randrange(max(1, len(ws) - n))
            cand = ws[i:i + n]
            if len(cand) == n and all(len(w) >= 3 and w not in stop for w in cand):
                return cand
        return None
    for cls, op, n in (("or1", "OR", 1), ("or2", "OR", 2), ("or3", "OR", 3), ("or5", "OR", 5),
                       ("and2", "AND", 2), ("and3", "AND", 3), ("and5", "AND", 5)):
        for _ in range(per):
            r, ws = pick(n)
            if ws:
                out.append((cls, op, "-", ws))
    for cls, n in (("phrase2", 2), ("phrase3", 3)):
        for _ in range(per):
            ws = phrase(n)
            if ws:
                out.append((cls, "PHRASE", "-", ws))
    for _ in range(per):
        r, ws = pick(1)
        w = ws[0]
        out.append(("prefix", "PREFIX", "-", [w[:max(4, min(len(w) - 1, 6))] + "*"]))
    for _ in range(per):
        r, ws = pick(2)
        out.append(("section", "AND", "section=" + r[3], ws))
    for _ in range(per):
        r, ws = pick(2)
        out.append(("region", "OR", "region=" + r[2], ws))
    for cls, op, flt, ws in out:
        print(f"{cls}\t{op}\t{flt}\t{' '.join(ws)}")

main()

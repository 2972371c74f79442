#!/usr/bin/env python3
"""report.py: figures of bench/run -> a section of bench/RESULTS.md and gnuplot PNGs.

  report.py batch2tsv BATCH.json CLASSES.txt      searcher --batch output -> class TAB µs TAB ids
                                                  TAB total µs (µs = eval_us: the evaluation
                                                  to top-k ids, like the peers' timers; total
                                                  = took_us, with the hits' stored fields)
  report.py medtsv OUT.tsv RUN1.tsv RUN2.tsv ...  per query, the median µs over the runs' files
                                                  (ids from the first)
  report.py parts INDEX_DIR                       bytes per file kind, as JSON
  report.py render KIND RESULTS.jsonl RESULTS.md PLOTDIR

Only the section of KIND (between <!-- bench:KIND:begin --> and <!-- bench:KIND:end -->)
is replaced; every other section of RESULTS.md is kept byte for byte.
"""
import json, os, re, subprocess, sys

GROUPS = [("OR", ("or1", "or2", "or3", "or5")), ("AND", ("and2", "and3", "and5")),
          ("phrase", ("phrase2", "phrase3")), ("prefix", ("prefix",)),
          ("filtered", ("section", "region"))]
# Issue 7's goals: indexing MB/s ÷ Lucene's (1 thread) by poisk's thread count, and query p50
# latency ÷ Lucene's by class group (p99: 0.5 for OR and AND)
INDEX_GOALS = {1: 2, 2: 4}
P50_GOALS = {"OR": 0.33, "AND": 0.33, "phrase": 0.5}
# Engines run once for their top-10s only (no latency, QPS or plot): lucene-exact is
# lucene-ws with BM25 on exact lengths, the check of what the parity overlap's misses are.
OVERLAP_ONLY = ("lucene-exact",)
POISK_TERMS = ("lucene-ws", "lucene-exact")   # Lucene on poisk's analyzed terms
CLASSES = ["or1", "or2", "or3", "or5", "and2", "and3", "and5", "phrase2", "phrase3", "prefix",
           "section", "region"]


def batch2tsv(path, cls_path):
    """The batch ran the query file twice: keep the second (warm) pass."""
    classes = [l.rstrip("\n") for l in open(cls_path, encoding="utf-8")]
    objs = []
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.strip()
        if not line:
            continue
        try:
            objs.append(json.loads(line))
        except ValueError:
            continue
    n = len(classes)
    warm = objs[-n:] if len(objs) >= n else objs
    for cls, o in zip(classes, warm):
        total = o.get("took_us", o.get("took", -1))
        took = o.get("eval_us", total)
        hits = o.get("hits", [])
        ids = ",".join(str(h.get("id", "")) for h in hits if isinstance(h, dict))
        ok = "error" not in o
        print(f"{cls}\t{took if ok else -1}\t{ids}\t{total if ok else -1}")


def qps_warm(n, paths):
    """Queries per second of processes that ran the set twice at the same time: each
    process's warm (second) pass is n queries over the sum of their took_us, and the
    processes' rates add up.  This is the same warm, in-process measure as the one-thread
    QPS (and as Lucene's, whose threads share one warm JVM), so the two columns compare."""
    total = 0.0
    for path in paths:
        objs = []
        for line in open(path, encoding="utf-8", errors="replace"):
            try:
                objs.append(json.loads(line))
            except ValueError:
                continue
        us = sum(o.get("took_us", 0) for o in objs[-n:] if "error" not in o)
        if len(objs) < n or us <= 0:
            print("null")
            return
        total += n * 1e6 / us
    print(f"{total:.1f}")


def medtsv(out, paths):
    """Per query, the median latency over several runs' files (class, µs, ids[, took_us]).

    The runs are interleaved with the other engines' (bench/run), so a slow minute of the
    machine falls on every engine alike and one run's outlier does not decide a percentile.
    Ids come from the first run; a query whose ids differ between runs is counted on stderr
    (poisk's are deterministic, so any count there is a bug)."""
    runs = [[l.rstrip("\n").split("\t") for l in open(p, encoding="utf-8")] for p in paths]
    runs = [r for r in runs if r]
    if not runs:
        open(out, "w").close()
        return
    n = min(len(r) for r in runs)
    differ = 0
    with open(out, "w", encoding="utf-8") as fo:
        for i in range(n):
            rows = [r[i] for r in runs]
            first = rows[0]
            if any(len(r) > 2 and len(first) > 2 and r[2] != first[2] for r in rows):
                differ += 1
            cols = [first[0]]
            for c in (1, 3):
                if c >= len(first):
                    break
                v = [float(r[c]) for r in rows if len(r) > c and r[c] not in ("", "-1")]
                m = median(v) if len(v) == len(rows) else -1
                cols.append(str(int(round(m))) if m is not None else "-1")
                if c == 1:
                    cols.append(first[2] if len(first) > 2 else "")
            fo.write("\t".join(cols) + "\n")
    if differ:
        print(f"medtsv {out}: {differ} queries with different ids between runs", file=sys.stderr)


def parts(idx):
    """Bytes per file kind: g00000001.s05.stem.post -> stem.post (sections summed)."""
    kinds = {}
    for root, _, files in os.walk(idx):
        for f in files:
            k = re.sub(r"^g[0-9]+\.", "", f)
            k = re.sub(r"(^|\.)s[0-9]+\.", r"\1", k)
            kinds[k] = kinds.get(k, 0) + os.path.getsize(os.path.join(root, f))
    print(json.dumps(kinds, sort_keys=True))


def pct(v, p):
    if not v:
        return None
    v = sorted(v)
    i = max(0, min(len(v) - 1, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return v[i]


def median(v):
    v = sorted(x for x in v if x is not None)
    if not v:
        return None
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def load_tsv(path):
    rows = []
    if not path or not os.path.exists(path):
        return rows
    for line in open(path, encoding="utf-8"):
        p = line.rstrip("\n").split("\t")
        if len(p) < 2:
            continue
        try:
            us = int(float(p[1]))
        except ValueError:
            continue
        ids = p[2].split(",") if len(p) > 2 and p[2] else []
        rows.append((p[0], us, ids))
    return rows


def load_totals(path):
    """The 4th column of a batch2tsv file (poisk's took_us, fetch included): class, µs."""
    rows = []
    if not path or not os.path.exists(path):
        return rows
    for line in open(path, encoding="utf-8"):
        p = line.rstrip("\n").split("\t")
        if len(p) > 3:
            try:
                rows.append((p[0], int(float(p[3]))))
            except ValueError:
                pass
    return rows


def fmt(x, d=0):
    if x is None:
        return "–"
    if isinstance(x, float) and d:
        return f"{x:,.{d}f}".replace(",", " ")
    return f"{int(round(x)):,}".replace(",", " ")


def ratio(a, b, d=2):
    if a is None or b in (None, 0):
        return "–"
    return f"{a / b:.{d}f}"


def overlap(a, b):
    """Top-10 overlap of two hit lists: shared ids / the longer list (1.0 when both empty)."""
    if not a and not b:
        return 1.0
    return len(set(a) & set(b)) / max(len(a), len(b))


def mean_overlap(lat, name, engine, keep):
    """poisk's mean top-10 overlap with engine on corpus name over the queries whose class
    keep(cls) accepts; None when engine has no run of the same query set or none is kept."""
    base, other = lat.get((name, "poisk"), []), lat.get((name, engine), [])
    if not base or len(other) != len(base):
        return None
    v = [overlap(a[2], b[2]) for a, b in zip(base, other) if keep(a[0])]
    return sum(v) / len(v) if v else None


def bag_of_words(cls):
    """The parity classes: Lucene scores a phrase by its phrase frequency, poisk by the sum
    of its terms' BM25 (docs/QUERY.md), and prefixes expand differently."""
    return not cls.startswith(("prefix", "phrase"))


def round_ratios(idx, corpus):
    """Per-round poisk ÷ Lucene speed ratios of interleaved indexing runs ({1: [...], 2: [...],
    'cpu': [...]}, 1 and 2 the poisk thread counts), or None when the runs were not in rounds."""
    def rec(engine, threads):
        return next((r for r in idx if r["corpus"] == corpus and r["engine"] == engine
                     and r["threads"] == threads and r.get("rounds") == "interleaved"), None)
    l, p1, p2 = rec("lucene-russian", 1), rec("poisk", 1), rec("poisk", 2)
    if not (l and p1 and p2) or not (len(l["secs"]) == len(p1["secs"]) == len(p2["secs"])):
        return None
    def speedup(fast, slow, key="secs"):    # per round: slow's time over fast's
        return [b / a for a, b in zip(fast[key], slow[key])]
    rr = {1: speedup(p1, l), 2: speedup(p2, l), "cpu": speedup(p1, l, "cpu_s")}
    # the same rounds' builds without split-word repair (bench/run), when they all ran
    n1, n2 = rec("poisk-no-repair", 1), rec("poisk-no-repair", 2)
    if n1 and n2 and len(n1["secs"]) == len(n2["secs"]) == len(l["secs"]):
        rr["nr1"], rr["nr2"] = speedup(n1, l), speedup(n2, l)
        rr["repair"] = [1 - 1 / x for x in speedup(n1, p1)]
    return rr


def slash(vals, d=0):
    return " / ".join(fmt(v, d) for v in vals)


def decode_line(runs):
    """build/bench/decode_bench's figures (one dict per run) -> one sentence of medians."""
    def med(key, sub):
        return median([r[key][sub] for r in runs if sub in r.get(key, {})])
    gaps = sorted(runs[0]["block_mints"], key=int)
    widths = sorted(runs[0]["unpack_mints"], key=int)
    g = " / ".join(gaps)
    return (f"block at a time (the evaluator's way) {slash([med('block_mints', x) for x in gaps])} "
            f"M integers/s at mean doc gaps {g} ({slash([med('bytes_per_posting', x) for x in gaps], 2)} "
            f"bytes per posting); posting at a time {slash([med('cursor_mints', x) for x in gaps])} M "
            f"integers/s; `advance(doc + 1000)` {slash([med('advance_m', x) for x in gaps], 1)} M/s; "
            f"raw unpacking {slash([med('unpack_mints', x) for x in widths])} M integers/s at bit widths "
            f"{' / '.join(widths)} (`build/bench/decode_bench`, a posting = 2 integers)")


def render_analyzer(machine, recs):
    """The section of `bench/run analyzer`: the analyzer alone and the postings decode."""
    L = []
    w = L.append
    runs = machine.get("runs", "?")
    w(f"## `bench/run analyzer` — {machine.get('date', '?')}, commit {machine.get('commit', '?')}")
    w("")
    w(f"Machine: {machine.get('cores', '?')} cores, {machine.get('cpu', '?')}, {machine.get('mem_gb', '?')} GB RAM.  "
      f"One thread, CPU time; each figure is the median of {runs} runs (in rounds: seeds, 100M, decode).  "
      "`build/bench/analyzer_bench` (bench/analyzer_bench.c) reads the files into memory, runs the lexicon's "
      "first pass (counting the words, as the indexer's input phase does for split-word repair) and its freeze, "
      "then analyses every text once with fresh caches (cold) and again (warm) without and with repair.  On the "
      "seeds the five texts are repeated to ~100 MB, so the warm figures are the analyzer's steady state on real "
      "text; on the synthetic 100 MB corpus (bench/gen, seed 1) each text is seen once per pass, so the cold "
      "figures are what one build's analysis meets.  The indexer's whole throughput is in the quick and large "
      "sections.")
    w("")
    w("| text | MB | tokens (no repair / repair) | no repair, MB/s | repair, MB/s | lexicon pass, MB/s "
      "| repair + lexicon pass, MB/s | freeze, ms | cold pass, ms: no repair / repair |")
    w("|---|---|---|---|---|---|---|---|---|")
    ab = [r for r in recs if r["type"] == "analyzer_bench"]
    for corpus in dict.fromkeys(r["corpus"] for r in ab):
        fs = [r["figures"] for r in ab if r["corpus"] == corpus]
        m = lambda k: median([f[k] for f in fs])
        cold = lambda k: median([f["cold_ms"][k] for f in fs])
        f0 = fs[0]
        rep = f"{f0['docs']} files × {f0['rounds']}" if f0["rounds"] > 1 else f"{f0['docs']} files"
        w(f"| {corpus} ({rep}) | {f0['mb']:.1f} | {fmt(f0['tokens'])} / {fmt(f0['repair_tokens'])} "
          f"| {fmt(m('mb_s'), 1)} | {fmt(m('repair_mb_s'), 1)} | {fmt(m('lexicon_mb_s'), 1)} "
          f"| {fmt(m('both_passes_mb_s'), 1)} | {fmt(m('freeze_ms'), 1)} "
          f"| {fmt(cold('plain'), 1)} / {fmt(cold('repair'), 1)} (on {cold('mb'):.1f} MB) |")
    w("")
    dec = [r["figures"] for r in recs if r["type"] == "decode"]
    if dec:
        w(f"Postings decode, one thread: {decode_line(dec)}.  Lists of 2 M postings encoded by lib/codec.c "
          "(tf 1 three times in four); block at a time is `poisk_plist_next_block` (skip entry, unpacking or a "
          "dense block's bit set, prefix sum, tfs), posting at a time `poisk_plist_next`.")
        w("")
    return "\n".join(L)


def render(kind, results, md_path, plotdir):
    recs = [json.loads(l) for l in open(results, encoding="utf-8") if l.strip()]
    machine = next((r for r in recs if r["type"] == "machine"), {})
    if kind == "analyzer":
        write_section(md_path, kind, render_analyzer(machine, recs))
        return
    corpora = [r for r in recs if r["type"] == "corpus"]
    names = [c["corpus"] for c in corpora]
    idx = [r for r in recs if r["type"] == "index"]
    qry = [r for r in recs if r["type"] == "queries"]
    passages = {r["corpus"]: r for r in recs if r["type"] == "passages"}
    notes = [r["text"] for r in recs if r["type"] == "note"]
    L = []
    w = L.append
    w(f"## `bench/run {kind}` — {machine.get('date', '?')}, commit {machine.get('commit', '?')}")
    w("")
    w(f"Machine: {machine.get('cores', '?')} cores, {machine.get('cpu', '?')}, {machine.get('mem_gb', '?')} GB RAM. "
      f"poisk and Lucene indexing: median of {machine.get('runs', '?')} runs, in rounds (poisk 1 thread, Lucene, poisk 2 threads, "
      "poisk --no-repair on 1 and 2 threads, then again); Xapian once. "
      f"Queries: {machine.get('per_class', '?')} per class × {len(CLASSES)} classes at k = 10, drawn from the "
      "passages (bench/queries.py); latencies are in-process µs of a warm pass (poisk: the second of two in "
      "one `searcher --batch` process, eval_us = parse + evaluation to the top-k ids and scores; Lucene: the last "
      "of 5 passes in one JVM, Xapian: the second of 2, each harness's own timer around query analysis + build + "
      "search to the top-k ids, stored ids fetched after it; poisk's took_us, which adds reading the hits' stored "
      f"passages, is in the last column).  poisk and Lucene: each query's median over {machine.get('query_runs', 1)} "
      "such runs (fresh processes), interleaved poisk, Lucene, Lucene-ws, poisk, ... so that the machine's slow "
      "minutes fall on every engine alike; Xapian one run.  No engine counts the total hits (Lucene: TopScoreDocCollector with "
      "totalHitsThreshold = k, so block-max WAND prunes from the first hit; Xapian: checkatleast 0); Lucene's "
      "query cache is off (poisk has none).  Indexing: every engine's MB/s is the corpus's raw bytes over its "
      "time; the peers index poisk's passage export of the same files, decoded from JSON before their clock "
      "starts (Lucene: addDocument + forceMerge(1) + commit, serial merges, 1 GB RAM buffer, no compound files; "
      "Xapian: add_document + commit, its default flush every 10 000 passages); poisk's time is the whole `indexer` process "
      "reading the raw text, which bench/run reads into the page cache just before (untimed, as the peers' input is read before "
      "their clocks).  bench/peers/* say why for each setting.")
    w("")
    w("### Corpora")
    w("")
    w("| corpus | MB | files | passages (source) | tokens | distinct | Heaps β | distinct in first 1.5 MB | deflate-6 ratio | "
      "joins / token | unknown words / token, before → after repair | gen MB/s |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for c in corpora:
        h = c.get("heaps", {})
        p = passages.get(c["corpus"], {})
        gen = f"{c['bytes'] / 1e6 / (c['gen_ms'] / 1e3):.0f}" if c.get("gen_ms") else "–"
        rp = c.get("repair") or {}
        joins = unknown = "–"
        if rp.get("tokens"):
            joins = f"{100.0 * rp['joins'] / rp['tokens']:.1f} %"
            unknown = (f"{100.0 * rp['unknown_before'] / rp['tokens']:.1f} % → "
                       f"{100.0 * rp['unknown_after'] / rp['repaired']:.1f} %")
        w(f"| {c['corpus']} | {c['bytes'] / 1e6:.1f} | {c['files']} | {fmt(p.get('count'))} ({p.get('source', '?')}) | "
          f"{fmt(h.get('tokens'))} | {fmt(h.get('distinct'))} | {h.get('heaps_beta', '–')} | "
          f"{fmt(h.get('distinct_at_1.5MB'))} | {h.get('deflate6_ratio', '–')} | {joins} | {unknown} | {gen} |")
    w("")
    if any(c.get("repair") for c in corpora):
        w("Joins and unknown words: `bench/repair_stats -s` on evenly spaced files of about 100 MB "
          "(the whole corpus when smaller).  A join is a word split by the PDF export that repair "
          "put back together.  An unknown word is a lower-case word the dictionary (hunspell-ru) "
          "rejects, counted before and after repair.  Each unknown word is a piece that repair "
          "asks about with its neighbours.  (The synthetic text has about twice the seeds' rate "
          "after repair; a generator whose new words were real words left repair's cost at 1 GB "
          "unchanged: bench/NOTES.md, the lead's note of the seventeenth session.)")
        w("")
    w("### Indexing")
    w("")
    w("MB/s is the corpus's bytes over wall time (median run); MB per CPU-s is the same bytes over user + "
      "system CPU time (poisk: the whole process; peers: the timed phase, all threads, JIT and GC included), "
      "which is steadier on a loaded machine; load is the 1-minute load average when the measurement ended.")
    w("")
    w("| corpus | engine | threads | MB/s (median) | runs, s | MB per CPU-s | load | peak RSS MB | index MB | index / input | poisk MB/s ÷ engine's |")
    w("|---|---|---|---|---|---|---|---|---|---|---|")
    speed = {}
    for r in idx:
        s = median(r["secs"])
        mbs = r["input_bytes"] / 1e6 / s if s else None
        speed[(r["corpus"], r["engine"], r["threads"])] = mbs
        r["_mbs"] = mbs
    for r in idx:
        base = speed.get((r["corpus"], "poisk", 1))
        rel = ratio(base, r["_mbs"]) if r["engine"] != "poisk" else "–"
        cpu = median(r.get("cpu_s", []))
        w(f"| {r['corpus']} | {r['engine']} | {r['threads']} | {fmt(r['_mbs'], 1)} | "
          f"{' / '.join(f'{x:.2f}' for x in r['secs'])} | "
          f"{fmt(r['input_bytes'] / 1e6 / cpu, 1) if cpu else '–'} | {r.get('load', '–')} | {fmt(max(r['rss_kb']) / 1024)} | "
          f"{r['index_bytes'] / 1e6:.1f} | {100.0 * r['index_bytes'] / r['input_bytes']:.1f} % | {rel} |")
    w("")
    for n in names:
        rr = round_ratios(idx, n)
        if rr:
            w(f"Rounds ({n}): the runs went poisk 1 thread, Lucene, poisk 2 threads, then again, so that each "
              "round's ratio is measured in the same minutes.  poisk MB/s ÷ Lucene's per round: 1 thread "
              f"{' / '.join(f'{x:.2f}' for x in rr[1])} (median {median(rr[1]):.2f}×), 2 threads "
              f"{' / '.join(f'{x:.2f}' for x in rr[2])} (median {median(rr[2]):.2f}×); by CPU time, 1 thread "
              f"{' / '.join(f'{x:.2f}' for x in rr['cpu'])} (median {median(rr['cpu']):.2f}×).")
            w("")
            if "nr1" in rr:
                w(f"Without split-word repair (`indexer --no-repair`, built last in each round; Lucene does no "
                  f"such repair): poisk MB/s ÷ Lucene's, 1 thread {' / '.join(f'{x:.2f}' for x in rr['nr1'])} "
                  f"(median {median(rr['nr1']):.2f}×), 2 threads {' / '.join(f'{x:.2f}' for x in rr['nr2'])} "
                  f"(median {median(rr['nr2']):.2f}×).  Repair's share of the one-thread build: "
                  f"{' / '.join(f'{100 * x:.0f} %' for x in rr['repair'])} (median {100 * median(rr['repair']):.0f} %).")
                w("")
    pairs = [r for r in recs if r["type"] == "index_pair"]
    if pairs:
        w("Two one-thread poisk builds of the same corpus at once (one run), sharing nothing but the hardware: "
          "what a busy second core costs each build.  CPU is each build's user + system time; \"each costs\" "
          "compares it with the one-thread build's median above; the two-thread build's MB/s is compared with "
          "the pair's together (it does the shared work, the freeze of the word counts, once).")
        w("")
        for r in pairs:
            together = 2 * r["input_bytes"] / 1e6 / max(r["secs"])
            one = next((x for x in idx if x["corpus"] == r["corpus"] and x["engine"] == "poisk"
                        and x["threads"] == 1), None)
            two = speed.get((r["corpus"], "poisk", 2))
            alone = median(one.get("cpu_s", [])) if one else None
            extra = (f"; each costs {100.0 * (median(r['cpu_s']) / alone - 1):+.0f} % CPU over a lone build"
                     if alone else "")
            vs2 = f"; the two-thread build: {two:.1f} MB/s ({100.0 * two / together:.0f} %)" if two else ""
            w(f"- {r['corpus']}: {' / '.join(f'{x:.2f}' for x in r['secs'])} s, "
              f"{together:.1f} MB/s together{extra}{vs2}")
        w("")
    ph = [r for r in idx if r["engine"] in ("poisk", "poisk-no-repair") and r.get("phases")]
    if ph:
        w("poisk's phases, wall seconds (median of its runs; `indexer -v`): input (read, parse, "
          "count the words), freeze (plan the ids, freeze the split-word lexicon), inversion "
          "(analyse, invert, compress the store), merge (runs into the index files, publish):")
        w("")
        for r in ph:
            m = [median([run[i] for run in r["phases"]]) for i in range(4)]
            nr = " (--no-repair)" if r["engine"] != "poisk" else ""
            w(f"- {r['corpus']}{nr}, {r['threads']} thread{'s' if r['threads'] > 1 else ''}: input {m[0]:.2f}, "
              f"freeze {m[1]:.2f}, inversion {m[2]:.2f}, merge {m[3]:.2f}")
        w("")
    pp = [r for r in idx if r["engine"] == "poisk" and r.get("parts") and r["threads"] == 1]
    if pp:
        w("poisk index by file kind (share of input):")
        w("")
        for r in pp:
            parts_s = ", ".join(f"{k} {v / 1e6:.1f} MB ({100.0 * v / r['input_bytes']:.1f} %)"
                                for k, v in sorted(r["parts"].items(), key=lambda kv: -kv[1]))
            w(f"- {r['corpus']}: {parts_s}")
        w("")
    blocks = [r for r in recs if r["type"] in ("analyzer", "decode")]
    if blocks:
        w("### Building blocks (one thread)")
        w("")
        for r in blocks:
            if r["type"] == "analyzer":
                f = r["figures"]
                w(f"- {r['corpus']}: analyzer {f['mb_s']} MB/s without repair, {f['repair_mb_s']} MB/s with "
                  f"split-word repair (+ lexicon pass {f['lexicon_mb_s']} MB/s), on {f['bytes'] / 1e6:.1f} MB, "
                  f"{fmt(f['tokens'])} tokens (`build/bench/terms --speed`)")
            elif "figures" in r:
                w(f"- postings decode: {decode_line([r['figures']])}")
        w("")
    w("### Query latency (µs, k = 10)")
    w("")
    engines = []   # timed engines; the overlap table also has the checks
    checks = []
    for r in qry:
        group = checks if r["engine"] in OVERLAP_ONLY else engines
        if r["engine"] not in group:
            group.append(r["engine"])
    lat = {}
    for r in qry:
        lat[(r["corpus"], r["engine"])] = load_tsv(r["file"])
    totals = {r["corpus"]: load_totals(r["file"]) for r in qry if r["engine"] == "poisk"}
    hdr = "| corpus | class | " + " | ".join(f"{e} p50 / p95 / p99" for e in engines) + \
          " | poisk ÷ lucene p50 / p99 | poisk took_us (with fetch) p50 / p99 |"
    w(hdr)
    w("|" + "---|" * (4 + len(engines)))
    for name in names:
        for g, members in [("all", tuple(CLASSES))] + GROUPS:
            cells, p = [], {}
            for e in engines:
                v = [us for c, us, _ in lat.get((name, e), []) if c in members and us >= 0]
                p[e] = (pct(v, 50), pct(v, 95), pct(v, 99))
                cells.append(" / ".join(fmt(x) for x in p[e]) if v else "–")
            lr = "–"
            if "poisk" in p and "lucene-russian" in p:
                lr = f"{ratio(p['poisk'][0], p['lucene-russian'][0])} / {ratio(p['poisk'][2], p['lucene-russian'][2])}"
            tv = [us for c, us in totals.get(name, []) if c in members and us >= 0]
            tot = f"{fmt(pct(tv, 50))} / {fmt(pct(tv, 99))}" if tv else "–"
            if any(c != "–" for c in cells):
                w(f"| {name} | {g} | " + " | ".join(cells) + f" | {lr} | {tot} |")
    w("")
    w("### Throughput, memory and start-up of the query side")
    w("")
    w("| corpus | engine | QPS 1 thread | QPS 2 threads | RSS after the query set MB | start-up (open + first query) ms | load |")
    w("|---|---|---|---|---|---|---|")
    for r in (r for r in qry if r["engine"] not in OVERLAP_ONLY):
        rows = lat.get((r["corpus"], r["engine"]), [])
        tot = sum(us for _, us, _ in rows if us >= 0)
        if r["engine"] == "poisk" and totals.get(r["corpus"]):
            tot = sum(us for _, us in totals[r["corpus"]] if us >= 0)   # QPS with the fetch
        h = r.get("harness", {})
        qps1 = h.get("qps_1") or (len(rows) * 1e6 / tot if tot else None)
        qps2 = r.get("qps_2") or h.get("qps_2")
        st = median(r.get("startup_ms", [])) if r.get("startup_ms") else h.get("first_query_ms")
        w(f"| {r['corpus']} | {r['engine']} | {fmt(qps1)} | {fmt(qps2)} | {fmt(r.get('rss_kb', 0) / 1024)} | "
          f"{fmt(st, 1) if isinstance(st, float) else fmt(st)} | {r.get('load', '–')} |")
    w("")
    w("QPS: queries over the summed latencies of a warm pass (poisk: took_us, with the fetch); on 2 "
      "threads poisk runs two processes at once and adds their warm passes' rates, Lucene spreads the "
      "set over two threads of its warm JVM.  Start-up: poisk is a fresh `searcher` process (exec, "
      "open, one query; median of 5); the peers' figure is open + first query inside an already "
      "started JVM / process.")
    w("")
    w("### Top-10 overlap with Lucene")
    w("")
    w("`lucene-ws` indexes poisk's own analyzed terms (bench/terms, split at blanks, poisk's alternatives "
      "at one position stacked there; same BM25 k1 = 1.2, b = 0.75) and asks poisk's query terms (an "
      "abbreviation's stem as an alternative, as the searcher adds it): its overlap checks poisk's ranking "
      "itself (only Lucene's length approximations differ: one-byte norms, and an average length that "
      "also counts the alternatives).  `lucene-exact` is the same index and queries under a BM25 that "
      "keeps each passage's exact length and takes poisk's average (bench/peers/LuceneBench.java, "
      "ExactBM25; run once, no latency): what is left of the misses without those approximations.  "
      "`lucene-russian` uses Lucene's own analysis; `xapian` its own.  Prefix queries "
      "are left out of parity (poisk expands exact forms, Lucene stems).")
    w("")
    others = [e for e in engines if e != "poisk"] + checks
    w("Phrases are not a parity check: Lucene scores a phrase by its phrase frequency, poisk by the "
      "sum of the BM25 of its terms.  Equal scores: poisk ranks them by passage number (region, then "
      "document order), Lucene by doc id; `lucene-ws` adds the passages in poisk's order so that its "
      "ties break alike, the other peers in export order, and the synthetic corpus has many "
      "equal-scoring passages (recurring federal project rows), so their overlap < 1 does not by "
      "itself mean a different score.")
    w("")
    w("| corpus | class | " + " | ".join(f"poisk ∩ {e}" for e in others) + " |")
    w("|" + "---|" * (2 + len(others)))
    for name in names:
        if not lat.get((name, "poisk")):
            continue
        for cls in CLASSES + ["all"]:
            keep = (lambda c: c != "prefix") if cls == "all" else (lambda c, cls=cls: c == cls)
            cells = []
            for e in others:
                m = None if e in POISK_TERMS and cls == "prefix" else mean_overlap(lat, name, e, keep)
                cells.append("–" if m is None else f"{m:.3f}")
            w(f"| {name} | {cls} | " + " | ".join(cells) + " |")
    w("")
    growth(w, names, idx, lat, speed)
    targets(w, names, lat, speed, idx, qry)
    for n in notes:
        w(f"Note: {n}")
        w("")
    plots = make_plots(kind, names, engines, lat, idx, corpora, plotdir, os.path.dirname(os.path.abspath(results)))
    if plots:
        w("### Plots")
        w("")
        for title, path in plots:
            w(f"- [{title}]({os.path.relpath(path, os.path.dirname(md_path))})")
        w("")
    write_section(md_path, kind, "\n".join(L))


GROWTH_DROP = 0.9   # a larger corpus's MB/s below this share of a smaller one's is called out


def growth(w, names, idx, lat, speed):
    """How poisk's costs grow with the corpus (the issue asks that they grow linearly): MB/s
    per size, each phase's seconds per GB, and the query latency against the size.  Corpora
    under 50 MB are left out: start-up, not the text, sets their cost."""
    def one(n, t):
        return next((r for r in idx if r["corpus"] == n and r["engine"] == "poisk" and r["threads"] == t), None)
    sizes = [n for n in names if one(n, 1) and one(n, 1)["input_bytes"] >= 50e6]
    if len(sizes) < 2:
        return
    def mbs(n, t):
        return speed.get((n, "poisk", t))
    def per_gb(r):
        return [median([run[i] for run in r["phases"]]) * 1e9 / r["input_bytes"] for i in range(4)]
    def p50(n):
        v = [us for c, us, _ in lat.get((n, "poisk"), []) if us >= 0]
        return pct(v, 50)
    w("### Cost against corpus size (poisk)")
    w("")
    w("Linear cost means a flat MB/s and flat seconds per GB in every phase, and a query latency "
      "that grows no faster than the corpus.")
    w("")
    w("| corpus | MB | MB/s, 1 thread | MB/s, 2 threads | s per GB, 1 thread: input / freeze / inversion / merge | "
      "query p50, all classes (µs) |")
    w("|---|---|---|---|---|---|")
    for n in sizes:
        r1 = one(n, 1)
        ph = " / ".join(f"{x:.2f}" for x in per_gb(r1)) if r1.get("phases") else "–"
        w(f"| {n} | {r1['input_bytes'] / 1e6:.0f} | {fmt(mbs(n, 1), 1)} | {fmt(mbs(n, 2), 1)} | {ph} | {fmt(p50(n))} |")
    w("")
    a, b = sizes[-2], sizes[-1]
    x = one(b, 1)["input_bytes"] / one(a, 1)["input_bytes"]
    says = [f"From {a} to {b} ({x:.1f}× the input): MB/s on 1 thread ×{mbs(b, 1) / mbs(a, 1):.2f}"]
    if mbs(a, 2) and mbs(b, 2):
        says.append(f"on 2 threads ×{mbs(b, 2) / mbs(a, 2):.2f}")
    if p50(a) and p50(b):
        says.append(f"query p50 ×{p50(b) / p50(a):.2f}")
    label = ("input", "freeze", "inversion", "merge")
    slower = []
    for t in (1, 2):
        ra, rb = one(a, t), one(b, t)
        if not (ra and rb and ra.get("phases") and rb.get("phases")) or mbs(b, t) >= GROWTH_DROP * mbs(a, t):
            continue
        pa, pb = per_gb(ra), per_gb(rb)
        grew = sorted(range(4), key=lambda i: pa[i] - pb[i])[:2]
        slower.append(f"  Not linear on {t} thread{'s' if t > 1 else ''}: per GB, the {label[grew[0]]} phase "
                      f"took {pb[grew[0]]:.2f} s against {pa[grew[0]]:.2f} s, the {label[grew[1]]} phase "
                      f"{pb[grew[1]]:.2f} s against {pa[grew[1]]:.2f} s.")
    if slower:
        slower.append("  docs/ARCHITECTURE.md (the index writer) says what grows faster than the input.")
    w(", ".join(says) + "." + "".join(slower))
    w("")


def targets(w, names, lat, speed, idx, qry):
    """The issue's targets on the largest corpus that has both poisk and Lucene figures."""
    both = [n for n in names if lat.get((n, "poisk")) and lat.get((n, "lucene-russian"))]
    if not both:
        return
    n = both[-1]
    rows = []
    parity_behind = None
    def check(what, value, ok, goal):
        rows.append(f"| {what} | {value} | {goal} | {'yes' if ok else '**no**'} |")
    p1, p2, l1 = speed.get((n, "poisk", 1)), speed.get((n, "poisk", 2)), speed.get((n, "lucene-russian", 1))
    rr = round_ratios(idx, n)
    if rr:   # the steadier figure: each round's ratio is measured in the same minutes
        check("indexing MB/s, 1 thread, poisk ÷ Lucene (median of the rounds' ratios)",
              f"{median(rr[1]):.2f}× (medians' ratio {p1 / l1:.2f}×)", median(rr[1]) >= INDEX_GOALS[1],
              f"≥ {INDEX_GOALS[1]}×")
        check("indexing MB/s, 2 threads, poisk ÷ Lucene (1 thread; median of the rounds' ratios)",
              f"{median(rr[2]):.2f}× (medians' ratio {p2 / l1:.2f}×)", median(rr[2]) >= INDEX_GOALS[2],
              f"≥ {INDEX_GOALS[2]}×")
        for t in INDEX_GOALS:   # the same goals read with repair off, as Lucene has none
            nr = rr.get(f"nr{t}")
            if nr:
                check(f"the same, {t} thread{'s' if t > 1 else ''}, poisk `--no-repair` (Lucene repairs no "
                      "split words)",
                      f"{median(nr):.2f}×", median(nr) >= INDEX_GOALS[t], f"≥ {INDEX_GOALS[t]}×")
    else:
        if p1 and l1:
            check("indexing MB/s, 1 thread, poisk ÷ Lucene", f"{p1 / l1:.2f}×", p1 / l1 >= INDEX_GOALS[1],
                  f"≥ {INDEX_GOALS[1]}×")
        if p2 and l1:
            check("indexing MB/s, 2 threads, poisk ÷ Lucene (1 thread)", f"{p2 / l1:.2f}×",
                  p2 / l1 >= INDEX_GOALS[2], f"≥ {INDEX_GOALS[2]}×")
    pi = next((r for r in idx if r["corpus"] == n and r["engine"] == "poisk" and r["threads"] == 1), None)
    li = next((r for r in idx if r["corpus"] == n and r["engine"] == "lucene-russian"), None)
    if pi and li and pi.get("cpu_s") and li.get("cpu_s"):
        pc = pi["input_bytes"] / median(pi["cpu_s"])
        lc = li["input_bytes"] / median(li["cpu_s"])
        check("indexing MB per CPU-second, 1 thread, poisk ÷ Lucene (load-robust)", f"{pc / lc:.2f}×", pc / lc >= 2, "≥ 2×")
    if pi:
        share = pi["index_bytes"] / pi["input_bytes"]
        check("poisk index incl. passage store ÷ input", f"{100 * share:.1f} %", share <= 0.45, "≤ 45 %")
        if li:
            pr = pi.get("parts") or {}
            stem = sum(v for k, v in pr.items() if k.startswith("stem."))
            check("poisk stem index (stem dict + postings + positions) ÷ Lucene's whole index",
                  f"{stem / 1e6:.1f} MB ÷ {li['index_bytes'] / 1e6:.1f} MB = {stem / li['index_bytes']:.2f}",
                  stem <= li["index_bytes"], "≤ 1")
    def q(engine, members, p):
        v = [us for c, us, _ in lat.get((n, engine), []) if c in members and us >= 0]
        return pct(v, p)
    for g, members in GROUPS[:3]:
        a50, b50 = q("poisk", members, 50), q("lucene-russian", members, 50)
        a99, b99 = q("poisk", members, 99), q("lucene-russian", members, 99)
        if a50 is None or not b50:
            continue
        goal50 = P50_GOALS[g]
        # three decimals: at two, a ratio just above its goal reads as the goal itself
        check(f"{g} p50 latency, poisk ÷ Lucene", f"{a50 / b50:.3f}", a50 / b50 <= goal50, f"≤ {goal50}")
        if g in ("OR", "AND") and b99:
            check(f"{g} p99 latency, poisk ÷ Lucene", f"{a99 / b99:.3f}", a99 / b99 <= 0.5, "≤ 0.5")
    m = mean_overlap(lat, n, "lucene-ws", bag_of_words)
    if m is not None:
        exact = mean_overlap(lat, n, "lucene-exact", bag_of_words)
        check("BM25 parity: top-10 overlap with Lucene on poisk's terms (OR, AND, filtered)",
              f"{m:.3f}" + (f" (exact lengths: {exact:.3f})" if exact is not None else ""), m >= 0.95, "≥ 0.95")
        if m < 0.95:
            parity_behind = (m, exact)
    pq = next((r for r in qry if r["corpus"] == n and r["engine"] == "poisk"), None)
    if pq and pq.get("startup_ms"):
        st = median(pq["startup_ms"])
        check("searcher start-up (process, open + first query)", f"{st:.1f} ms", st < 20, "< 20 ms (on 1 GB)")
    w(f"### Targets of issue 7 ({n} corpus)")
    w("")
    w("| target | measured | goal | met |")
    w("|---|---|---|---|")
    for r in rows:
        w(r)
    w("")
    behind(w, n, rr, q, parity_behind)


def behind(w, n, rr, q, parity=None):
    """Where poisk is behind Lucene in this run and what the run itself says about why: the
    indexing targets against the same rounds' builds without split-word repair, the latency
    targets with both engines' figures, and every query class where poisk is the slower."""
    items = []
    if rr:
        for t, goal in INDEX_GOALS.items():
            r = median(rr[t])
            if r >= goal:
                continue
            why = ""
            nr = rr.get(f"nr{t}")
            if nr:
                why = (f"  The same rounds' builds without split-word repair (`--no-repair`): "
                       f"{median(nr):.2f}×")
                if t == 1:
                    why += (f"; repair took {100 * median(rr['repair']):.0f} % of the one-thread build "
                            "(median of the rounds)")
                why += "."
                if not items:   # said once
                    why += ("  Lucene repairs nothing; it indexes poisk's passage export, already "
                            "parsed, while poisk's time also reads the raw text, finds the "
                            "document model and counts the words repair needs.")
            items.append(f"Indexing on {t} thread{'s' if t > 1 else ''}: {r:.2f}× Lucene (1 thread) "
                         f"against ≥ {goal}×.{why}")
    for g, members in GROUPS[:3]:
        a, b = q("poisk", members, 50), q("lucene-russian", members, 50)
        goal = P50_GOALS[g]
        if a is not None and b and a / b > goal:
            items.append(f"{g} p50: {a / b:.3f} of Lucene's against ≤ {goal} (poisk {fmt(a)} µs, "
                         f"Lucene {fmt(b)} µs).")
    if parity:
        m, exact = parity
        why = ""
        if exact is not None:
            why = (f"  The same index and queries under BM25 with exact lengths (`lucene-exact`): "
                   f"{exact:.3f}")
            why += (", so the misses are Lucene's length approximations, not poisk's ranking."
                    if exact >= 0.99 else ".")
        items.append(f"BM25 parity: {m:.3f} against ≥ 0.95.{why}")
    for g, members in GROUPS:
        a, b = q("poisk", members, 50), q("lucene-russian", members, 50)
        if a is None or not b or a <= b:
            continue
        why = ""
        if g == "prefix":
            why = ("  Lucene 8's PrefixQuery gives every match the same score (constant-score "
                   "rewrite), so it ranks nothing; poisk ranks the matches by BM25 over every "
                   "matching stem (docs/QUERY.md).")
        items.append(f"{g} queries: poisk's p50 {fmt(a)} µs, Lucene's {fmt(b)} µs ({a / b:.2f}×).{why}")
    w(f"### Where poisk is behind ({n} corpus, this run)")
    w("")
    if not items:
        w("Nowhere: poisk meets every target above and answers every query class faster than Lucene.")
    for i in items:
        w(f"- {i}")
    w("")


def make_plots(kind, names, engines, lat, idx, corpora, plotdir, datadir):
    os.makedirs(plotdir, exist_ok=True)
    os.makedirs(datadir, exist_ok=True)
    out = []
    if not names or subprocess.run(["sh", "-c", "command -v gnuplot"], capture_output=True).returncode:
        return out
    big = names[-1]
    series = []
    for e in engines:
        v = sorted(us for _, us, _ in lat.get((big, e), []) if us > 0)
        if not v:
            continue
        dat = os.path.join(datadir, f"latency_{big}_{e}.dat")
        with open(dat, "w") as f:
            for i, us in enumerate(v):
                f.write(f"{us} {(i + 1) / len(v):.4f}\n")
        series.append((e, dat))
    if series:
        png = os.path.join(plotdir, f"{kind}_latency.png")
        cmds = [f"set terminal png size 900,560", f"set output '{png}'", "set logscale x",
                f"set title 'Query latency distribution, {big} corpus, k = 10 (all classes)'",
                "set xlabel 'latency, µs (log)'", "set ylabel 'share of queries'", "set key bottom right",
                "set grid",
                "plot " + ", ".join(f"'{d}' using 1:2 with lines lw 2 title '{e}'" for e, d in series)]
        subprocess.run(["gnuplot"], input="\n".join(cmds), text=True, capture_output=True)
        out.append((f"query latency CDF per engine ({big})", png))
    size = {c["corpus"]: c["bytes"] / 1e6 for c in corpora}
    tp = {}
    for r in idx:
        if r.get("_mbs"):
            tp.setdefault(f"{r['engine']} {r['threads']}t", []).append((size.get(r["corpus"], 0), r["_mbs"]))
    if tp:
        png = os.path.join(plotdir, f"{kind}_throughput.png")
        files = []
        for k, pts in tp.items():
            dat = os.path.join(datadir, f"throughput_{k.replace(' ', '_')}.dat")
            with open(dat, "w") as f:
                for x, y in sorted(pts):
                    f.write(f"{x} {y}\n")
            files.append((k, dat))
        cmds = [f"set terminal png size 900,560", f"set output '{png}'", "set logscale x",
                "set title 'Indexing throughput against corpus size'", "set xlabel 'corpus, MB (log)'",
                "set ylabel 'MB of input per second'", "set grid", "set key outside right",
                "plot " + ", ".join(f"'{d}' using 1:2 with linespoints lw 2 title '{k}'" for k, d in files)]
        subprocess.run(["gnuplot"], input="\n".join(cmds), text=True, capture_output=True)
        out.append(("indexing MB/s against corpus size", png))
    return out


def write_section(md_path, kind, body):
    begin, end = f"<!-- bench:{kind}:begin -->", f"<!-- bench:{kind}:end -->"
    text = open(md_path, encoding="utf-8").read() if os.path.exists(md_path) else (
        "# Benchmark results\n\nEach kind of run writes only its own section, between its markers "
        "(`make bench` → quick, `make bench-large` → large, `make bench-analyzer` → analyzer; the server "
        "load test, bench/load.sh, has its own).  How to reproduce: `make bench`, `make bench-large`; the raw figures of "
        "the last run are in var/bench/KIND/results.jsonl.\n")
    block = f"{begin}\n{body}\n{end}"
    if begin in text and end in text:
        i, j = text.index(begin), text.index(end) + len(end)
        text = text[:i] + block + text[j:]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    with open(md_path, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "batch2tsv":
        batch2tsv(sys.argv[2], sys.argv[3])
    elif cmd == "qps_warm":
        qps_warm(int(sys.argv[2]), sys.argv[3:])
    elif cmd == "medtsv":
        medtsv(sys.argv[2], sys.argv[3:])
    elif cmd == "parts":
        parts(sys.argv[2])
    elif cmd == "render":
        render(*sys.argv[2:6])
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)

/*
 * LuceneBench: the Lucene 8 peer of the benchmarks (bench/run).  It indexes the passages
 * poisk exports (`indexer --dump-structure`, JSON lines) and answers the shared query set,
 * printing per-query latency and top-10 ids, so that every engine is timed on the same
 * units and the same questions.
 *
 *   java LuceneBench index  PASSAGES.jsonl DIR russian|ws|exact
 *       russian: field "text" with RussianAnalyzer (Lucene's own analysis);
 *       ws:      field "terms" (poisk's analyzed terms, bench/terms) split at blanks; a
 *                token a|b is a at its position and b at the same one (poisk's
 *                alternatives: a compound's glued whole, an abbreviation's stem),
 *                which BM25Similarity's default discountOverlaps leaves out of the
 *                length, as poisk counts positions;
 *                for BM25 parity.  The passages are added in poisk's passage order
 *                (region slug, then export order; with preparse, the default) and
 *                merged by LogDocMergePolicy, which keeps that order as doc ids, so that
 *                equal scores rank as poisk ranks them (poisk by passage number, Lucene
 *                by doc id).
 *       exact:   ws under ExactBM25 (BM25 as poisk computes it, on exact lengths): what
 *                the ws overlap would be without Lucene's length approximations.
 *       BM25Similarity(1.2, 0.75) but in exact, one segment (forceMerge(1)), serial
 *       merges, no stored text (only the id).  Prints one JSON line.
 *   java LuceneBench search DIR russian|ws|exact QUERIES.tsv K THREADS REPEAT OUT.tsv
 *       QUERIES.tsv: class TAB op(OR|AND|PHRASE|PREFIX) TAB filter(-|region=x|section=x) TAB words.
 *       Runs the set REPEAT times on one thread (the last pass is reported: warm), then once
 *       spread over THREADS threads for QPS.  OUT.tsv: class TAB µs TAB id,id,...
 *       Prints one JSON line with the QPS figures.
 *   java LuceneBench audit DIR russian|ws|exact QUERIES.tsv K PASSES
 *       The harness audit (bench/RESULTS.md, "benchaudit"): the set under four settings
 *       (totalHitsThreshold 1000 = Lucene 8's default or K; query cache on or off) in
 *       interleaved passes in one JVM, after one warm-up pass each, and query analysis + build
 *       alone; prints per group p50 / p99 of each query's median over the passes, in µs.
 *
 * What is timed, and why (bench/RESULTS.md, "benchaudit", has the measurements behind each):
 * - Indexing ("secs"): IndexWriter work only: addDocument of every passage, forceMerge(1)
 *   and commit, like poisk's indexer whose output is one merged index.  The JSON lines are
 *   read and decoded BEFORE the clock starts ("parse_secs" reports that separately): JSON
 *   decoding is this harness's job, not Lucene's (poisk reads its own raw text instead).
 *   No compound files (a flushed segment is not copied again into .cfs), a 1 GB RAM buffer
 *   (fewer flushed segments to merge; Lucene's default of 16 MB flushes every few thousand
 *   passages), merges on the indexing thread (SerialMergeScheduler: one thread, like
 *   `indexer --threads 1`).  -Dlucene.cfs=true, -Dlucene.ram=MB, -Dlucene.preparse=false
 *   restore the earlier settings for comparison.
 * - Queries: the timer covers query analysis + build + search to the top-k doc ids and
 *   scores (poisk's eval_us covers parse + evaluation to the top-k ids and scores); stored
 *   ids are fetched after it.  Top-k collection counts no total (TopScoreDocCollector with
 *   totalHitsThreshold = K): poisk counts no total either, and Lucene 8's default of 1000
 *   (IndexSearcher.search(q, n)) makes block-max WAND score the first 1000 hits exhaustively.
 *   The query cache is off (poisk has none, and a repeated set would let Lucene cache the
 *   filter clauses).  -Dlucene.threshold=N and -Dlucene.cache=true restore the defaults.
 *   One IndexSearcher over one MMapDirectory reader (FSDirectory.open on 64-bit Linux).
 */
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.core.WhitespaceTokenizer;
import org.apache.lucene.analysis.ru.RussianAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;
import org.apache.lucene.document.*;
import org.apache.lucene.index.*;
import org.apache.lucene.search.*;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.search.similarities.Similarity;
import org.apache.lucene.store.FSDirectory;

public class LuceneBench {
    /* ---- a minimal JSON reader for flat objects (strings, numbers, arrays, null) ---- */
    static final class Json {
        final String s; int i;
        Json(String s) { this.s = s; }
        void ws() { while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++; }
        Object value() {
            ws();
            char c = s.charAt(i);
            if (c == '"') return str();
            if (c == '{') { Map<String, Object> m = new HashMap<>(); i++; ws();
                if (s.charAt(i) == '}') { i++; return m; }
                for (;;) { ws(); String k = str(); ws(); i++; m.put(k, value()); ws();
                    if (s.charAt(i++) == '}') return m; } }
            if (c == '[') { List<Object> l = new ArrayList<>(); i++; ws();
                if (s.charAt(i) == ']') { i++; return l; }
                for (;;) { l.add(value()); ws(); if (s.charAt(i++) == ']') return l; } }
            int j = i;
            while (i < s.length() && ",}] \t\n".indexOf(s.charAt(i)) < 0) i++;
            String t = s.substring(j, i);
            return t.equals("null") ? null : t;
        }
        String str() {
            i++;
            int j = i;   /* the usual string has no escapes: one substring */
            while (s.charAt(j) != '"' && s.charAt(j) != '\\') j++;
            if (s.charAt(j) == '"') { String t = s.substring(i, j); i = j + 1; return t; }
            StringBuilder b = new StringBuilder(s.substring(i, j));
            i = j;
            for (;;) {
                char c = s.charAt(i++);
                if (c == '"') return b.toString();
                if (c != '\\') { b.append(c); continue; }
                char e = s.charAt(i++);
                switch (e) {
                    case 'n': b.append('\n'); break; case 't': b.append('\t'); break;
                    case 'r': b.append('\r'); break; case 'b': b.append('\b'); break;
                    case 'f': b.append('\f'); break;
                    case 'u': b.append((char) Integer.parseInt(s.substring(i, i + 4), 16)); i += 4; break;
                    default: b.append(e);
                }
            }
        }
    }

    /* bench/terms writes the alternatives at one position as a|b: a stays, b follows at
     * the same position (increment 0). */
    static final class AltSplitFilter extends TokenFilter {
        private final CharTermAttribute term = addAttribute(CharTermAttribute.class);
        private final PositionIncrementAttribute inc = addAttribute(PositionIncrementAttribute.class);
        private final ArrayDeque<String> pending = new ArrayDeque<>();
        AltSplitFilter(TokenStream in) { super(in); }
        @Override public boolean incrementToken() throws IOException {
            if (!pending.isEmpty()) {
                /* the offsets stay the token's own: they must not go backwards */
                term.setEmpty().append(pending.poll());
                inc.setPositionIncrement(0);
                return true;
            }
            if (!input.incrementToken()) return false;
            String t = term.toString();
            if (t.indexOf('|') < 0) return true;
            String[] alts = t.split("\\|");
            term.setEmpty().append(alts[0]);
            for (int i = 1; i < alts.length; i++) if (!alts[i].isEmpty()) pending.add(alts[i]);
            return true;
        }
        @Override public void reset() throws IOException { super.reset(); pending.clear(); }
    }

    /* ws and exact index poisk's terms; exact differs only in its BM25 (ExactBM25). */
    static boolean poiskTerms(String mode) { return mode.equals("ws") || mode.equals("exact"); }

    static Analyzer analyzer(String mode) {
        if (!poiskTerms(mode)) return new RussianAnalyzer();
        return new Analyzer() {
            @Override protected TokenStreamComponents createComponents(String f) {
                Tokenizer src = new WhitespaceTokenizer();
                return new TokenStreamComponents(src, new AltSplitFilter(src));
            }
        };
    }
    static String field(String mode) { return poiskTerms(mode) ? "terms" : "text"; }

    /*
     * BM25 as poisk computes it (docs/QUERY.md), for the exact mode: a passage's length is kept
     * exactly as its norm (positions, alternatives at one position not counted) where
     * BM25Similarity keeps one byte (SmallFloat.intToByte4: exact below 24, then 4
     * significant bits of the rest, so up to ~1/8 low), and the average length is that of those norms, where BM25Similarity divides
     * the field's sumTotalTermFreq, which counts the alternatives too.  idf and N as poisk's
     * (N = every passage).  It only checks what the ws overlap leaves open: that the top-10s
     * differ by Lucene's length approximations alone.  Scores fall as the norm grows, as
     * Lucene's impacts (block-max WAND) require.
     */
    static final float K1 = 1.2f, B = 0.75f;   /* poisk's defaults (searcher --k1, --b) */

    static final class ExactBM25 extends Similarity {
        final double k1 = K1, b = B, avgdl;
        ExactBM25(double avgdl) { this.avgdl = avgdl; }
        @Override public long computeNorm(FieldInvertState st) { return st.getLength() - st.getNumOverlap(); }
        @Override public SimScorer scorer(float boost, CollectionStatistics c, TermStatistics... terms) {
            double idf = 0;
            for (TermStatistics t : terms)
                idf += Math.log(1 + (c.maxDoc() - t.docFreq() + 0.5) / (t.docFreq() + 0.5));
            final double weight = boost * idf * (k1 + 1);
            return new SimScorer() {
                @Override public float score(float freq, long norm) {
                    return (float) (weight * freq / (freq + k1 * (1 - b + b * norm / avgdl)));
                }
            };
        }
    }

    /* The mean of the field's exact lengths (ExactBM25's norms) over every document. */
    static double meanNorm(IndexReader r, String f) throws IOException {
        double sum = 0;
        for (LeafReaderContext leaf : r.leaves()) {
            NumericDocValues n = leaf.reader().getNormValues(f);
            if (n != null)
                while (n.nextDoc() != DocIdSetIterator.NO_MORE_DOCS) sum += n.longValue();
        }
        return r.maxDoc() > 0 ? sum / r.maxDoc() : 1;
    }

    static Similarity similarity(String mode, IndexReader r, String f) throws IOException {
        if (!mode.equals("exact")) return new BM25Similarity(K1, B);
        return new ExactBM25(r == null ? 1 : meanNorm(r, f));   /* at indexing only norms are asked */
    }

    static long dirBytes(Path p) throws IOException {
        try (var st = Files.walk(p)) {
            return st.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    /* One passage as the writer sees it. */
    static final class Passage { String id, region, section, body; }

    /* UTF-8 bytes of s without encoding it (a surrogate pair counts 2 + 2). */
    static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            n += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
        }
        return n;
    }

    /* Decodes one JSON line; null when it has no body for this mode's field. */
    @SuppressWarnings("unchecked")
    static Passage decode(String line, String f, long[] textBytes) {
        Map<String, Object> m = (Map<String, Object>) new Json(line).value();
        Object body = m.get(f);
        if (body == null) return null;
        Passage p = new Passage();
        p.id = String.valueOf(m.get("id"));
        p.region = String.valueOf(m.getOrDefault("region", "unknown"));
        p.section = String.valueOf(m.getOrDefault("section", "other"));
        p.body = (String) body;
        textBytes[0] += utf8Length((String) m.getOrDefault("text", body));
        return p;
    }

    /* CPU time of the whole process (all threads: GC and JIT too), or -1e9 if unknown. */
    static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean
                ? ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime() : -1000000000L;
    }

    static void index(String in, String dir, String mode) throws Exception {
        boolean preparse = Boolean.parseBoolean(System.getProperty("lucene.preparse", "true"));
        double ramMB = Double.parseDouble(System.getProperty("lucene.ram", "1024"));
        boolean cfs = Boolean.parseBoolean(System.getProperty("lucene.cfs", "false"));
        String f = field(mode);
        long[] textBytes = { 0 };
        List<Passage> all = new ArrayList<>();
        long tp = System.nanoTime();
        if (preparse) {
            try (BufferedReader r = Files.newBufferedReader(Paths.get(in), StandardCharsets.UTF_8)) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.isEmpty()) continue;
                    Passage p = decode(line, f, textBytes);
                    if (p != null) all.add(p);
                }
            }
        }
        boolean poiskOrder = poiskTerms(mode);
        if (poiskOrder)
            all.sort(Comparator.comparing(p -> p.region));   /* stable: add order within a region */
        double parseSecs = preparse ? (System.nanoTime() - tp) / 1e9 : 0;
        long t0 = System.nanoTime(), c0 = processCpuNanos();
        IndexWriterConfig cfg = new IndexWriterConfig(analyzer(mode));
        cfg.setSimilarity(similarity(mode, null, f));
        cfg.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
        cfg.setRAMBufferSizeMB(ramMB);
        if (poiskOrder)
            cfg.setMergePolicy(new LogDocMergePolicy());   /* merges neighbours only: ids keep the add order */
        cfg.setUseCompoundFile(cfs);
        cfg.getMergePolicy().setNoCFSRatio(cfs ? 0.1 : 0.0);
        cfg.setMergeScheduler(new SerialMergeScheduler());
        long docs = 0;
        try (IndexWriter w = new IndexWriter(FSDirectory.open(Paths.get(dir)), cfg);
             BufferedReader r = preparse ? null : Files.newBufferedReader(Paths.get(in), StandardCharsets.UTF_8)) {
            Document d = new Document();
            StringField id = new StringField("id", "", Field.Store.YES);
            StringField region = new StringField("region", "", Field.Store.NO);
            StringField section = new StringField("section", "", Field.Store.NO);
            TextField text = new TextField(f, "", Field.Store.NO);
            d.add(id); d.add(region); d.add(section); d.add(text);
            Iterator<Passage> it = all.iterator();
            for (;;) {
                Passage p;
                if (preparse) {
                    if (!it.hasNext()) break;
                    p = it.next();
                } else {
                    String line = r.readLine();
                    if (line == null) break;
                    if (line.isEmpty() || (p = decode(line, f, textBytes)) == null) continue;
                }
                id.setStringValue(p.id);
                region.setStringValue(p.region);
                section.setStringValue(p.section);
                text.setStringValue(p.body);
                w.addDocument(d);
                docs++;
            }
            w.forceMerge(1);
            w.commit();
        }
        double secs = (System.nanoTime() - t0) / 1e9, cpu = (processCpuNanos() - c0) / 1e9;
        System.out.printf(Locale.ROOT, "{\"engine\":\"lucene\",\"mode\":\"%s\",\"docs\":%d,\"text_bytes\":%d,"
                + "\"input_bytes\":%d,\"secs\":%.3f,\"cpu_secs\":%.3f,\"parse_secs\":%.3f,\"ram_mb\":%.0f,\"cfs\":%b,"
                + "\"preparse\":%b,\"index_bytes\":%d}%n", mode, docs, textBytes[0],
                new File(in).length(), secs, cpu, parseSecs, ramMB, cfs, preparse, dirBytes(Paths.get(dir)));
    }

    /* ---- queries ---- */
    static final class Q { String cls, op, filter; String[] words; Query q; }

    static List<String[]> analyze(Analyzer a, String f, String text) throws IOException {
        List<String[]> out = new ArrayList<>();   /* {term, position} */
        try (TokenStream ts = a.tokenStream(f, text)) {
            CharTermAttribute t = ts.addAttribute(CharTermAttribute.class);
            PositionIncrementAttribute pi = ts.addAttribute(PositionIncrementAttribute.class);
            ts.reset();
            int pos = -1;
            while (ts.incrementToken()) { pos += pi.getPositionIncrement(); out.add(new String[] { t.toString(), "" + pos }); }
            ts.end();
        }
        return out;
    }

    static Query build(Analyzer a, String f, Q q) throws IOException {
        String text = String.join(" ", q.words);
        Query main;
        if (q.op.equals("PREFIX")) {
            String w = q.words[0].toLowerCase(Locale.ROOT).replace('ё', 'е');
            if (w.endsWith("*")) w = w.substring(0, w.length() - 1);
            main = new PrefixQuery(new Term(f, w));
        } else {
            /* the terms by position: more than one at a position are alternatives */
            TreeMap<Integer, List<Term>> at = new TreeMap<>();
            for (String[] t : analyze(a, f, text))
                at.computeIfAbsent(Integer.parseInt(t[1]), k -> new ArrayList<>()).add(new Term(f, t[0]));
            boolean alts = false;
            for (List<Term> ts : at.values()) alts |= ts.size() > 1;
            if (q.op.equals("PHRASE") && !alts) {
                PhraseQuery.Builder b = new PhraseQuery.Builder();
                for (Map.Entry<Integer, List<Term>> e : at.entrySet()) b.add(e.getValue().get(0), e.getKey());
                main = b.build();
            } else if (q.op.equals("PHRASE")) {
                MultiPhraseQuery.Builder b = new MultiPhraseQuery.Builder();
                for (Map.Entry<Integer, List<Term>> e : at.entrySet())
                    b.add(e.getValue().toArray(new Term[0]), e.getKey());
                main = b.build();
            } else {
                /* alternatives: a group of SHOULD clauses scores the sum of those present,
                 * as poisk scores the distinct terms of a position */
                BooleanQuery.Builder b = new BooleanQuery.Builder();
                BooleanClause.Occur occ = q.op.equals("AND") ? BooleanClause.Occur.MUST : BooleanClause.Occur.SHOULD;
                for (List<Term> ts : at.values()) {
                    if (ts.size() == 1) { b.add(new TermQuery(ts.get(0)), occ); continue; }
                    BooleanQuery.Builder g = new BooleanQuery.Builder();
                    for (Term t : ts) g.add(new TermQuery(t), BooleanClause.Occur.SHOULD);
                    b.add(g.build(), occ);
                }
                main = b.build();
            }
        }
        if (q.filter.equals("-")) return main;
        String[] kv = q.filter.split("=", 2);
        return new BooleanQuery.Builder().add(main, BooleanClause.Occur.MUST)
                .add(new TermQuery(new Term(kv[0], kv[1])), BooleanClause.Occur.FILTER).build();
    }

    static List<Q> readQueries(String path) throws IOException {
        List<Q> out = new ArrayList<>();
        for (String line : Files.readAllLines(Paths.get(path), StandardCharsets.UTF_8)) {
            String[] p = line.split("\t");
            if (p.length < 4 || line.startsWith("#")) continue;
            Q q = new Q(); q.cls = p[0]; q.op = p[1]; q.filter = p[2]; q.words = p[3].trim().split(" +");
            out.add(q);
        }
        return out;
    }

    /* Top k by score; hits are counted exactly only up to threshold (then WAND may skip). */
    static TopDocs top(IndexSearcher s, Query q, int k, int threshold) throws IOException {
        TopScoreDocCollector c = TopScoreDocCollector.create(k, threshold);
        s.search(q, c);
        return c.topDocs();
    }

    static void search(String dir, String mode, String qpath, int k, int threads, int repeat, String outPath) throws Exception {
        long tOpen = System.nanoTime();
        int threshold = Integer.parseInt(System.getProperty("lucene.threshold", String.valueOf(k)));
        IndexSearcher s = new IndexSearcher(DirectoryReader.open(FSDirectory.open(Paths.get(dir))));
        s.setSimilarity(similarity(mode, s.getIndexReader(), field(mode)));
        if (!Boolean.parseBoolean(System.getProperty("lucene.cache", "false"))) s.setQueryCache(null);
        Analyzer a = analyzer(mode);
        String f = field(mode);
        List<Q> qs = readQueries(qpath);
        long[] us = new long[qs.size()];
        TopDocs[] res = new TopDocs[qs.size()];
        double firstMs = -1;
        for (int r = 0; r < repeat; r++)
            for (int i = 0; i < qs.size(); i++) {
                long t0 = System.nanoTime();
                Query q = build(a, f, qs.get(i));
                res[i] = top(s, q, k, threshold);
                us[i] = (System.nanoTime() - t0) / 1000;
                if (firstMs < 0) firstMs = (System.nanoTime() - tOpen) / 1e6;
            }
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(Paths.get(outPath), StandardCharsets.UTF_8))) {
            for (int i = 0; i < qs.size(); i++) {
                StringBuilder ids = new StringBuilder();
                for (ScoreDoc sd : res[i].scoreDocs) {
                    if (ids.length() > 0) ids.append(',');
                    ids.append(s.doc(sd.doc).get("id"));
                }
                w.println(qs.get(i).cls + "\t" + us[i] + "\t" + ids);
            }
        }
        double qps1 = qs.size() * 1e6 / Math.max(1, Arrays.stream(us).sum());
        /* QPS on THREADS threads: each thread takes the next query of the set. */
        AtomicInteger next = new AtomicInteger();
        Thread[] ts = new Thread[threads];
        long t0 = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            ts[t] = new Thread(() -> {
                try {
                    for (int i; (i = next.getAndIncrement()) < qs.size(); ) top(s, build(a, f, qs.get(i)), k, threshold);
                } catch (IOException e) { throw new UncheckedIOException(e); }
            });
            ts[t].start();
        }
        for (Thread t : ts) t.join();
        double qpsN = qs.size() / ((System.nanoTime() - t0) / 1e9);
        System.out.printf(Locale.ROOT, "{\"engine\":\"lucene\",\"mode\":\"%s\",\"queries\":%d,\"qps_1\":%.1f,"
                + "\"qps_%d\":%.1f,\"first_query_ms\":%.1f,\"threshold\":%d,\"passes\":%d}%n", mode, qs.size(), qps1, threads, qpsN,
                firstMs, threshold, repeat);
    }

    /* The audit: settings compared pass by pass in one JVM, so load and JIT hit them alike. */
    static void audit(String dir, String mode, String qpath, int k, int passes) throws Exception {
        IndexReader reader = DirectoryReader.open(FSDirectory.open(Paths.get(dir)));
        IndexSearcher cached = new IndexSearcher(reader), plain = new IndexSearcher(reader);
        plain.setQueryCache(null);
        Analyzer a = analyzer(mode);
        String f = field(mode);
        Similarity sim = similarity(mode, reader, f);
        for (IndexSearcher x : new IndexSearcher[] { cached, plain }) x.setSimilarity(sim);
        List<Q> qs = readQueries(qpath);
        String[] names = { "threshold1000_cache", "threshold1000_nocache", "thresholdK_cache", "thresholdK_nocache", "build_only" };
        long[][][] us = new long[names.length][qs.size()][passes];
        for (int p = -1; p < passes; p++)
            for (int v = 0; v < names.length; v++)
                for (int i = 0; i < qs.size(); i++) {
                    long t0 = System.nanoTime();
                    Query q = build(a, f, qs.get(i));
                    if (v < 4) top(v % 2 == 0 ? cached : plain, q, k, v < 2 ? 1000 : k);
                    if (p >= 0) us[v][i][p] = (System.nanoTime() - t0) / 1000;
                }
        String[][] groups = { { "OR", "or1", "or2", "or3", "or5" }, { "AND", "and2", "and3", "and5" },
                { "phrase", "phrase2", "phrase3" }, { "prefix", "prefix" }, { "filtered", "section", "region" } };
        StringBuilder out = new StringBuilder("{\"passes\":" + passes);
        for (int v = 0; v < names.length; v++) {
            out.append(",\"").append(names[v]).append("\":{");
            for (int g = 0; g < groups.length; g++) {
                List<Long> med = new ArrayList<>();
                for (int i = 0; i < qs.size(); i++)
                    if (Arrays.asList(groups[g]).subList(1, groups[g].length).contains(qs.get(i).cls)) {
                        long[] x = us[v][i].clone();
                        Arrays.sort(x);
                        med.add(x[passes / 2]);
                    }
                Collections.sort(med);
                if (g > 0) out.append(',');
                out.append(String.format(Locale.ROOT, "\"%s\":[%d,%d]", groups[g][0], med.get(med.size() / 2),
                        med.get(Math.min(med.size() - 1, (int) Math.ceil(0.99 * med.size()) - 1))));
            }
            out.append('}');
        }
        System.out.println(out.append('}'));
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 4 && args[0].equals("index")) index(args[1], args[2], args[3]);
        else if (args.length >= 8 && args[0].equals("search"))
            search(args[1], args[2], args[3], Integer.parseInt(args[4]), Integer.parseInt(args[5]),
                   Integer.parseInt(args[6]), args[7]);
        else if (args.length >= 6 && args[0].equals("audit"))
            audit(args[1], args[2], args[3], Integer.parseInt(args[4]), Integer.parseInt(args[5]));
        else {
            System.err.println("usage: LuceneBench index PASSAGES.jsonl DIR russian|ws|exact\n"
                    + "       LuceneBench search DIR russian|ws|exact QUERIES.tsv K THREADS REPEAT OUT.tsv\n"
                    + "       LuceneBench audit DIR russian|ws|exact QUERIES.tsv K PASSES");
            System.exit(2);
        }
    }
}

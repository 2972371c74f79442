/*
 * LuceneBench: the Lucene 8 peer of the benchmarks (bench/run).  It indexes the passages
 * poisk exports (`indexer --dump-structure`, JSON lines) and answers the shared query set,
 * printing per-query latency and top-10 ids, so that every engine is timed on the same
 * units and the same questions.
 *
 *   java LuceneBench index  PASSAGES.jsonl DIR russian|ws
 *       russian: field "text" with RussianAnalyzer (Lucene's own analysis);
 *       ws:      field "terms" (poisk's analyzed terms, bench/terms) with WhitespaceAnalyzer,
 *                for BM25 parity.  BM25Similarity(1.2, 0.75), one segment (forceMerge(1)),
 *                serial merges, no stored text (only the id).  Prints one JSON line.
 *   java LuceneBench search DIR russian|ws QUERIES.tsv K THREADS REPEAT OUT.tsv
 *       QUERIES.tsv: class TAB op(OR|AND|PHRASE|PREFIX) TAB filter(-|region=x|section=x) TAB words.
 *       Runs the set REPEAT times on one thread (the last pass is reported: warm), then once
 *       spread over THREADS threads for QPS.  OUT.tsv: class TAB µs TAB id,id,...
 *       Prints one JSON line with the QPS figures.
 */
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.core.WhitespaceAnalyzer;
import org.apache.lucene.analysis.ru.RussianAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;
import org.apache.lucene.document.*;
import org.apache.lucene.index.*;
import org.apache.lucene.search.*;
import org.apache.lucene.search.similarities.BM25Similarity;
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
            StringBuilder b = new StringBuilder();
            i++;
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

    static Analyzer analyzer(String mode) {
        return mode.equals("ws") ? new WhitespaceAnalyzer() : new RussianAnalyzer();
    }
    static String field(String mode) { return mode.equals("ws") ? "terms" : "text"; }

    static long dirBytes(Path p) throws IOException {
        try (var st = Files.walk(p)) {
            return st.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    static void index(String in, String dir, String mode) throws Exception {
        long t0 = System.nanoTime();
        IndexWriterConfig cfg = new IndexWriterConfig(analyzer(mode));
        cfg.setSimilarity(new BM25Similarity(1.2f, 0.75f));
        cfg.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
        cfg.setRAMBufferSizeMB(256);
        cfg.setMergeScheduler(new SerialMergeScheduler());
        String f = field(mode);
        long docs = 0, textBytes = 0;
        try (IndexWriter w = new IndexWriter(FSDirectory.open(Paths.get(dir)), cfg);
             BufferedReader r = Files.newBufferedReader(Paths.get(in), StandardCharsets.UTF_8)) {
            Document d = new Document();
            StringField id = new StringField("id", "", Field.Store.YES);
            StringField region = new StringField("region", "", Field.Store.NO);
            StringField section = new StringField("section", "", Field.Store.NO);
            TextField text = new TextField(f, "", Field.Store.NO);
            d.add(id); d.add(region); d.add(section); d.add(text);
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isEmpty()) continue;
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) new Json(line).value();
                Object body = m.get(f);
                if (body == null) continue;
                id.setStringValue(String.valueOf(m.get("id")));
                region.setStringValue(String.valueOf(m.getOrDefault("region", "unknown")));
                section.setStringValue(String.valueOf(m.getOrDefault("section", "other")));
                text.setStringValue((String) body);
                textBytes += ((String) m.getOrDefault("text", body)).getBytes(StandardCharsets.UTF_8).length;
                w.addDocument(d);
                docs++;
            }
            w.forceMerge(1);
            w.commit();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "{\"engine\":\"lucene\",\"mode\":\"%s\",\"docs\":%d,\"text_bytes\":%d,"
                + "\"input_bytes\":%d,\"secs\":%.3f,\"index_bytes\":%d}%n", mode, docs, textBytes,
                new File(in).length(), secs, dirBytes(Paths.get(dir)));
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
        } else if (q.op.equals("PHRASE")) {
            PhraseQuery.Builder b = new PhraseQuery.Builder();
            for (String[] t : analyze(a, f, text)) b.add(new Term(f, t[0]), Integer.parseInt(t[1]));
            main = b.build();
        } else {
            BooleanQuery.Builder b = new BooleanQuery.Builder();
            BooleanClause.Occur occ = q.op.equals("AND") ? BooleanClause.Occur.MUST : BooleanClause.Occur.SHOULD;
            for (String[] t : analyze(a, f, text)) b.add(new TermQuery(new Term(f, t[0])), occ);
            main = b.build();
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

    static void search(String dir, String mode, String qpath, int k, int threads, int repeat, String outPath) throws Exception {
        long tOpen = System.nanoTime();
        IndexSearcher s = new IndexSearcher(DirectoryReader.open(FSDirectory.open(Paths.get(dir))));
        s.setSimilarity(new BM25Similarity(1.2f, 0.75f));
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
                res[i] = s.search(q, k);
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
                    for (int i; (i = next.getAndIncrement()) < qs.size(); ) s.search(build(a, f, qs.get(i)), k);
                } catch (IOException e) { throw new UncheckedIOException(e); }
            });
            ts[t].start();
        }
        for (Thread t : ts) t.join();
        double qpsN = qs.size() / ((System.nanoTime() - t0) / 1e9);
        System.out.printf(Locale.ROOT, "{\"engine\":\"lucene\",\"mode\":\"%s\",\"queries\":%d,\"qps_1\":%.1f,"
                + "\"qps_%d\":%.1f,\"first_query_ms\":%.1f}%n", mode, qs.size(), qps1, threads, qpsN, firstMs);
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 4 && args[0].equals("index")) index(args[1], args[2], args[3]);
        else if (args.length >= 8 && args[0].equals("search"))
            search(args[1], args[2], args[3], Integer.parseInt(args[4]), Integer.parseInt(args[5]),
                   Integer.parseInt(args[6]), args[7]);
        else {
            System.err.println("usage: LuceneBench index PASSAGES.jsonl DIR russian|ws\n"
                    + "       LuceneBench search DIR russian|ws QUERIES.tsv K THREADS REPEAT OUT.tsv");
            System.exit(2);
        }
    }
}

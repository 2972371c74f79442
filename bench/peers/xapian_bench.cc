/*
 * xapian_bench: the Xapian peer of the benchmarks (bench/run).  Indexes the passages poisk
 * exports (`indexer --dump-structure`, JSON lines) and answers the shared query set.
 *
 *   xapian_bench index  PASSAGES.jsonl DBDIR STOPFILE
 *       TermGenerator with the Russian stemmer and a SimpleStopper fed STOPFILE (Xapian
 *       ships no stop list), positions on; region and section as boolean terms XR/XS.
 *   xapian_bench search DBDIR STOPFILE QUERIES.tsv K REPEAT OUT.tsv
 *       QueryParser (same stemmer and stopper), BM25Weight(k1 = 1.2, k2 = 0, k3 = 1,
 *       b = 0.75, min_normlen = 0.5); QUERIES.tsv as for LuceneBench.  The last of REPEAT
 *       passes is reported.  OUT.tsv: class TAB µs TAB id,id,...
 * Each prints one JSON line of figures.
 *
 * What is timed, and why (bench/RESULTS.md, "benchaudit"):
 * - Indexing ("secs"): TermGenerator + add_document of every passage and the final commit.
 *   The JSON lines are read and decoded before the clock starts ("parse_secs"), as for
 *   LuceneBench: decoding the export is the harness's job, not Xapian's.  Xapian flushes its
 *   in-memory changes every XAPIAN_FLUSH_THRESHOLD documents; its default (10 000) is kept:
 *   200 000 (one flush at 100 MB) cost more CPU, not less, and 6x the memory (bench/RESULTS.md,
 *   "benchaudit").
 * - Queries: the timer covers QueryParser + get_mset to the top-k docids (no total is
 *   asked for: checkatleast 0); the stored ids are read after it.
 */
#include <xapian.h>
#include <cjson/cJSON.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>
#include <sys/resource.h>
#include <sys/stat.h>
#include <dirent.h>
#include <cstdlib>

using clk = std::chrono::steady_clock;

static double cpu_secs()   /* user + system CPU of this process */
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static double secs_since(clk::time_point t0)
{
    return std::chrono::duration<double>(clk::now() - t0).count();
}

static Xapian::SimpleStopper *load_stopper(const char *path)
{
    std::ifstream in(path);
    if (!in) { std::cerr << "xapian_bench: cannot read stop list " << path << "\n"; std::exit(1); }
    auto *s = new Xapian::SimpleStopper();
    for (std::string w; std::getline(in, w);) if (!w.empty()) s->add(w);
    return s;
}

static unsigned long long dir_bytes(const std::string &dir)
{
    unsigned long long n = 0;
    DIR *d = opendir(dir.c_str());
    if (!d) return 0;
    while (struct dirent *e = readdir(d)) {
        std::string p = dir + "/" + e->d_name;
        struct stat st;
        if (e->d_name[0] != '.' && stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode)) n += (unsigned long long)st.st_size;
    }
    closedir(d);
    return n;
}

static std::string jstr(cJSON *o, const char *k, const char *dflt)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : dflt;
}

struct passage { std::string id, region, section, text; };

static int do_index(const char *in, const char *dbdir, const char *stopfile)
{
    auto tp = clk::now();
    std::vector<passage> all;
    unsigned long long text_bytes = 0;
    {
        std::ifstream f(in);
        for (std::string line; std::getline(f, line);) {
            cJSON *o = cJSON_ParseWithLength(line.data(), line.size());
            if (!o) continue;
            all.push_back({jstr(o, "id", ""), jstr(o, "region", "unknown"), jstr(o, "section", "other"),
                           jstr(o, "text", "")});
            text_bytes += all.back().text.size();
            cJSON_Delete(o);
        }
    }
    double parse_s = secs_since(tp);
    auto t0 = clk::now();
    double c0 = cpu_secs();
    Xapian::WritableDatabase db(dbdir, Xapian::DB_CREATE_OR_OVERWRITE);
    Xapian::TermGenerator tg;
    tg.set_stemmer(Xapian::Stem("russian"));
    Xapian::SimpleStopper *stop = load_stopper(stopfile);
    tg.set_stopper(stop);
    unsigned long long docs = 0;
    for (const passage &p : all) {
        Xapian::Document doc;
        tg.set_document(doc);
        tg.index_text(p.text);
        doc.add_boolean_term("XR" + p.region);
        doc.add_boolean_term("XS" + p.section);
        doc.set_data(p.id);
        db.add_document(doc);
        docs++;
    }
    db.commit();
    db.close();
    double s = secs_since(t0), cpu = cpu_secs() - c0;
    struct stat st;
    stat(in, &st);
    std::printf("{\"engine\":\"xapian\",\"docs\":%llu,\"text_bytes\":%llu,\"input_bytes\":%llu,"
                "\"secs\":%.3f,\"cpu_secs\":%.3f,\"parse_secs\":%.3f,\"flush_threshold\":\"%s\",\"index_bytes\":%llu}\n",
                docs, text_bytes, (unsigned long long)st.st_size, s, cpu, parse_s,
                getenv("XAPIAN_FLUSH_THRESHOLD") ? getenv("XAPIAN_FLUSH_THRESHOLD") : "default",
                dir_bytes(dbdir));
    delete stop;
    return 0;
}

struct query_line { std::string cls, op, filter, words; };

static std::vector<query_line> read_queries(const char *path)
{
    std::vector<query_line> out;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        std::stringstream ss(line);
        query_line q;
        if (!std::getline(ss, q.cls, '\t') || !std::getline(ss, q.op, '\t') || !std::getline(ss, q.filter, '\t')
            || !std::getline(ss, q.words))
            continue;
        out.push_back(q);
    }
    return out;
}

static Xapian::Query build(Xapian::QueryParser &qp, const query_line &q)
{
    std::string text = q.words;
    unsigned flags = Xapian::QueryParser::FLAG_DEFAULT;
    Xapian::Query::op dflt = Xapian::Query::OP_OR;
    if (q.op == "PHRASE") text = "\"" + text + "\"";
    else if (q.op == "PREFIX") flags |= Xapian::QueryParser::FLAG_WILDCARD;
    else if (q.op == "AND") dflt = Xapian::Query::OP_AND;
    qp.set_default_op(dflt);
    Xapian::Query main = qp.parse_query(text, flags);
    if (q.filter == "-") return main;
    size_t eq = q.filter.find('=');
    std::string key = q.filter.substr(0, eq), val = q.filter.substr(eq + 1);
    return Xapian::Query(Xapian::Query::OP_FILTER, main, Xapian::Query((key == "region" ? "XR" : "XS") + val));
}

static int do_search(const char *dbdir, const char *stopfile, const char *qpath, unsigned k, int repeat, const char *outpath)
{
    auto t_open = clk::now();
    Xapian::Database db(dbdir);
    Xapian::Enquire enq(db);
    enq.set_weighting_scheme(Xapian::BM25Weight(1.2, 0, 1, 0.75, 0.5));
    Xapian::QueryParser qp;
    qp.set_stemmer(Xapian::Stem("russian"));
    qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
    Xapian::SimpleStopper *stop = load_stopper(stopfile);
    qp.set_stopper(stop);
    qp.set_database(db);
    std::vector<query_line> qs = read_queries(qpath);
    std::vector<long long> us(qs.size());
    std::vector<std::string> ids(qs.size());
    double first_ms = -1, total_us = 0;
    for (int r = 0; r < repeat; r++) {
        total_us = 0;
        for (size_t i = 0; i < qs.size(); i++) {
            auto t0 = clk::now();
            Xapian::MSet m;
            try {
                enq.set_query(build(qp, qs[i]));
                m = enq.get_mset(0, k);
            } catch (const Xapian::Error &e) {
                std::cerr << "xapian_bench: query '" << qs[i].words << "': " << e.get_msg() << "\n";
            }
            us[i] = (long long)(secs_since(t0) * 1e6);
            total_us += (double)us[i];
            if (first_ms < 0) first_ms = secs_since(t_open) * 1e3;
            std::string s;
            for (auto it = m.begin(); it != m.end(); ++it) {
                if (!s.empty()) s += ",";
                s += it.get_document().get_data();
            }
            ids[i] = s;
        }
    }
    std::ofstream out(outpath);
    for (size_t i = 0; i < qs.size(); i++) out << qs[i].cls << "\t" << us[i] << "\t" << ids[i] << "\n";
    std::printf("{\"engine\":\"xapian\",\"queries\":%zu,\"qps_1\":%.1f,\"first_query_ms\":%.1f}\n",
                qs.size(), total_us > 0 ? (double)qs.size() * 1e6 / total_us : 0.0, first_ms);
    delete stop;
    return 0;
}

int main(int argc, char **argv)
{
    try {
        if (argc >= 5 && std::string(argv[1]) == "index") return do_index(argv[2], argv[3], argv[4]);
        if (argc >= 8 && std::string(argv[1]) == "search")
            return do_search(argv[2], argv[3], argv[4], (unsigned)std::stoul(argv[5]), std::stoi(argv[6]), argv[7]);
    } catch (const Xapian::Error &e) {
        std::cerr << "xapian_bench: " << e.get_description() << "\n";
        return 1;
    }
    std::cerr << "usage: xapian_bench index PASSAGES.jsonl DBDIR STOPFILE\n"
                 "       xapian_bench search DBDIR STOPFILE QUERIES.tsv K REPEAT OUT.tsv\n";
    return 2;
}

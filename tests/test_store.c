/* test_store.c: the passage store's byte code (lib/store_code.h), the writer's spooled
 * records (their texts coded) and block compression (format version 8): the code is
 * lossless for any bytes (random bytes, random mixtures of the bytes UTF-8 Cyrillic is made
 * of, every pair of bytes, every character the code has a byte for, cut and malformed
 * sequences, NUL); it halves Russian text; the decoder rejects what no encoder writes and
 * never writes past its output; a spooled record decodes back to its text, and a block of
 * them is the block of the plain texts; a damaged compressed block gives an error, never a
 * crash; in a real index, a block that inflates (checksums and all right) to no code is
 * POISK_ECORRUPT for its passages and for --check's verify. */
#include <criterion/criterion.h>
#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>
#include "codec.h"
#include "format.h"
#include "store.h"
#include "store_code.h"
#include "test_corruption_util.h"
#include "test_rng.h"

static uint64_t rng_state = 88172645463325252ull;
static uint64_t rnd(void) { return test_xorshift64(&rng_state); }

/* code (the fast and the portable encoder, which must agree), check the bound, decode into
 * an exact-size buffer, compare */
static size_t round_trip(const uint8_t *in, size_t n)
{
    uint8_t *code = malloc(poisk_store_code_bound(n) + 1);
    uint8_t *code2 = malloc(poisk_store_code_bound(n) + 1);
    uint8_t *back = malloc(n + 1);
    cr_assert(code && code2 && back);
    size_t cl = poisk_store_code_encode(in, n, code);
    poisk_store_code_portable = 1;
    size_t cl2 = poisk_store_code_encode(in, n, code2);
    poisk_store_code_portable = 0;
    cr_assert(cl == cl2 && memcmp(code, code2, cl) == 0, "the encoders differ, n=%zu", n);
    free(code2);
    cr_assert_leq(cl, poisk_store_code_bound(n));
    for (int portable = 0; portable < 2; portable++) {
        poisk_store_code_portable = portable;
        memset(back, 0x55, n + 1);
        cr_assert_eq(poisk_store_code_decode(code, cl, back, n), 0, "decode failed, n=%zu", n);
        cr_assert(n == 0 || memcmp(in, back, n) == 0, "round trip differs, n=%zu", n);
    }
    poisk_store_code_portable = 0;
    /* one byte more or less of output is an error */
    if (n > 0)
        cr_assert_eq(poisk_store_code_decode(code, cl, back, n - 1), -1);
    uint8_t *big = malloc(n + 2);
    cr_assert_eq(poisk_store_code_decode(code, cl, big, n + 1), -1);
    free(big);
    free(code);
    free(back);
    return cl;
}

Test(store_code, empty_and_single_bytes)
{
    round_trip((const uint8_t *)"", 0);
    for (unsigned b = 0; b < 256; b++) {
        uint8_t x = (uint8_t)b;
        round_trip(&x, 1);
    }
}

Test(store_code, every_pair_and_lead_triples)
{
    uint8_t buf[4];
    for (unsigned a = 0; a < 256; a++)
        for (unsigned b = 0; b < 256; b++) {
            buf[0] = (uint8_t)a;
            buf[1] = (uint8_t)b;
            round_trip(buf, 2);
            /* and inside letters, at every offset of an 8-byte word */
            uint8_t ctx[24];
            for (int k = 0; k < 12; k++) {
                ctx[2 * k] = 0xD0;
                ctx[2 * k + 1] = (uint8_t)(0x90 + k);
            }
            int at = (int)((a ^ b) % 16);
            ctx[at] = (uint8_t)a;
            ctx[at + 1] = (uint8_t)b;
            round_trip(ctx, sizeof ctx);
        }
    /* 3-byte sequences of the leads the code looks at, and what follows them */
    const uint8_t leads[] = { 0xC2, 0xD0, 0xD1, 0xE2, 0xC1, 0xE0 };
    for (size_t l = 0; l < sizeof leads; l++)
        for (unsigned b = 0x70; b < 0x100; b++)
            for (unsigned c = 0x70; c < 0x100; c++) {
                buf[0] = leads[l];
                buf[1] = (uint8_t)b;
                buf[2] = (uint8_t)c;
                round_trip(buf, 3);
                buf[3] = 0xD0;      /* and a lone lead at the end */
                round_trip(buf, 4);
            }
}

Test(store_code, random_bytes)
{
    static uint8_t buf[70000];
    for (int it = 0; it < 200; it++) {
        size_t n = (size_t)(rnd() % sizeof buf);
        if (it < 20)
            n = (size_t)it;
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)rnd();
        round_trip(buf, n);
    }
}

Test(store_code, random_mixtures_of_utf8_parts)
{
    /* the bytes the encoder treats specially, in random order */
    const uint8_t parts[] = { 0xD0, 0xD1, 0x90, 0x81, 0xBF, 0x80, 0x8F, 0xA0, 0xE0, 0xE2, 0x84, 0x96,
                              0xC2, 0xAB, 0xBB, 0x00, ' ', 'a', 0xFF, 0xC0, 0xC1, 0x94 };
    static uint8_t buf[5000];
    for (int it = 0; it < 2000; it++) {
        size_t n = (size_t)(rnd() % sizeof buf);
        for (size_t i = 0; i < n; i++)
            buf[i] = parts[rnd() % sizeof parts];
        round_trip(buf, n);
    }
}

Test(store_code, every_coded_character_takes_one_byte)
{
    /* U+0400..U+045F, and the other characters with a code byte */
    const unsigned misc[] = { 0x00A0, 0x00AB, 0x00BB, 0x2013, 0x2014, 0x201C, 0x201D, 0x2026,
                              0x2116, 0x20BD, 0x2265 };
    uint8_t in[3], code[6];
    for (unsigned cp = 0x400; cp < 0x460; cp++) {
        in[0] = (uint8_t)(0xC0 | (cp >> 6));
        in[1] = (uint8_t)(0x80 | (cp & 0x3F));
        cr_assert_eq(poisk_store_code_encode(in, 2, code), 1, "U+%04X", cp);
        cr_assert_geq(code[0], 0x80);
        round_trip(in, 2);
    }
    for (size_t i = 0; i < sizeof misc / sizeof *misc; i++) {
        unsigned cp = misc[i];
        size_t n = 0;
        if (cp < 0x800) {
            in[n++] = (uint8_t)(0xC0 | (cp >> 6));
        } else {
            in[n++] = (uint8_t)(0xE0 | (cp >> 12));
            in[n++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        }
        in[n++] = (uint8_t)(0x80 | (cp & 0x3F));
        cr_assert_eq(poisk_store_code_encode(in, n, code), 1, "U+%04X", cp);
        round_trip(in, n);
    }
}

Test(store_code, russian_text_halves_and_tricky_strings)
{
    const char *text = "Стратегия цифровой трансформации «Ёлки» — № 5, ёж, Ї є і. Развитие "
                       "информационной инфраструктуры региона";
    size_t n = strlen(text);
    size_t cl = round_trip((const uint8_t *)text, n);
    cr_assert_lt(cl, n * 6 / 10, "coded %zu of %zu", cl, n);
    const char *tricky[] = {
        "\xD0",             /* lone lead at the end */
        "abc\xD0",
        "\xD0\xD0\x90",     /* a lead before a letter */
        "\xD1\xA0\xD1\xBF", /* U+0460, U+047F: no code byte */
        "\xC1\x81\xC0\x80", /* overlong forms */
        "\xE2\x80",         /* cut 3-byte sequence */
        "\xE2\x80\x94\xE2", /* em dash, then a cut lead */
        "\xE2\x84\x97",     /* U+2117: no code byte */
        "\x80\x80\x80",     /* bare continuation bytes (and the escape byte itself) */
        "\xF0\x9F\x98\x80", /* a 4-byte character */
        "\xEF\xBB\xBF\xD0\x81",
    };
    for (size_t i = 0; i < sizeof tricky / sizeof *tricky; i++) {
        round_trip((const uint8_t *)tricky[i], strlen(tricky[i]));
        /* after 0..17 bytes of letters and spaces, before letters: every word offset */
        for (size_t pad = 0; pad < 18; pad++) {
            uint8_t b[64];
            size_t n = 0;
            for (size_t k = 0; k < pad; k++)
                b[n++] = k % 5 == 4 ? ' ' : (uint8_t)(k % 2 ? 0xB0 : 0xD0);
            if (pad % 2 && b[n - 1] == 0xD0)
                b[n++] = 0xB5;
            memcpy(b + n, tricky[i], strlen(tricky[i]));
            n += strlen(tricky[i]);
            memcpy(b + n, "\xD0\xB4\xD0\xB0 \xD1\x8F\xD0\xB4", 9);
            round_trip(b, n + 9);
        }
    }
    uint8_t nul[] = { 0, 0xD0, 0, 0x90, 0, 0 };
    round_trip(nul, sizeof nul);
}

Test(store_code, decoder_rejects_what_no_encoder_writes)
{
    uint8_t out[16];
    const uint8_t esc_end[] = { 'a', 0xE0 };
    cr_assert_eq(poisk_store_code_decode(esc_end, sizeof esc_end, out, 2), -1);
    cr_assert_eq(poisk_store_code_decode(esc_end, sizeof esc_end, out, 1), -1);
    const uint8_t esc_ascii[] = { 0xE0, 'a' };
    cr_assert_eq(poisk_store_code_decode(esc_ascii, sizeof esc_ascii, out, 1), -1);
    const uint8_t letters[] = { 0x90, 0xC1, 0xC2 };     /* 6 bytes of output */
    cr_assert_eq(poisk_store_code_decode(letters, sizeof letters, out, 6), 0);
    cr_assert_eq(poisk_store_code_decode(letters, sizeof letters, out, 5), -1);
    cr_assert_eq(poisk_store_code_decode(letters, sizeof letters, out, 7), -1);
    /* random input never writes past the output (ASan checks), and both decoders agree */
    static uint8_t in[3000], *o, *o2;
    for (int it = 0; it < 3000; it++) {
        size_t n = (size_t)(rnd() % sizeof in), on = (size_t)(rnd() % 4000);
        for (size_t i = 0; i < n; i++)
            in[i] = it % 2 ? (uint8_t)rnd() : (uint8_t)(rnd() % 0xE0);
        if (it % 4 == 0)
            on = n + (size_t)(rnd() % (n + 1));   /* near the right length */
        o = malloc(on ? on : 1);
        o2 = malloc(on ? on : 1);
        int r1 = poisk_store_code_decode(in, n, o, on);
        poisk_store_code_portable = 1;
        int r2 = poisk_store_code_decode(in, n, o2, on);
        poisk_store_code_portable = 0;
        cr_assert_eq(r1, r2);
        cr_assert(r1 || memcmp(o, o2, on) == 0);
        free(o);
        free(o2);
    }
}

/* a block of records-like bytes: Russian text, varints, ASCII */
static size_t make_block(uint8_t *b, size_t cap)
{
    const char *words[] = { "цифровой ", "трансформации ", "региона ", "2030 ", "«Ёлка» ",
                            "— ", "\x85\x02", "ИТ-услуги ", "\xD0" };
    size_t n = 0;
    while (n + 32 < cap) {
        const char *w = words[rnd() % (sizeof words / sizeof *words)];
        size_t l = strlen(w);
        memcpy(b + n, w, l);
        n += l;
    }
    return n;
}

Test(store_stream, compress_inflate_round_trip)
{
    static uint8_t raw[70000], back[70000];
    size_t n = make_block(raw, sizeof raw);
    poisk_deflater *c = poisk_deflater_new();
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    poisk_buf code = { 0 };
    size_t bound = poisk_store_stream_bound(n);
    uint8_t *comp = malloc(bound);
    size_t cl = poisk_store_stream_compress(c, raw, n, &code, comp, bound);
    cr_assert_gt(cl, 0);
    cr_assert_lt(cl, n / 3);
    cr_assert_eq(poisk_store_stream_inflate(d, comp, cl, back, n), 0);
    cr_assert_eq(memcmp(raw, back, n), 0);
    /* a wrong raw length is an error */
    cr_assert_eq(poisk_store_stream_inflate(d, comp, cl, back, n - 1), -1);
    cr_assert_eq(poisk_store_stream_inflate(d, comp, cl, back, n + 1), -1);
    /* a truncated block */
    cr_assert_eq(poisk_store_stream_inflate(d, comp, cl / 2, back, n), -1);
    free(comp);
    poisk_buf_free(&code);
    poisk_deflater_free(c);
    libdeflate_free_decompressor(d);
}

Test(store_stream, damaged_streams_give_an_error_not_a_crash)
{
    static uint8_t raw[40000];
    size_t n = make_block(raw, sizeof raw);
    poisk_deflater *c = poisk_deflater_new();
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    poisk_buf code = { 0 };
    size_t bound = poisk_store_stream_bound(n);
    uint8_t *comp = malloc(bound), *bad = malloc(bound);
    size_t cl = poisk_store_stream_compress(c, raw, n, &code, comp, bound);
    cr_assert_gt(cl, 0);
    int failed = 0;
    for (int it = 0; it < 300; it++) {
        memcpy(bad, comp, cl);
        for (int k = 0; k <= it % 3; k++)
            bad[rnd() % cl] ^= (uint8_t)(1u << (rnd() % 8));
        uint8_t *out = malloc(n);   /* exact size: ASan catches any overrun */
        int st = poisk_store_stream_inflate(d, bad, cl, out, n);
        cr_assert(st == 0 || st == -1);
        failed += st != 0;
        free(out);
    }
    cr_assert_gt(failed, 250, "the zlib checksum catches nearly every damage (%d)", failed);
    /* a well-formed zlib stream whose bytes are no code (an escape at the end) */
    const uint8_t notcode[] = { 'a', 'b', 0xE0 };
    size_t nl = poisk_deflater_any(c, notcode, sizeof notcode, bad, bound);
    uint8_t out[8];
    cr_assert_eq(poisk_store_stream_inflate(d, bad, nl, out, 3), -1);
    cr_assert_eq(poisk_store_stream_inflate(d, bad, nl, out, 2), -1);
    /* garbage */
    for (size_t i = 0; i < 64; i++)
        bad[i] = (uint8_t)rnd();
    cr_assert_eq(poisk_store_stream_inflate(d, bad, 64, out, 8), -1);
    free(comp);
    free(bad);
    poisk_buf_free(&code);
    poisk_deflater_free(c);
    libdeflate_free_decompressor(d);
}

static poisk_store_rec rec_of(const char *id, const char *file, uint64_t start,
                              const char *sector, const char *text)
{
    static const uint8_t pages[] = { 3, 4 };
    poisk_store_rec r = { 0 };
    r.id = (poisk_store_str){ id, strlen(id) };
    r.sector = (poisk_store_str){ sector, sector ? strlen(sector) : 0 };
    r.file = (poisk_store_str){ file, strlen(file) };
    r.text = (poisk_store_str){ text, strlen(text) };
    r.section = 5;
    r.n_pages = 2;
    r.pages = pages;
    r.pages_len = 2;
    r.byte_start = start;
    r.byte_end = start + strlen(text);
    return r;
}

/* A block keeps the records' metadata and texts as two streams: each inflates on its own,
 * the metadata records carry their texts' lengths, and the header agrees with raw_len.  An
 * id "<file>:<byte_start>" and a file equal to the previous record's are not repeated. */
Test(store_block, metadata_and_text_streams_round_trip)
{
    const char *texts[] = { "цифровая платформа региона", "", "телемедицина «Ёлка» — 2030",
                            "ИТ" };
    const char *ids[] = { "a.txt:100", "a.txt:7", "custom-id", "b.txt:100" };
    const char *files[] = { "a.txt", "a.txt", "a.txt", "b.txt" };
    const int derived[] = { 1, 0, 0, 1 };
    poisk_store_block blk = { 0 };
    for (int i = 0; i < 4; i++) {
        poisk_store_rec r = rec_of(ids[i], files[i], 100, i == 1 ? NULL : "health", texts[i]);
        poisk_store_block_add(&blk, &r, (uint32_t)i);
    }
    poisk_deflater *c = poisk_deflater_new();
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    size_t bound = poisk_store_block_bound(&blk), raw_len = poisk_store_block_raw_len(&blk);
    cr_assert_gt(bound, 0);
    uint8_t *comp = malloc(bound);
    size_t cl = poisk_store_block_compress(c, &blk, comp, bound);
    cr_assert_gt(cl, POISK_STORE_BLOCK_HEAD);
    poisk_store_block_view v;
    cr_assert_eq(poisk_store_block_parse(comp, cl, (uint32_t)raw_len, &v), 0);
    cr_assert_eq(v.meta_raw, blk.meta.len);
    cr_assert_eq(v.text_raw, blk.text_raw);
    cr_assert_eq(v.n_chunks, 1);          /* far below a chunk's size */
    /* a header that disagrees with the directory, or a block cut short */
    cr_assert_eq(poisk_store_block_parse(comp, cl, (uint32_t)raw_len + 1, &v), -1);
    cr_assert_eq(poisk_store_block_parse(comp, POISK_STORE_BLOCK_HEAD - 1, (uint32_t)raw_len, &v), -1);
    cr_assert_eq(poisk_store_block_parse(comp, POISK_STORE_BLOCK_HEAD + 2, (uint32_t)raw_len, &v), -1);
    cr_assert_eq(poisk_store_block_parse(comp, cl, (uint32_t)raw_len, &v), 0);
    uint8_t *meta = malloc(v.meta_raw), *text = malloc(v.text_raw);
    cr_assert_eq(poisk_store_stream_inflate(d, v.meta, v.meta_len, meta, v.meta_raw), 0);
    poisk_store_chunk ch = { 0 };
    poisk_store_chunk_next(&v, 0, &ch);
    cr_assert_eq(ch.comp + ch.comp_len, comp + cl);
    cr_assert_eq(poisk_store_stream_inflate(d, ch.comp, ch.comp_len, text, ch.raw_len), 0);
    const uint8_t *p = meta, *end = meta + v.meta_raw;
    size_t at = 0;
    poisk_store_rec r = { 0 };
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(poisk_store_meta_decode(&p, end, &r), 0);
        cr_assert_eq(r.id.ptr == NULL, derived[i], "record %d", i);
        if (!derived[i])
            cr_assert(r.id.len == strlen(ids[i]) && !memcmp(r.id.ptr, ids[i], r.id.len));
        cr_assert(r.file.len == strlen(files[i]) && !memcmp(r.file.ptr, files[i], r.file.len));
        cr_assert_null(r.text.ptr);
        cr_assert_eq(r.text.len, strlen(texts[i]));
        cr_assert_eq(memcmp(text + at, texts[i], r.text.len), 0);
        at += r.text.len;
        cr_assert_eq(r.region, (uint32_t)i);
        cr_assert_eq(r.section, 5);
        cr_assert_eq(r.n_pages, 2);
        cr_assert_eq(r.byte_end, 100 + strlen(texts[i]));
        cr_assert_eq(i == 1, r.sector.ptr == NULL);
    }
    cr_assert_eq(p, end);
    cr_assert_eq(at, v.text_raw);
    /* the second record says "the previous file": alone, with no previous one, it is
     * malformed */
    const uint8_t *second = meta;
    poisk_store_rec first = { 0 }, alone = { 0 };
    cr_assert_eq(poisk_store_meta_decode(&second, end, &first), 0);
    const uint8_t *q = second;
    cr_assert_eq(poisk_store_meta_decode(&q, end, &alone), -1);
    /* a metadata record cut anywhere is malformed, never read past its end */
    for (size_t cut = 0; cut < (size_t)(second - meta); cut++) {
        uint8_t *part = malloc(cut ? cut : 1);
        memcpy(part, meta, cut);
        const uint8_t *pq = part;
        poisk_store_rec pr = { 0 };
        cr_assert_eq(poisk_store_meta_decode(&pq, part + cut, &pr), -1, "cut at %zu", cut);
        free(part);
    }
    free(meta);
    free(text);
    free(comp);
    poisk_store_block_free(&blk);
    poisk_deflater_free(c);
    libdeflate_free_decompressor(d);
}

/* A passage as the writer spools it. */
static poisk_passage passage_of(const char *id, const char *file, uint64_t start,
                                const char *sector, const char *text)
{
    static const uint32_t pages[] = { 3, 4 };
    poisk_passage p = { 0 };
    p.id = id;
    p.region = "stavropol";
    p.section = POISK_SECTION_PROEKTY;
    p.sector = sector;
    p.pages = pages;
    p.n_pages = 2;
    p.file = file;
    p.byte_start = start;
    p.byte_end = start + strlen(text);
    p.text = text;
    p.text_len = strlen(text);
    return p;
}

/* The writer's spool keeps a record's text in the byte code: it decodes back to the text,
 * the record is smaller than its text for Russian (one byte longer for ASCII: the code's
 * length), and the size it reports is the record's with the text uncoded. */
Test(store_record, spooled_text_is_coded_and_decodes_back)
{
    const char *texts[] = { "", "ascii only 2030", "цифровая платформа «Ёлка» — телемедицина",
                            "\xD0" /* a cut character: escaped */ };
    poisk_buf text = { 0 };
    for (int i = 0; i < 4; i++) {
        poisk_passage p = passage_of("a.txt:5", "a.txt", 5, i ? "health" : NULL, texts[i]);
        poisk_buf b = { 0 };
        size_t raw = poisk_store_record_encode(&b, &p, 7);
        cr_assert(!b.failed);
        cr_assert_leq(b.len, poisk_store_record_bound(&p));
        size_t n = strlen(texts[i]);
        if (i <= 1)
            cr_assert_eq(b.len, raw + 1, "text %d", i);
        else if (i == 2)
            cr_assert_lt(b.len + n / 3, raw, "Russian codes to about half");
        const uint8_t *q = b.data;
        poisk_store_rec r = { 0 };
        cr_assert_eq(poisk_store_record_decode(&q, b.data + b.len, &r), 0);
        cr_assert_eq(q, b.data + b.len);
        cr_assert_null(r.text.ptr);
        cr_assert_eq(r.text.len, n);
        cr_assert_eq(r.region, 7);
        cr_assert_eq(poisk_store_record_text(&r, &text), 0);
        cr_assert(r.text.ptr && r.text.len == n && memcmp(r.text.ptr, texts[i], n) == 0);
        /* cut anywhere, the record is malformed and never read past its end */
        for (size_t cut = 0; cut < b.len; cut++) {
            uint8_t *part = malloc(cut ? cut : 1);
            memcpy(part, b.data, cut);
            const uint8_t *pq = part;
            poisk_store_rec pr = { 0 };
            cr_assert_eq(poisk_store_record_decode(&pq, part + cut, &pr), -1, "cut at %zu", cut);
            free(part);
        }
        poisk_buf_free(&b);
    }
    poisk_buf_free(&text);
}

/* A code that no encoder writes (an escape at its end) or that decodes to another length
 * is refused: the writer reports the spool damaged rather than indexing other text. */
Test(store_record, a_damaged_spooled_code_is_refused)
{
    poisk_passage p = passage_of("a.txt:5", "a.txt", 5, NULL, "телемедицина");
    poisk_buf b = { 0 }, text = { 0 };
    poisk_store_record_encode(&b, &p, 0);
    const uint8_t *q = b.data;
    poisk_store_rec r = { 0 };
    cr_assert_eq(poisk_store_record_decode(&q, b.data + b.len, &r), 0);
    b.data[b.len - 1] = 0xE0;             /* the last letter's code: now an escape, at the end */
    cr_assert_eq(poisk_store_record_text(&r, &text), -1);
    b.data[b.len - 1] = 'x';              /* a 1-byte character for a 2-byte letter */
    cr_assert_eq(poisk_store_record_text(&r, &text), -1);
    b.data[b.len - 1] = 0x90;             /* А for а: the same length, so it decodes */
    cr_assert_eq(poisk_store_record_text(&r, &text), 0);
    cr_assert(memcmp(r.text.ptr, "телемедицинА", r.text.len) == 0);
    r.text.len++;                         /* a length the code does not decode to */
    cr_assert_eq(poisk_store_record_text(&r, &text), -1);
    poisk_buf_free(&b);
    poisk_buf_free(&text);
}

/* A block made of spooled records (texts coded already) is the same bytes as one made of
 * the same records with plain texts (coded by the block): the store does not depend on
 * where the code was made. */
Test(store_block, coded_and_plain_records_make_the_same_block)
{
    const char *texts[] = { "цифровая платформа региона", "", "телемедицина «Ёлка» — 2030",
                            "ИТ специалисты" };
    const char *ids[] = { "a.txt:100", "a.txt:7", "custom-id", "b.txt:100" };
    const char *files[] = { "a.txt", "a.txt", "a.txt", "b.txt" };
    poisk_store_block plain = { 0 }, coded = { 0 };
    poisk_buf spool = { 0 };
    size_t offs[5] = { 0 };
    for (int i = 0; i < 4; i++) {
        poisk_passage p = passage_of(ids[i], files[i], 100, i == 1 ? NULL : "health", texts[i]);
        poisk_store_record_encode(&spool, &p, 0);
        offs[i + 1] = spool.len;
    }
    for (int i = 0; i < 4; i++) {
        const uint8_t *q = spool.data + offs[i];
        poisk_store_rec r = { 0 };
        cr_assert_eq(poisk_store_record_decode(&q, spool.data + offs[i + 1], &r), 0);
        poisk_store_block_add(&coded, &r, (uint32_t)i);
        poisk_store_rec pr = r;
        pr.text = (poisk_store_str){ texts[i], strlen(texts[i]) };
        pr.code = (poisk_store_str){ NULL, 0 };
        poisk_store_block_add(&plain, &pr, (uint32_t)i);
    }
    cr_assert_eq(poisk_store_block_raw_len(&coded), poisk_store_block_raw_len(&plain));
    poisk_deflater *c = poisk_deflater_new();
    size_t bound = poisk_store_block_bound(&plain);
    cr_assert_eq(poisk_store_block_bound(&coded), bound);
    uint8_t *a = malloc(bound), *b = malloc(bound);
    size_t la = poisk_store_block_compress(c, &plain, a, bound);
    size_t lb = poisk_store_block_compress(c, &coded, b, bound);
    cr_assert(la > 0 && la == lb && memcmp(a, b, la) == 0);
    free(a);
    free(b);
    poisk_buf_free(&spool);
    poisk_store_block_free(&plain);
    poisk_store_block_free(&coded);
    poisk_deflater_free(c);
}

/* A block's texts are cut into chunks of whole passages, each its own stream: every text
 * lies inside one chunk, the chunks inflate to the texts back to back, and a chunk table
 * that disagrees with the block is refused. */
Test(store_block, texts_are_cut_into_chunks_of_whole_passages)
{
    poisk_store_block blk = { 0 };
    blk.chunk_raw = 100;
    char texts[40][64];
    size_t total = 0;
    for (int i = 0; i < 40; i++) {
        /* 9 to 49 bytes of Cyrillic and digits: chunks close after 3-12 texts */
        int n = snprintf(texts[i], sizeof texts[i], "текст %d%.*s", i, (i * 7) % 20,
                         "ааааааааааааааааааааааааааааааааааааааааа");
        total += (size_t)n;
        poisk_store_rec r = rec_of("x", "f.txt", (uint64_t)i, NULL, texts[i]);
        poisk_store_block_add(&blk, &r, 0);
    }
    poisk_deflater *c = poisk_deflater_new();
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    size_t bound = poisk_store_block_bound(&blk), raw_len = poisk_store_block_raw_len(&blk);
    uint8_t *comp = malloc(bound);
    size_t cl = poisk_store_block_compress(c, &blk, comp, bound);
    cr_assert_gt(cl, 0);
    poisk_store_block_view v;
    cr_assert_eq(poisk_store_block_parse(comp, cl, (uint32_t)raw_len, &v), 0);
    cr_assert_eq(v.text_raw, total);
    cr_assert_gt(v.n_chunks, 5);
    uint8_t *text = malloc(total);
    poisk_store_chunk ch = { 0 };
    size_t next_text = 0, at = 0;
    for (uint32_t i = 0; i < v.n_chunks; i++) {
        poisk_store_chunk_next(&v, i, &ch);
        cr_assert_eq(ch.raw_off, at);
        cr_assert(i + 1 == v.n_chunks || ch.raw_len >= 100, "chunk %u closed early", i);
        cr_assert_eq(poisk_store_stream_inflate(d, ch.comp, ch.comp_len, text + at, ch.raw_len), 0);
        at += ch.raw_len;
        /* the chunk ends where a text ends */
        size_t end = 0;
        while (next_text < 40 && end + ch.raw_off < at) {
            end += strlen(texts[next_text]);
            next_text++;
        }
        cr_assert_eq(ch.raw_off + end, at, "chunk %u cuts a text", i);
    }
    cr_assert_eq(at, total);
    cr_assert_eq(ch.comp + ch.comp_len, comp + cl);
    for (int i = 0, off = 0; i < 40; off += (int)strlen(texts[i]), i++)
        cr_assert_eq(memcmp(text + off, texts[i], strlen(texts[i])), 0, "text %d", i);
    /* the table must agree with the block: a chunk's raw size, their count, a stream's size */
    uint8_t *table = (uint8_t *)v.chunks, save[8];
    memcpy(save, table, 8);
    poisk_store_u32(table, poisk_load_u32(table) + 1);
    cr_assert_eq(poisk_store_block_parse(comp, cl, (uint32_t)raw_len, &v), -1);
    poisk_store_u32(table, 0);
    cr_assert_eq(poisk_store_block_parse(comp, cl, (uint32_t)raw_len, &v), -1);
    memcpy(table, save, 8);
    poisk_store_u32(table + 4, poisk_load_u32(table + 4) + 1);
    cr_assert_eq(poisk_store_block_parse(comp, cl, (uint32_t)raw_len, &v), -1);
    memcpy(table, save, 8);
    poisk_store_u32(table - 4, POISK_STORE_MAX_CHUNKS + 1);
    cr_assert_eq(poisk_store_block_parse(comp, cl, (uint32_t)raw_len, &v), -1);
    poisk_store_u32(table - 4, 0xFFFFFFFFu);
    cr_assert_eq(poisk_store_block_parse(comp, cl, (uint32_t)raw_len, &v), -1);
    free(text);
    free(comp);
    poisk_store_block_free(&blk);
    poisk_deflater_free(c);
    libdeflate_free_decompressor(d);
}

/* A hit's metadata alone (poisk_index_passage_meta) is the same as with its text. */
Test(store_block, metadata_only_reads_agree_with_full_reads)
{
    poisk_error err = { 0 };
    char *dir = rc_mkdtemp("storemeta");
    cr_assert_eq(rc_build_index(dir, 2, 60000, 1, &err), 0, "%s", err.message);
    poisk_index *idx;
    cr_assert_eq(poisk_index_open(dir, &idx, &err), 0, "%s", err.message);
    poisk_index_stats st;
    poisk_index_get_stats(idx, &st);
    cr_assert_gt(st.passages, 2);
    poisk_passage_buf b1 = { 0 }, b2 = { 0 };
    /* metadata first, then the text of the same block, then metadata from the cache */
    for (int round = 0; round < 2; round++)
        for (uint32_t d = 0; d < st.passages; d++) {
            poisk_passage m, p;
            cr_assert_eq(poisk_index_passage_meta(idx, d, &m, &b1, &err), 0, "%s", err.message);
            cr_assert_null(m.text);
            cr_assert_eq(m.text_len, 0);
            cr_assert_eq(poisk_index_passage(idx, d, &p, &b2, &err), 0, "%s", err.message);
            cr_assert_not_null(p.text);
            cr_assert_str_eq(m.id, p.id);
            cr_assert_str_eq(m.file, p.file);
            cr_assert_str_eq(m.region, p.region);
            cr_assert_eq(m.section, p.section);
            cr_assert_eq(m.byte_start, p.byte_start);
            cr_assert_eq(m.byte_end, p.byte_end);
            cr_assert_eq(m.n_pages, p.n_pages);
            cr_assert_eq(!m.sector, !p.sector);
            if (m.sector)
                cr_assert_str_eq(m.sector, p.sector);
        }
    poisk_passage_buf_free(&b1);
    poisk_passage_buf_free(&b2);
    poisk_index_close(idx);
    tu_rmrf(dir);
    free(dir);
}

/* Builds a real index in a new directory, lets damage() change its store's first block
 * (at block, its directory entry at entry), then rewrites the file with its checksums and
 * sizes right, so that only the store's own checks can catch the damage. */
typedef void (*block_damage)(uint8_t *block, const uint8_t *entry);

static char *index_with_damaged_block(block_damage damage)
{
    poisk_error err = { 0 };
    char *dir = rc_mkdtemp("store");
    cr_assert_eq(rc_build_index(dir, 2, 60000, 1, &err), 0, "%s", err.message);
    char names[64][64], path[4200];
    size_t nn = rc_list_files(dir, names, 64), si = nn;
    for (size_t i = 0; i < nn; i++)
        if (strstr(names[i], ".store"))
            si = i;
    cr_assert_lt(si, nn);
    snprintf(path, sizeof path, "%s/%s", dir, names[si]);
    size_t flen;
    uint8_t *file = (uint8_t *)tu_read_file(path, &flen);
    cr_assert(file && flen > POISK_HEADER_SIZE);
    uint64_t plen = poisk_load_u64(file + 32);
    uint8_t *pay = file + POISK_HEADER_SIZE;
    uint64_t nb = poisk_load_u64(pay + plen - 24), dir_off = poisk_load_u64(pay + plen - 16);
    cr_assert_geq(nb, 2, "the test wants two blocks");
    const uint8_t *e = pay + dir_off;
    damage(pay + poisk_load_u64(e + 8), e);
    poisk_fout f;
    cr_assert_eq(poisk_fout_open(&f, dir, names[si], poisk_load_u32(file + 4),
                                 poisk_load_u64(file + 16), poisk_load_u32(file + 24),
                                 poisk_load_u32(file + 28), NULL, NULL, &err), 0, "%s", err.message);
    cr_assert_eq(poisk_fout_write(&f, pay, plen, &err), 0);
    cr_assert_eq(poisk_fout_close(&f, &err), 0);
    cr_assert_eq(f.final_size, flen);
    free(file);
    return dir;
}

/* The first passage reads as damaged, with (or without) its text, naming what; the last
 * block still reads; --check fails. */
static void expect_first_block_corrupt(char *dir, const char *what)
{
    poisk_error err = { 0 };
    poisk_index *idx;
    cr_assert_eq(poisk_index_open(dir, &idx, &err), 0, "%s", err.message);
    poisk_passage p;
    poisk_passage_buf buf = { 0 };
    cr_assert_eq(poisk_index_passage_meta(idx, 0, &p, &buf, &err), POISK_ECORRUPT);
    cr_assert(strstr(err.message, what), "%s", err.message);
    cr_assert_eq(poisk_index_passage(idx, 0, &p, &buf, &err), POISK_ECORRUPT);
    cr_assert(strstr(err.message, what), "%s", err.message);
    poisk_index_stats st;
    poisk_index_get_stats(idx, &st);
    cr_assert_eq(poisk_index_passage(idx, (uint32_t)st.passages - 1, &p, &buf, &err), 0,
                 "another block still reads: %s", err.message);
    cr_assert_eq(poisk_index_verify(dir, &err), POISK_ECORRUPT, "--check: %s", err.message);
    poisk_passage_buf_free(&buf);
    poisk_index_close(idx);
    tu_rmrf(dir);
    free(dir);
}

/* The metadata stream becomes a zlib stream (one stored deflate block, same length) of
 * bytes that are no code. */
static void meta_no_code(uint8_t *block, const uint8_t *entry)
{
    (void)entry;
    uint32_t clen = poisk_load_u32(block + 4);
    cr_assert(clen > 20 && clen - 11 <= 65535);
    uint32_t L = clen - 11;
    uint8_t *b = block + POISK_STORE_BLOCK_HEAD;
    b[0] = 0x78;                        /* zlib header, then one final stored block */
    b[1] = 0x01;
    b[2] = 0x01;
    b[3] = (uint8_t)L;
    b[4] = (uint8_t)(L >> 8);
    b[5] = (uint8_t)~L;
    b[6] = (uint8_t)(~L >> 8);
    for (uint32_t i = 0; i < L; i++)
        b[7 + i] = i % 2 ? 'a' : 0xE0;  /* an escape before an ASCII byte: no code */
    uint32_t ad = libdeflate_adler32(1, b + 7, L);
    b[7 + L] = (uint8_t)(ad >> 24);
    b[8 + L] = (uint8_t)(ad >> 16);
    b[9 + L] = (uint8_t)(ad >> 8);
    b[10 + L] = (uint8_t)ad;
}

Test(store_block, a_block_that_is_no_code_is_corrupt_in_an_index)
{
    expect_first_block_corrupt(index_with_damaged_block(meta_no_code), "does not inflate");
}

/* The header's raw sizes no longer add up to the directory's raw_len. */
static void header_sum_off(uint8_t *block, const uint8_t *entry)
{
    (void)entry;
    poisk_store_u32(block, poisk_load_u32(block) + 1);
}

/* The header's metadata stream reaches past the block. */
static void header_meta_too_long(uint8_t *block, const uint8_t *entry)
{
    poisk_store_u32(block + 4, poisk_load_u32(entry + 16));
}

Test(store_block, a_header_that_disagrees_with_the_directory_is_corrupt)
{
    expect_first_block_corrupt(index_with_damaged_block(header_sum_off), "header disagrees");
    expect_first_block_corrupt(index_with_damaged_block(header_meta_too_long), "header disagrees");
}

/* The first text chunk's entry in the chunk table (FORMAT.md §7.2). */
static uint8_t *first_chunk_entry(uint8_t *block)
{
    uint8_t *n_chunks = block + POISK_STORE_BLOCK_HEAD + poisk_load_u32(block + 4);
    cr_assert_gt(poisk_load_u32(n_chunks), 1, "the test wants a block of several chunks");
    return n_chunks + 4;
}

/* Raw sizes moved from the text stream (its first chunk) to the metadata stream, the sums
 * kept: the metadata stream no longer inflates to its (wrong) size. */
static void header_sizes_moved(uint8_t *block, const uint8_t *entry)
{
    (void)entry;
    uint8_t *chunk = first_chunk_entry(block);
    poisk_store_u32(block, poisk_load_u32(block) + 3);
    poisk_store_u32(block + 8, poisk_load_u32(block + 8) - 3);
    poisk_store_u32(chunk, poisk_load_u32(chunk) - 3);
}

/* The text's raw size no longer that of its chunks. */
static void header_text_off_the_chunks(uint8_t *block, const uint8_t *entry)
{
    (void)entry;
    poisk_store_u32(block, poisk_load_u32(block) + 3);
    poisk_store_u32(block + 8, poisk_load_u32(block + 8) - 3);
}

/* A byte in the middle of the first text chunk's stream flipped. */
static void first_chunk_flipped(uint8_t *block, const uint8_t *entry)
{
    (void)entry;
    uint8_t *chunk = first_chunk_entry(block);
    uint32_t n = poisk_load_u32(chunk - 4);
    uint8_t *stream = chunk + 8 * (size_t)n;
    stream[poisk_load_u32(chunk + 4) / 2] ^= 0x5A;
}

Test(store_block, a_damaged_text_chunk_is_corrupt_but_its_metadata_reads)
{
    char *dir = index_with_damaged_block(first_chunk_flipped);
    poisk_error err = { 0 };
    poisk_index *idx;
    cr_assert_eq(poisk_index_open(dir, &idx, &err), 0, "%s", err.message);
    poisk_passage p;
    poisk_passage_buf buf = { 0 };
    cr_assert_eq(poisk_index_passage_meta(idx, 0, &p, &buf, &err), 0, "%s", err.message);
    cr_assert_eq(poisk_index_passage(idx, 0, &p, &buf, &err), POISK_ECORRUPT);
    cr_assert(strstr(err.message, "does not inflate"), "%s", err.message);
    cr_assert_eq(poisk_index_verify(dir, &err), POISK_ECORRUPT, "--check: %s", err.message);
    poisk_passage_buf_free(&buf);
    poisk_index_close(idx);
    tu_rmrf(dir);
    free(dir);
}

Test(store_block, a_chunk_table_that_disagrees_with_the_header_is_corrupt)
{
    expect_first_block_corrupt(index_with_damaged_block(header_text_off_the_chunks),
                               "header disagrees");
}

Test(store_block, raw_sizes_moved_between_the_streams_are_corrupt)
{
    expect_first_block_corrupt(index_with_damaged_block(header_sizes_moved), "does not inflate");
}

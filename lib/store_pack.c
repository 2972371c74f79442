/*
 * store_pack.c: the writer's side of the store's compression (store.h): a stream is the
 * byte code of its bytes (store.c) deflated in the zlib format, and a block is its header,
 * its metadata stream and its text stream (docs/FORMAT.md §7, §7.1).  Apart from store.c
 * so that a program that only reads an index (bin/searcher) links no compressor: the
 * deflaters (deflater.c) and ISA-L come with this file alone.
 */
#include "store.h"

#include "store_code.h"

size_t poisk_store_stream_bound(size_t n)
{
    return poisk_deflater_bound(poisk_store_code_bound(n));
}

size_t poisk_store_stream_compress(poisk_deflater *c, const uint8_t *raw, size_t n,
                                   poisk_buf *code, uint8_t *out, size_t out_cap)
{
    code->len = 0;
    poisk_store_put_code(code, raw, n);
    if (code->failed)
        return 0;
    return poisk_deflater_any(c, code->data, code->len, out, out_cap);
}

/* The texts' chunks: those closed by poisk_store_block_add, then the rest if it holds
 * text; chunk i's code is [code[i], code[i + 1]) and its raw size raw[i + 1] - raw[i]. */
static uint32_t text_chunks(const poisk_store_block *b, size_t code[], size_t raw[])
{
    uint32_t n = b->n_cuts;
    code[0] = raw[0] = 0;
    for (uint32_t i = 0; i < n; i++) {
        code[i + 1] = b->cut[i].code;
        raw[i + 1] = b->cut[i].raw;
    }
    if (b->text_raw > raw[n]) {
        n++;
        code[n] = b->text.len;
        raw[n] = b->text_raw;
    }
    return n;
}

size_t poisk_store_block_bound(const poisk_store_block *b)
{
    if (b->meta.failed || b->text.failed || b->meta.len > UINT32_MAX || b->text_raw > UINT32_MAX)
        return 0;
    size_t code[POISK_STORE_MAX_CHUNKS + 1], raw[POISK_STORE_MAX_CHUNKS + 1];
    uint32_t n = text_chunks(b, code, raw);
    size_t bound = POISK_STORE_BLOCK_HEAD + poisk_store_stream_bound(b->meta.len) + 4 + 8 * (size_t)n;
    for (uint32_t i = 0; i < n; i++)
        bound += poisk_deflater_bound(code[i + 1] - code[i]);
    return bound;
}

size_t poisk_store_block_compress(poisk_deflater *c, poisk_store_block *b,
                                  uint8_t *out, size_t out_cap)
{
    const size_t h = POISK_STORE_BLOCK_HEAD;
    if (out_cap < h)
        return 0;
    size_t mc = poisk_store_stream_compress(c, b->meta.data, b->meta.len, &b->code, out + h,
                                            out_cap - h);
    if (mc == 0 || mc > UINT32_MAX)
        return 0;
    size_t code[POISK_STORE_MAX_CHUNKS + 1], raw[POISK_STORE_MAX_CHUNKS + 1];
    uint32_t n = text_chunks(b, code, raw);
    size_t at = h + mc, table = at + 4, len = table + 8 * (size_t)n;
    if (len > out_cap)
        return 0;
    poisk_store_u32(out + at, n);
    /* the texts are coded already: each chunk's code deflated on its own */
    for (uint32_t i = 0; i < n; i++) {
        size_t tc = poisk_deflater_text(c, b->text.data + code[i], code[i + 1] - code[i],
                                        out + len, out_cap - len);
        if (tc == 0 || tc > UINT32_MAX)
            return 0;
        poisk_store_u32(out + table + 8 * (size_t)i, (uint32_t)(raw[i + 1] - raw[i]));
        poisk_store_u32(out + table + 8 * (size_t)i + 4, (uint32_t)tc);
        len += tc;
    }
    poisk_store_u32(out, (uint32_t)b->meta.len);
    poisk_store_u32(out + 4, (uint32_t)mc);
    poisk_store_u32(out + 8, (uint32_t)b->text_raw);
    return len;
}

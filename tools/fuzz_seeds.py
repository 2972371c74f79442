#!/usr/bin/env python3
"""Regenerates the fuzz seed corpora in tests/fuzz/seeds/ from corpus/*.txt and real
queries (python3 tools/fuzz_seeds.py).  Seeds are small on purpose: libFuzzer derives its
maximum input length from the largest seed, and short inputs mutate faster.  The first
byte of every seed is the target's mode selector (see each tests/fuzz/fuzz_*.c)."""
import glob, os, random, urllib.parse, json

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEDS = os.path.join(ROOT, 'tests', 'fuzz', 'seeds')
rng = random.Random(20241122)

# Real queries: the examples of README/QUERY.md and questions the corpus answers.
QUERIES = [
    'телемедицин*', '"цифровой помощник ученика" section:proekty', 'ЦОД', 'фои',
    'искусственный интеллект', '=платформа обратной связи', 'region:stavropol школа',
    'sector:health телемедицина', 'цифров* трансформац* -образование', 'ГИС ОМС',
    '"единая цифровая платформа"', 'section:pokazateli доля', 'беспилотн* OR дрон*',
    'электронный документооборот AND region:tambov', '2024-2030', 'Госуслуги',
]

def chunks(text, size, count):
    data = text.encode('utf-8')
    out = []
    for k in range(count):
        start = 0 if k == 0 else rng.randrange(0, max(1, len(data) - size))
        while start < len(data) and (data[start] & 0xC0) == 0x80:
            start += 1
        out.append(data[start:start + size])
    return out

def write(target, name, data):
    d = os.path.join(SEEDS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)

def main():
    docs = sorted(glob.glob(os.path.join(ROOT, 'corpus', '*.txt')))
    for i, path in enumerate(docs):
        text = open(path, encoding='utf-8').read()
        for k, c in enumerate(chunks(text, 1200, 4)):
            write('analyzer', 'doc%d_%d' % (i, k), bytes([k % 4]) + c)
        # structure: the head of each document (title, TOC, first sections) and a middle cut
        for k, c in enumerate(chunks(text, 3000, 2)):
            write('structure', 'doc%d_%d' % (i, k), c)
    for k, q in enumerate(QUERIES):
        write('analyzer', 'query%02d' % k, bytes([0]) + q.encode())
        write('query', 'q%02d' % k, q.encode())
        get = urllib.parse.urlencode({'q': q, 'k': str(1 + k), 'section': 'proekty'})
        write('serve_request', 'get%02d' % k, bytes([2 * k % 256]) + get.encode())
        body = json.dumps({'q': q, 'k': 5, 'region': ['stavropol', 'tambov'], 'count': True,
                           'all': k % 2 == 0}, ensure_ascii=k % 2 == 0)
        write('serve_request', 'post%02d' % k, bytes([2 * k + 1]) + body.encode())
    for k in range(12):
        n = [0, 1, 2, 127, 128, 129, 300, 1000, 5, 40, 256, 700][k]
        body = bytes([k % 3, n & 0xFF, (n >> 8) & 7 | 0, 0x80 if n in (127, 128, 129) else 0])
        body += bytes(rng.randrange(256) for _ in range(4 * n + 64))
        write('codec', 'list%02d' % k, body)

def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)

def u16(v): return v.to_bytes(2, 'little')
def u32(v): return v.to_bytes(4, 'little')
def u64(v): return v.to_bytes(8, 'little')

def manifest_payload(n_regions):
    """docs/FORMAT.md section 3, with made-up but consistent values."""
    p = u32(1) + u32(1) + u64(0x1234) + u64(0x5678) + u32(0) + u32(10)
    p += u64(7) + u64(100) + u64(5000)
    p += b''.join(u64(10) + u64(500) for _ in range(10))
    slugs = ['stavropol', 'tambov', 'orenburg', 'khabarovsk', 'kaluga'][:n_regions]
    p += u32(len(slugs)) + b''.join(u16(len(s)) + s.encode() + u32(20 * i) + u32(20 * i + 20)
                                    for i, s in enumerate(slugs))
    abbr = sorted(['гис', 'фои', 'цод'])
    p += u32(len(abbr)) + b''.join(u16(len(a.encode())) + a.encode() for a in abbr)
    files = ['g00000007.store', 'g00000007.s05.stem.dict', 'g00000007.s05.lens']
    p += u32(len(files)) + b''.join(u16(len(f)) + f.encode() + u64(1000 + i) for i, f in enumerate(files))
    return p

def store_record(i, text):
    def s(b): return varint(len(b)) + b
    def os_(b): return varint(0) if b is None else varint(len(b) + 1) + b
    return (s(b'corpus/000.txt:%d' % (i * 100)) + varint(i % 3) + varint(i % 10) + os_(b'health')
            + os_(None) + os_(b'3.2') + varint(2) + varint(12) + varint(13) + s(b'corpus/000.txt')
            + varint(i * 100) + varint(i * 100 + len(text)) + s(text))

def format_seeds(docs):
    for n in range(0, 6, 2):
        write('format', 'manifest%d' % n, bytes([0]) + manifest_payload(n))
    text = open(docs[0], encoding='utf-8').read().encode()
    recs = b''.join(store_record(i, text[i * 300:i * 300 + 200]) for i in range(6))
    write('format', 'store', bytes([1]) + recs)
    header = b'PSKF' + b'DICT' + u32(1) + u32(15) + u64(7) + u32(3) + u32(1) + u64(10) + bytes(24)
    write('format', 'file', bytes([2]) + header + bytes(10) + bytes(8) + bytes(32))
    for k in range(3):
        write('format', 'sealed%d' % k, bytes([3, k]) + text[1000 * k:1000 * k + 400])

def index_seeds(docs):
    """fuzz_index: real payloads of every file kind of an index of the seed heads, built with
    bin/indexer (run `make` first); prefix: kind (0 manifest .. 5 positions), section|dict<<7."""
    import subprocess, tempfile, shutil
    indexer = os.path.join(ROOT, 'bin', 'indexer')
    if not os.path.exists(indexer):
        print('bin/indexer missing: no fuzz_index seeds')
        return
    tmp = tempfile.mkdtemp()
    try:
        os.makedirs(os.path.join(tmp, 'in'))
        for path in docs:
            data = open(path, 'rb').read()[:40000]
            open(os.path.join(tmp, 'in', os.path.basename(path)), 'wb').write(data)
        subprocess.run([indexer, '-q', '-o', os.path.join(tmp, 'idx'), os.path.join(tmp, 'in')], check=True)
        kinds = {'manifest': 0, 'store': 1, 'lens': 2, 'dict': 3, 'post': 4, 'posn': 5}
        for name in sorted(os.listdir(os.path.join(tmp, 'idx'))):
            parts = name.split('.')
            if name == 'CURRENT' or len(parts) < 2:
                continue
            kind = kinds[parts[-1]]
            section = int(parts[1][1:]) if parts[1][1:].isdigit() else 0
            exact = 'exact' in parts
            if section not in (0, 3, 5) and kind >= 2:
                continue
            data = open(os.path.join(tmp, 'idx', name), 'rb').read()
            plen = int.from_bytes(data[32:40], 'little')
            write('index', name.split('.', 1)[1], bytes([kind, section | (0x80 if exact else 0)]) + data[64:64 + plen])
    finally:
        shutil.rmtree(tmp)

if __name__ == '__main__':
    main()
    format_seeds(sorted(glob.glob(os.path.join(ROOT, 'corpus', '*.txt'))))
    index_seeds(sorted(glob.glob(os.path.join(ROOT, 'corpus', '*.txt'))))

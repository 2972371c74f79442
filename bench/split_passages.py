#!/usr/bin/env python3
"""split_passages.py: a stand-in for `indexer --dump-structure` when poisk's indexer is not
built yet (bench/run uses it only as a fallback, and says so): cuts every *.txt under DIR
into passages of 120 words as JSON lines {id, text, region, section}.  Region and section
are unknown here; poisk's own export fills them from the document model.

  split_passages.py DIR > PASSAGES.jsonl
"""
import json, os, sys

for root, _, files in sorted(os.walk(sys.argv[1])):
    for name in sorted(files):
        if not name.endswith(".txt"):
            continue
        path = os.path.join(root, name)
        data = open(path, "rb").read()
        words, start, off = [], 0, 0
        for tok in data.split():
            pos = data.index(tok, off)
            if not words:
                start = pos
            words.append(tok)
            off = pos + len(tok)
            if len(words) == 120:
                print(json.dumps({"id": f"{path}:{start}", "text": b" ".join(words).decode("utf-8", "replace"),
                                  "region": "unknown", "section": "other"}, ensure_ascii=False))
                words = []
        if words:
            print(json.dumps({"id": f"{path}:{start}", "text": b" ".join(words).decode("utf-8", "replace"),
                              "region": "unknown", "section": "other"}, ensure_ascii=False))

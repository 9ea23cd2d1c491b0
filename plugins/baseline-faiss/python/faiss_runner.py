"""One FAISS operation per call, for @reef/baseline-faiss (src/runner.ts starts it).

    python3 faiss_runner.py <request.json>

The request names the operation, the index-factory string and the files, all inside one private
working folder the plugin created. Data travels as raw little-endian files (float32 vectors, uint8
codes, int32 ids); the answer is one JSON line on stdout. Times are measured here, around the FAISS
call alone (time.perf_counter), so process start-up, imports and file transfer are not counted.
"""
import json
import sys
import time

import faiss
import numpy as np


def fast_scan_pq(index):
    """The ProductQuantizer of a PQ fast-scan index (its codes are packed in blocks; this gives plain ones)."""
    return index.pq if isinstance(index, faiss.IndexPQFastScan) else None


def code_size(index):
    pq = fast_scan_pq(index)
    return int(pq.code_size) if pq is not None else int(index.sa_code_size())


def encode_codes(index, x):
    pq = fast_scan_pq(index)
    return pq.compute_codes(x) if pq is not None else index.sa_encode(x)


def decode_codes(index, codes):
    pq = fast_scan_pq(index)
    return pq.decode(codes) if pq is not None else index.sa_decode(codes)


def vectors(path, dim):
    return np.fromfile(path, dtype=np.float32).reshape(-1, dim)


def main():
    with open(sys.argv[1]) as f:
        req = json.load(f)
    faiss.omp_set_num_threads(int(req["threads"]))
    op, dim = req["op"], int(req["dim"])
    out = {}
    if op == "train":
        x = vectors(req["vectors"], dim)
        index = faiss.index_factory(dim, req["factory"])
        t = time.perf_counter()
        index.train(x)
        out["ms"] = (time.perf_counter() - t) * 1000
        faiss.write_index(index, req["index"])
        out["codeSize"] = code_size(index)
    elif op == "encode":
        index = faiss.read_index(req["index"])
        x = vectors(req["vectors"], dim)
        # FAISS's encoding is add(): compute the codes and store them in the index's own layout.
        t = time.perf_counter()
        index.add(x)
        out["ms"] = (time.perf_counter() - t) * 1000
        faiss.write_index(index, req["filled"])
        # The plain codes for Reef (untimed: add() has just computed the same ones).
        encode_codes(faiss.read_index(req["index"]), x).tofile(req["codes"])
    elif op == "decode":
        index = faiss.read_index(req["index"])
        size = code_size(index)
        codes = np.fromfile(req["codes"], dtype=np.uint8).reshape(-1, size)
        t = time.perf_counter()
        x = decode_codes(index, codes)
        out["ms"] = (time.perf_counter() - t) * 1000
        np.ascontiguousarray(x, dtype=np.float32).tofile(req["out"])
    elif op == "search":
        index = faiss.read_index(req["filled"])
        q = vectors(req["queries"], dim)
        k = int(req["k"])
        if isinstance(index, faiss.IndexPQFastScan) and k > 20:
            # FAISS 1.7.3 picks its reservoir collector for k > 20, which aborts on tied 16-bit
            # distances (assertion `n_eq == 0' in partitioning.cpp, clustered data); implem 12 keeps
            # the heap collector, as for small k.
            index.implem = 12
        t = time.perf_counter()
        distances, ids = index.search(q, k)
        out["ms"] = (time.perf_counter() - t) * 1000
        ids.astype(np.int32).tofile(req["ids"])
        distances.astype(np.float32).tofile(req["distances"])
    else:
        raise SystemExit(f"unknown operation {op!r}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()

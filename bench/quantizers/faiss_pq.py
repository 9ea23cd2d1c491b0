"""FAISS 1.7.3 side of the PQ/OPQ benchmark on full Fashion-MNIST.

Usage: /usr/bin/python3 faiss_pq.py OUT_DIR NQ NBASE FACTORY [FACTORY...]   (e.g. PQ8 "OPQ8,PQ8")
Writes OUT_DIR/groundtruth.i32 (NQ x 10 int32, exact L2) and OUT_DIR/faiss.json with, per factory:
MSE, recall@10 of ADC search, train seconds (one run; the median of 3 more when under a second), encode seconds (median of 3; into a fresh array
and into a preallocated one) and search
milliseconds per query (median of 3): the batch on all OpenMP threads, the batch on one thread, and
one query per call on one thread. Run by fmnist-vs-faiss.mjs.
"""
import json, sys, time
import numpy as np
import faiss
from fmnist import idx_images

REPEATS = 3

def median_time(fn):
    times = []
    out = None
    for _ in range(REPEATS):
        t = time.perf_counter(); out = fn(); times.append(time.perf_counter() - t)
    return float(np.median(times)), out

out_dir, nq, nbase, factories = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
base = np.ascontiguousarray(idx_images('train-images-idx3-ubyte.gz')[:nbase])
queries = np.ascontiguousarray(idx_images('t10k-images-idx3-ubyte.gz')[:nq])
d = base.shape[1]
flat = faiss.IndexFlatL2(d); flat.add(base)
_, gt = flat.search(queries, 10)
gt.astype(np.int32).tofile(out_dir + '/groundtruth.i32')

results = {}
for factory in factories:
    index = faiss.index_factory(d, factory)
    t = time.perf_counter(); index.train(base); train_s = time.perf_counter() - t
    if train_s < 1:
        # As fmnist-vs-faiss.mjs does for Reef: a short training is timed as the median of 3 more.
        def retrain():
            fresh = faiss.index_factory(d, factory); fresh.train(base); return fresh
        train_s, index = median_time(retrain)
    encode_s, codes = median_time(lambda: index.sa_encode(base))
    # The C++ encoder into one preallocated array: the encoder alone, without a fresh output's pages.
    into = np.empty_like(codes)
    encode_into_s, _ = median_time(lambda: index.sa_encode_c(len(base), faiss.swig_ptr(base), faiss.swig_ptr(into)))
    decoded = index.sa_decode(codes)
    mse = float(((decoded - base) ** 2).sum(axis=1).mean())
    index.add(base)
    search_s, (_, found) = median_time(lambda: index.search(queries, 10))
    recall = float(np.mean([len(set(found[q]) & set(gt[q])) / 10 for q in range(nq)]))
    # The same batch on one OpenMP thread, and one query per call on one thread, to compare
    # single-threaded search with single-threaded search.
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    search1_s, _ = median_time(lambda: index.search(queries, 10))
    single_s, _ = median_time(lambda: [index.search(queries[q:q + 1], 10) for q in range(nq)])
    faiss.omp_set_num_threads(threads)
    results[factory] = dict(mse=mse, recall10=recall, train_s=train_s, encode_s=encode_s, encode_into_s=encode_into_s,
                            search_ms_per_query=1000 * search_s / nq,
                            search_1thread_ms_per_query=1000 * search1_s / nq,
                            search_nq1_1thread_ms_per_query=1000 * single_s / nq,
                            code_bytes=int(codes.shape[1]))
    print(f'faiss {factory}: {results[factory]}', file=sys.stderr, flush=True)
    with open(out_dir + '/faiss.json', 'w') as f:
        json.dump(dict(version=faiss.__version__, threads=faiss.omp_get_max_threads(), results=results), f, indent=1)

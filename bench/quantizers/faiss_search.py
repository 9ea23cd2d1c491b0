"""FAISS 1.7.3 side of the ADC search-speed benchmark (search-vs-faiss.mjs).

Usage: /usr/bin/python3 faiss_search.py OUT_JSON NQ NTRAIN REPEATS FACTORY [FACTORY...]
Each factory ("PQ16", "OPQ16,PQ16") is trained quickly on the first NTRAIN base images (k-means
niter 10, OPQ 3 alternations: search time does not depend on how well the codebooks are trained),
all 60,000 are added, and top-10 search of the first NQ test images is timed three ways (median of
REPEATS after a warm-up): the batch on one OpenMP thread, one query per call on one thread, the batch
on all threads. Also times sa_encode of all 60,000 base vectors on all threads (median of REPEATS
after a warm-up; the encoder's speed does not depend on training either). Writes per factory those
times (search in ms/query, encode in s) and recall@10 (a sanity check only), and the exact top 10 of
every query (flat index) as `groundtruth`.
"""
import json, sys, time
import numpy as np
import faiss
from fmnist import idx_images

out_json, nq, ntrain, repeats, factories = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:]
base = np.ascontiguousarray(idx_images('train-images-idx3-ubyte.gz'))
queries = np.ascontiguousarray(idx_images('t10k-images-idx3-ubyte.gz')[:nq])
flat = faiss.IndexFlatL2(base.shape[1]); flat.add(base)
_, gt = flat.search(queries, 10)

def median_s(fn):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t = time.perf_counter(); fn(); times.append(time.perf_counter() - t)
    return float(np.median(times))

def median_ms(fn):
    return 1000 * median_s(fn) / nq

threads = faiss.omp_get_max_threads()
results = {}
for factory in factories:
    index = faiss.index_factory(base.shape[1], factory)
    if factory.startswith('OPQ'):
        faiss.downcast_VectorTransform(index.chain.at(0)).niter = 3
        faiss.downcast_index(index.index).pq.cp.niter = 10
    else:
        index.pq.cp.niter = 10
    index.train(base[:ntrain]); index.add(base)
    _, found = index.search(queries, 10)
    recall = float(np.mean([len(set(found[q]) & set(gt[q])) / 10 for q in range(nq)]))
    faiss.omp_set_num_threads(1)
    batch1 = median_ms(lambda: index.search(queries, 10))
    single = median_ms(lambda: [index.search(queries[q:q + 1], 10) for q in range(nq)])
    faiss.omp_set_num_threads(threads)
    batch = median_ms(lambda: index.search(queries, 10))
    encode_s = median_s(lambda: index.sa_encode(base))
    results[factory] = dict(batch_1thread=batch1, nq1_1thread=single, batch_threads=batch, encode_s=encode_s, recall10=recall)
    print(f'faiss {factory}: {results[factory]}', file=sys.stderr, flush=True)
with open(out_json, 'w') as f:
    json.dump(dict(version=faiss.__version__, threads=threads, results=results, groundtruth=gt.astype(int).ravel().tolist()), f)

"""FAISS 1.7.3 side of the RQ benchmark on Fashion-MNIST.

Usage: /usr/bin/python3 faiss_rq.py OUT_DIR NBASE NQ NTRAIN NITER BEAM STAGES NBITS
Base = the first NBASE training images, queries = the first NQ test images, training set = the
first NTRAIN training images. Trains faiss.ResidualQuantizer (index_factory "RQ{STAGES}x{NBITS}")
with max_beam_size BEAM and NITER k-means iterations per stage, all other settings FAISS's
defaults (train_type Train_progressive_dim, seed 1234). Writes OUT_DIR/groundtruth.i32 (NQ x 10,
exact L2 over the base) and OUT_DIR/faiss.json: MSE over the base, recall@10 of the index's
search (ST_decompress: exact on decoded), train s (one run), encode s and search ms/query (one run),
and MSE / recall@10 / encode s of greedy encoding (max_beam_size 1) with the same codebooks.
Runs on one thread (FAISS_THREADS to change).
"""
import gzip, json, os, sys, time
import numpy as np
import faiss

# One thread, as Reef's side (set FAISS_THREADS to change; the BLAS follows OPENBLAS_NUM_THREADS).
faiss.omp_set_num_threads(int(os.environ.get('FAISS_THREADS', '1')))

IDX = '/usr/share/datasets/fashion-mnist/'

def idx_images(name):
    with gzip.open(IDX + name, 'rb') as f:
        raw = f.read()
    n, rows, cols = np.frombuffer(raw[4:16], dtype='>u4')
    return np.frombuffer(raw[16:], dtype=np.uint8).reshape(n, rows * cols).astype(np.float32)

out_dir = sys.argv[1]
nbase, nq, ntrain, niter, beam, stages, nbits = map(int, sys.argv[2:9])
images = idx_images('train-images-idx3-ubyte.gz')
base = np.ascontiguousarray(images[:nbase])
train = np.ascontiguousarray(images[:ntrain])
queries = np.ascontiguousarray(idx_images('t10k-images-idx3-ubyte.gz')[:nq])
d = base.shape[1]
flat = faiss.IndexFlatL2(d); flat.add(base)
_, gt = flat.search(queries, 10)
gt.astype(np.int32).tofile(out_dir + '/groundtruth.i32')

factory = f'RQ{stages}x{nbits}'
index = faiss.index_factory(d, factory)
index.rq.max_beam_size = beam
index.rq.cp.niter = niter
t = time.perf_counter(); index.train(train); train_s = time.perf_counter() - t
t = time.perf_counter(); codes = index.rq.compute_codes(base); encode_s = time.perf_counter() - t
decoded = index.rq.decode(codes)
mse = float(((decoded - base) ** 2).sum(axis=1).mean())
index.add(base)
t = time.perf_counter(); _, found = index.search(queries, 10); search_s = time.perf_counter() - t
recall = float(np.mean([len(set(found[q]) & set(gt[q])) / 10 for q in range(nq)]))

# Greedy encoding (beam 1) with the same codebooks, for beam against greedy.
index.rq.max_beam_size = 1
t = time.perf_counter(); greedy_codes = index.rq.compute_codes(base); greedy_encode_s = time.perf_counter() - t
greedy_decoded = index.rq.decode(greedy_codes)
greedy_mse = float(((greedy_decoded - base) ** 2).sum(axis=1).mean())
greedy_flat = faiss.IndexFlatL2(d); greedy_flat.add(greedy_decoded)
_, greedy_found = greedy_flat.search(queries, 10)  # exact on decoded, as the RQ index's ST_decompress
greedy_recall = float(np.mean([len(set(greedy_found[q]) & set(gt[q])) / 10 for q in range(nq)]))
result = dict(mse=mse, recall10=recall, train_s=train_s, encode_s=encode_s,
              greedy_mse=greedy_mse, greedy_recall10=greedy_recall, greedy_encode_s=greedy_encode_s,
              search_ms_per_query=1000 * search_s / nq, code_bytes=int(index.code_size),
              train_type=int(index.rq.train_type), search_type=int(index.rq.search_type))
print(f'faiss {factory}: {result}', file=sys.stderr, flush=True)
with open(out_dir + '/faiss.json', 'w') as f:
    json.dump(dict(version=faiss.__version__, threads=faiss.omp_get_max_threads(), factory=factory,
                   blas=os.environ.get('LD_LIBRARY_PATH', 'system libblas.so.3'), results=result), f, indent=1)

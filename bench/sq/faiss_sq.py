"""FAISS 1.7.3 side of the SQ benchmark: full Fashion-MNIST, exact ground truth, SQ figures.

Usage: /usr/bin/python3 faiss_sq.py OUT_DIR NQ
Writes OUT_DIR/groundtruth.i32 (NQ x 10 int32) and OUT_DIR/faiss.json. Run by run.mjs.
"""
import gzip, json, sys, time
import numpy as np
import faiss

IDX = '/usr/share/datasets/fashion-mnist/'

def idx_images(name):
    with gzip.open(IDX + name, 'rb') as f:
        raw = f.read()
    n, rows, cols = np.frombuffer(raw[4:16], dtype='>u4')
    return np.frombuffer(raw[16:], dtype=np.uint8).reshape(n, rows * cols).astype(np.float32)

def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter(); out = fn(); times.append(time.perf_counter() - t)
    return float(np.median(times)), out

out_dir, nq = sys.argv[1], int(sys.argv[2])
base = idx_images('train-images-idx3-ubyte.gz')
queries = np.ascontiguousarray(idx_images('t10k-images-idx3-ubyte.gz')[:nq])
d = base.shape[1]
flat = faiss.IndexFlatL2(d); flat.add(base)
_, gt = flat.search(queries, 10)
gt.astype(np.int32).tofile(out_dir + '/groundtruth.i32')

QT = faiss.ScalarQuantizer
CONFIGS = [
    ('SQ8', QT.QT_8bit, QT.RS_minmax),
    ('SQ6', QT.QT_6bit, QT.RS_minmax),
    ('SQ4', QT.QT_4bit, QT.RS_minmax),
    ('SQ4 optim', QT.QT_4bit, QT.RS_optim),
    ('SQ8 global', QT.QT_8bit_uniform, QT.RS_minmax),
    ('SQfp16', QT.QT_fp16, QT.RS_minmax),
]
results = []
for name, qtype, rs in CONFIGS:
    def train():
        index = faiss.IndexScalarQuantizer(d, qtype, faiss.METRIC_L2)
        index.sq.rangestat = rs
        index.train(base)
        return index
    train_s, index = median_time(train, 3)
    encode_s, codes = median_time(lambda: index.sa_encode(base), 3)
    # The C++ sa_encode into one preallocated array (what Reef's encode(v, out) does): the encoder
    # alone, without the first touch of a fresh output array.
    into = np.empty_like(codes)
    encode_into_s, _ = median_time(lambda: index.sa_encode_c(len(base), faiss.swig_ptr(base), faiss.swig_ptr(into)), 3)
    assert (into == codes).all()
    decoded = index.sa_decode(codes)
    mse = float(((decoded.astype(np.float64) - base) ** 2).sum(axis=1).mean())
    index.add(base)
    search_s, (_, found) = median_time(lambda: index.search(queries, 10), 3)
    recall = float(np.mean([len(set(found[i]) & set(gt[i])) / 10 for i in range(nq)]))
    results.append(dict(name=name, code_bytes=int(index.sa_code_size()), mse=mse, recall10=recall,
                        train_s=train_s, encode_s=encode_s, encode_into_s=encode_into_s, search_ms_per_query=1000 * search_s / nq))
    print(f'faiss {name}: mse {mse:.1f} recall@10 {recall:.4f}', file=sys.stderr)
json.dump(dict(faiss=faiss.__version__, threads=faiss.omp_get_max_threads(), nb=len(base), nq=nq, results=results),
          open(out_dir + '/faiss.json', 'w'), indent=1)

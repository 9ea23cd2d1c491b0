"""FAISS 1.7.3 as a timing server for benchmarks that interleave it with Reef (A, B, A, B in one run).

Usage: /usr/bin/python3 faiss_server.py   (started by a bench script; one JSON command per stdin line,
one JSON reply per stdout line)
  {"cmd": "load", "nq": NQ}                         Fashion-MNIST: 60,000 base images, the first NQ test images
  {"cmd": "load_f32", "base": P, "queries": Q, "dim": D}
                                                    base and queries from raw little-endian float32 files
                                                    of D columns (a synthetic set the bench wrote)
  {"cmd": "truth", "path": P, "k": K}               exact top K of every query (flat index) to P, int32
  {"cmd": "build", "factory": F, "dim": D, "ntrain": N, "niter": I, "opq_niter": O}
                                                    train F on the first N base images (default all;
                                                    k-means niter I and OPQ alternations O when given),
                                                    zero-padded to D columns when D > the data's (FAISS's PQ
                                                    needs m to divide the dimension; zero columns change
                                                    no distance), and add the whole base
  {"cmd": "search", "threads": T, "k": K, "path": P, "nq": N}
                                                    search all queries (the first N if given) on T OpenMP
                                                    threads, timed by perf_counter around index.search;
                                                    ids to P if given
Replies {"ok": true, ...} or {"ok": false, "error": ...}.
"""
import ctypes, json, sys, time
import numpy as np
import faiss
from fmnist import idx_images

state = {}

def blas_libraries():
    """The BLAS libraries this process mapped (Debian's alternatives decide: reference BLAS or OpenBLAS)."""
    with open('/proc/self/maps') as maps:
        return sorted({line.split()[-1] for line in maps if 'blas' in line.lower()})

def set_blas_threads(threads):
    """OpenBLAS's own threads follow the OpenMP count, so a 1-thread figure is one thread."""
    try:
        ctypes.CDLL('libopenblas.so.0').openblas_set_num_threads(threads)
    except (OSError, AttributeError):
        pass

def pad(x, dim):
    return x if dim <= x.shape[1] else np.ascontiguousarray(np.pad(x, ((0, 0), (0, dim - x.shape[1]))))

def describe():
    return dict(version=faiss.__version__, max_threads=faiss.omp_get_max_threads(), compile_options=faiss.get_compile_options(), blas=blas_libraries())

def handle(cmd):
    if cmd['cmd'] == 'load':
        state['base'] = np.ascontiguousarray(idx_images('train-images-idx3-ubyte.gz'))
        state['queries'] = np.ascontiguousarray(idx_images('t10k-images-idx3-ubyte.gz')[:cmd['nq']])
        return describe()
    if cmd['cmd'] == 'load_f32':
        state['base'] = np.fromfile(cmd['base'], dtype='<f4').reshape(-1, cmd['dim'])
        state['queries'] = np.fromfile(cmd['queries'], dtype='<f4').reshape(-1, cmd['dim'])
        return describe()
    if cmd['cmd'] == 'truth':
        flat = faiss.IndexFlatL2(state['base'].shape[1]); flat.add(state['base'])
        _, gt = flat.search(state['queries'], cmd['k'])
        gt.astype(np.int32).tofile(cmd['path'])
        return {}
    if cmd['cmd'] == 'build':
        dim = max(cmd.get('dim', 0), state['base'].shape[1])
        index = faiss.index_factory(dim, cmd['factory'])
        if cmd.get('opq_niter'):
            faiss.downcast_VectorTransform(index.chain.at(0)).niter = cmd['opq_niter']
        if cmd.get('niter'):
            inner = faiss.downcast_index(index.index) if cmd['factory'].startswith('OPQ') else index
            inner.pq.cp.niter = cmd['niter']
        base = pad(state['base'], dim)
        t = time.perf_counter(); index.train(base[:cmd.get('ntrain', len(base))]); train_s = time.perf_counter() - t
        index.add(base)
        state['index'], state['padded'] = index, pad(state['queries'], dim)
        return dict(train_s=train_s)
    if cmd['cmd'] == 'search':
        faiss.omp_set_num_threads(cmd['threads'])
        set_blas_threads(cmd['threads'])
        queries = state['padded'][:cmd['nq']] if cmd.get('nq') else state['padded']
        t = time.perf_counter(); _, ids = state['index'].search(queries, cmd['k']); ms = 1000 * (time.perf_counter() - t)
        if cmd.get('path'): ids.astype(np.int32).tofile(cmd['path'])
        return dict(ms=ms)
    raise ValueError(f"unknown command {cmd['cmd']}")

for line in sys.stdin:
    try:
        reply = dict(ok=True, **handle(json.loads(line)))
    except Exception as e:  # one line back, so the bench can say what failed
        reply = dict(ok=False, error=f'{type(e).__name__}: {e}')
    print(json.dumps(reply), flush=True)

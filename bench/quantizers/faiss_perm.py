"""The initial sample FAISS 1.7.3's k-means draws: the first K indices of faiss.rand_perm(n, seed + 1)
(Clustering::train with nredo = 1), the same for every PQ sub-space. For pq-from-init.mjs.

Usage: /usr/bin/python3 faiss_perm.py OUT_PREFIX N K SEED [SEED...]   writes OUT_PREFIX<SEED>.i32 (K int32)
"""
import sys
import numpy as np
import faiss

prefix, n, k, seeds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), [int(s) for s in sys.argv[4:]]
for seed in seeds:
    perm = np.zeros(n, dtype='int32')
    faiss.rand_perm(faiss.swig_ptr(perm), n, seed + 1)
    perm[:k].tofile(f'{prefix}{seed}.i32')
    print(seed, perm[:8])

"""FAISS 1.7.3's PQ MSE and recall@10 on full Fashion-MNIST across k-means seeds, to see how far
a single run's figures move (the spread Reef's are compared within).

Usage: /usr/bin/python3 faiss_seeds.py OUT_DIR FACTORY SEED [SEED...]     e.g.  bench/out/quantizers PQ8 1 2 3 4 5
Same data and definitions as faiss_pq.py: 60,000 base = training images, the first 1000 test images
as queries, MSE = mean squared reconstruction error per base vector, recall@10 of ADC search against
the exact top 10. Only the seed of the sub-quantizers' k-means (pq.cp.seed, default 1234) changes.
Prints one JSON line per seed and the mean and sample standard deviation; writes the exact top 10
(OUT_DIR/groundtruth.i32, as faiss_pq.py does) for reef-seeds.mjs.
"""
import json, sys
import numpy as np
import faiss
from fmnist import idx_images

out_dir, factory, seeds = sys.argv[1], sys.argv[2], [int(s) for s in sys.argv[3:]]
base = np.ascontiguousarray(idx_images('train-images-idx3-ubyte.gz'))
queries = np.ascontiguousarray(idx_images('t10k-images-idx3-ubyte.gz')[:1000])
flat = faiss.IndexFlatL2(base.shape[1]); flat.add(base)
_, gt = flat.search(queries, 10)
gt.astype(np.int32).tofile(out_dir + '/groundtruth.i32')
rows = []
for seed in seeds:
    index = faiss.index_factory(base.shape[1], factory)
    index.pq.cp.seed = seed
    index.train(base)
    decoded = index.sa_decode(index.sa_encode(base))
    mse = float(((decoded - base) ** 2).sum(axis=1).mean())
    index.add(base)
    _, found = index.search(queries, 10)
    recall = float(np.mean([len(set(found[q]) & set(gt[q])) / 10 for q in range(len(queries))]))
    rows.append((mse, recall))
    print(json.dumps(dict(factory=factory, seed=seed, mse=mse, recall10=recall)), flush=True)
a = np.array(rows)
print(json.dumps(dict(factory=factory, seeds=seeds, mse_mean=a[:, 0].mean(), mse_sd=a[:, 0].std(ddof=1) if len(a) > 1 else 0,
                      recall10_mean=a[:, 1].mean(), recall10_sd=a[:, 1].std(ddof=1) if len(a) > 1 else 0)))

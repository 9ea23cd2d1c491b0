"""FAISS 1.7.3's trained PQ codebooks on full Fashion-MNIST, for pq-mix.mjs.

Usage: /usr/bin/python3 faiss_books.py SEED M OUT.f32
Trains faiss.ProductQuantizer(784, M, 8) with k-means seed SEED (pq.cp.seed) on the 60,000 training
images, as IndexPQ's train does, and writes the centroids as float32, M x 256 x (784 / M): the layout
of Reef's ProductCodebooks when M divides 784.
"""
import sys
import numpy as np
import faiss
from fmnist import idx_images

seed, m, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
base = np.ascontiguousarray(idx_images('train-images-idx3-ubyte.gz'))
pq = faiss.ProductQuantizer(base.shape[1], m, 8)
pq.cp.seed = seed
pq.train(base)
faiss.vector_to_array(pq.centroids).astype(np.float32).tofile(out)
print(f'{out}: {m} x 256 x {base.shape[1] // m} float32')

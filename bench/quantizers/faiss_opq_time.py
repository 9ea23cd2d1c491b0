"""FAISS 1.7.3 OPQ training time on full Fashion-MNIST, wall and process CPU (all threads), and MSE.
Usage: LD_LIBRARY_PATH=<OpenBLAS> OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 faiss_opq_time.py "OPQ16,PQ16"
Counterpart of opq-train-time.mjs."""
import sys, time, json, os
import numpy as np
import faiss
from fmnist import idx_images
base = np.ascontiguousarray(idx_images('train-images-idx3-ubyte.gz'))
index = faiss.index_factory(784, sys.argv[1])
w = time.perf_counter(); c = time.process_time(); l0 = os.getloadavg()
index.train(base)
wall = time.perf_counter() - w; cpu = time.process_time() - c
dec = index.sa_decode(index.sa_encode(base))
print(json.dumps(dict(factory=sys.argv[1], train_wall_s=wall, train_cpu_s=cpu, mse=float(((dec - base) ** 2).sum(axis=1).mean()), load_before=l0, load_after=os.getloadavg())), flush=True)

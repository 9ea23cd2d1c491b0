"""Fashion-MNIST for the FAISS side of the quantizer benchmarks (Debian's dataset-fashion-mnist)."""
import gzip
import numpy as np

IDX = '/usr/share/datasets/fashion-mnist/'

def idx_images(name):
    """An IDX3 image file as float32 rows of 784 pixel values 0-255."""
    with gzip.open(IDX + name, 'rb') as f:
        raw = f.read()
    n, rows, cols = np.frombuffer(raw[4:16], dtype='>u4')
    return np.frombuffer(raw[16:], dtype=np.uint8).reshape(n, rows * cols).astype(np.float32)

#!/usr/bin/python3
"""Fine-tuning series for the delta-type benchmark (Debian's python3-torch, CPU).

  fmnist_mlp.py train OUT_DIR   trains a 784-256-128-10 MLP on Fashion-MNIST and writes
                                base.safetensors (after 3 epochs), then ft-1..ft-3.safetensors:
                                the base fine-tuned one epoch each at a lower learning rate
                                (checkpoints of one fine-tuning run) - all float32.
  fmnist_mlp.py eval FILE...    prints 'FILE accuracy' on the 10k test images for each file.

safetensors is written and read by hand (8-byte header length, JSON header, raw little-endian bytes).
"""
import gzip, json, struct, sys
import numpy as np
import torch
from torch import nn

DATA = '/usr/share/datasets/fashion-mnist/'


def idx(name):
    with gzip.open(DATA + name) as f:
        raw = f.read()
    dims = raw[3]
    shape = struct.unpack('>' + 'I' * dims, raw[4:4 + 4 * dims])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def data(split):
    prefix = 'train' if split == 'train' else 't10k'
    x = torch.tensor(idx(f'{prefix}-images-idx3-ubyte.gz').reshape(-1, 784), dtype=torch.float32) / 255.0
    y = torch.tensor(idx(f'{prefix}-labels-idx1-ubyte.gz').astype(np.int64))
    return x, y


def model():
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))


def save(m, path):
    tensors = {k: v.detach().contiguous().numpy().astype('<f4') for k, v in m.state_dict().items()}
    header, offset = {}, 0
    for k, v in tensors.items():
        header[k] = {'dtype': 'F32', 'shape': list(v.shape), 'data_offsets': [offset, offset + v.nbytes]}
        offset += v.nbytes
    h = json.dumps(header).encode()
    h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h)
        for v in tensors.values():
            f.write(v.tobytes())


def load(path):
    with open(path, 'rb') as f:
        raw = f.read()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    m = model()
    state = {}
    for k, e in header.items():
        if k == '__metadata__':
            continue
        a, b = e['data_offsets']
        state[k] = torch.tensor(np.frombuffer(raw[8 + n + a:8 + n + b], dtype='<f4').reshape(e['shape']).copy())
    m.load_state_dict(state)
    return m


def epoch(m, opt, x, y, gen):
    perm = torch.randperm(len(x), generator=gen)
    for i in range(0, len(x), 128):
        b = perm[i:i + 128]
        opt.zero_grad()
        nn.functional.cross_entropy(m(x[b]), y[b]).backward()
        opt.step()


def accuracy(m, x, y):
    with torch.no_grad():
        return (m(x).argmax(1) == y).float().mean().item()


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    if sys.argv[1] == 'train':
        out = sys.argv[2]
        x, y = data('train')
        gen = torch.Generator().manual_seed(0)
        m = model()
        opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
        for _ in range(3):
            epoch(m, opt, x, y, gen)
        save(m, f'{out}/base.safetensors')
        opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
        for e in range(1, 4):
            epoch(m, opt, x, y, gen)
            save(m, f'{out}/ft-{e}.safetensors')
    else:
        x, y = data('test')
        for path in sys.argv[2:]:
            print(path, accuracy(load(path), x, y))


if __name__ == '__main__':
    main()

#!/usr/bin/python3
"""Trains a model on Fashion-MNIST and saves a safetensors checkpoint after every epoch.

The checkpoints are the benchmark series for Reef's weight store (see run.mjs, throughput.mjs).
Uses Debian's python3-torch and the IDX files of the dataset-fashion-mnist package; writes
safetensors by hand (the safetensors module is not packaged), in the same layout as the reference
writer.

Models: `cnn` (default; 420k parameters, 1.68 MB per checkpoint) and `wide-mlp` (784-2048-2048-10,
5.8M parameters, 23.3 MB per checkpoint: a real series where per-byte costs, not per-commit ones,
set the commit throughput).

Usage: /usr/bin/python3 train_fmnist.py [--model cnn|wide-mlp] [--epochs 6] [--out DIR]
  (default DIR: out/checkpoints for cnn, out/checkpoints-wide for wide-mlp)
"""
import argparse
import gzip
import json
import os
import struct
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = '/usr/share/datasets/fashion-mnist'

DTYPES = {torch.float32: 'F32', torch.float64: 'F64', torch.float16: 'F16', torch.bfloat16: 'BF16', torch.int64: 'I64'}


def read_idx(name):
    with gzip.open(os.path.join(DATA, name), 'rb') as f:
        data = f.read()
    magic, count = struct.unpack('>II', data[:8])
    if magic == 2051:
        rows, cols = struct.unpack('>II', data[8:16])
        return torch.frombuffer(bytearray(data[16:]), dtype=torch.uint8).reshape(count, rows, cols)
    return torch.frombuffer(bytearray(data[8:]), dtype=torch.uint8).long()


def save_safetensors(state, path):
    header, blobs, offset = {}, [], 0
    for name, t in state.items():
        t = t.detach().contiguous().cpu()
        # numpy has no bfloat16: the same bits through int16
        raw = (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes()
        header[name] = {'dtype': DTYPES[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header['__metadata__'] = {'format': 'pt'}
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * ((8 - (8 + len(text)) % 8) % 8)
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        # Small convolutions (cheap on one CPU thread), a wide dense layer (most of the 1.7 MB).
        self.conv1 = nn.Conv2d(1, 16, 3)
        self.conv2 = nn.Conv2d(16, 32, 3)
        self.bn = nn.BatchNorm2d(32)
        self.fc1 = nn.Linear(32 * 5 * 5, 512)
        self.fc2 = nn.Linear(512, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.bn(self.conv2(x))), 2)
        x = F.relu(self.fc1(x.flatten(1)))
        return self.fc2(x)


class WideMlp(nn.Module):
    # Two wide dense layers: most of the 23 MB, trained by the same SGD as the CNN.
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(28 * 28, 2048)
        self.fc2 = nn.Linear(2048, 2048)
        self.fc3 = nn.Linear(2048, 10)

    def forward(self, x):
        x = F.relu(self.fc1(x.flatten(1)))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


MODELS = {'cnn': (Net, 'checkpoints'), 'wide-mlp': (WideMlp, 'checkpoints-wide')}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--model', choices=sorted(MODELS), default='cnn')
    ap.add_argument('--epochs', type=int, default=6)
    ap.add_argument('--out', default=None)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--images', type=int, default=None,
                    help='training images per epoch, a fresh random subset each epoch (default: all 60,000 for cnn, '
                         '12,000 for wide-mlp, whose dense layers cost ~14x the CNN per image on the CPU)')
    args = ap.parse_args()
    model, folder = MODELS[args.model]
    images = args.images or (12000 if args.model == 'wide-mlp' else 60000)
    args.out = args.out or os.path.join(os.path.dirname(os.path.abspath(__file__)), 'out', folder)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    x = read_idx('train-images-idx3-ubyte.gz').float().div(255).unsqueeze(1)
    y = read_idx('train-labels-idx1-ubyte.gz')
    xt = read_idx('t10k-images-idx3-ubyte.gz').float().div(255).unsqueeze(1)
    yt = read_idx('t10k-labels-idx1-ubyte.gz')
    net = model()
    opt = torch.optim.SGD(net.parameters(), lr=0.02, momentum=0.9, weight_decay=1e-4)
    save_safetensors(net.state_dict(), os.path.join(args.out, 'epoch-00.safetensors'))
    for epoch in range(1, args.epochs + 1):
        start = time.time()
        net.train()
        perm = torch.randperm(len(x))[:images]
        for i in range(0, len(perm), 128):
            idx = perm[i:i + 128]
            opt.zero_grad()
            loss = F.cross_entropy(net(x[idx]), y[idx])
            loss.backward()
            opt.step()
        net.eval()
        with torch.no_grad():
            acc = (net(xt).argmax(1) == yt).float().mean().item()
        save_safetensors(net.state_dict(), os.path.join(args.out, f'epoch-{epoch:02d}.safetensors'))
        print(f'epoch {epoch} ({len(perm)} images): loss {loss.item():.4f} test accuracy {acc:.4f} ({time.time() - start:.1f} s)', flush=True)


if __name__ == '__main__':
    main()

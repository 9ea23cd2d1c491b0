#!/usr/bin/python3
"""Fine-tunes the trained Fashion-MNIST CNN into several variants: the clustering benchmark's models.

Starts from the last checkpoint of train_fmnist.py and fine-tunes one copy per variant for a few
hundred SGD steps on a different class-skewed subset of the training set (as task-specific
fine-tunes of one base model are), saving each as safetensors with its test accuracy.

Usage: /usr/bin/python3 finetune_variants.py [--base out/checkpoints/epoch-06.safetensors]
       [--variants 6] [--steps 150] [--out out/variants]
"""
import argparse
import json
import os
import struct
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_fmnist import Net, read_idx, save_safetensors  # noqa: E402

TORCH = {'F32': torch.float32, 'F64': torch.float64, 'I64': torch.int64}


def load_safetensors(path):
    with open(path, 'rb') as f:
        data = f.read()
    n = struct.unpack('<Q', data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, meta in header.items():
        if name == '__metadata__':
            continue
        a, b = meta['data_offsets']
        out[name] = torch.frombuffer(bytearray(data[8 + n + a:8 + n + b]), dtype=TORCH[meta['dtype']]).reshape(meta['shape'])
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument('--base', default=os.path.join(here, 'out', 'checkpoints', 'epoch-06.safetensors'))
    ap.add_argument('--variants', type=int, default=6)
    ap.add_argument('--steps', type=int, default=150)
    ap.add_argument('--lr', type=float, default=0.005)
    ap.add_argument('--out', default=os.path.join(here, 'out', 'variants'))
    args = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    x = read_idx('train-images-idx3-ubyte.gz').float().div(255).unsqueeze(1)
    y = read_idx('train-labels-idx1-ubyte.gz')
    xt = read_idx('t10k-images-idx3-ubyte.gz').float().div(255).unsqueeze(1)
    yt = read_idx('t10k-labels-idx1-ubyte.gz')
    base = load_safetensors(args.base)
    net = Net()
    net.load_state_dict(base)
    net.eval()
    with torch.no_grad():
        print(f'base: test accuracy {(net(xt).argmax(1) == yt).float().mean().item():.4f}', flush=True)
    for v in range(args.variants):
        start = time.time()
        torch.manual_seed(100 + v)
        net = Net()
        net.load_state_dict(base)
        # Each variant's task: two favoured classes weighted 5x, so the fine-tunes differ in direction.
        weights = torch.ones(10)
        weights[(2 * v) % 10] = 5
        weights[(2 * v + 1) % 10] = 5
        sampler = torch.multinomial(weights[y], args.steps * 64, replacement=True)
        opt = torch.optim.SGD(net.parameters(), lr=args.lr, momentum=0.9)
        net.train()
        for s in range(args.steps):
            idx = sampler[s * 64:(s + 1) * 64]
            opt.zero_grad()
            F.cross_entropy(net(x[idx]), y[idx]).backward()
            opt.step()
        net.eval()
        with torch.no_grad():
            acc = (net(xt).argmax(1) == yt).float().mean().item()
        save_safetensors(net.state_dict(), os.path.join(args.out, f'variant-{v:02d}.safetensors'))
        print(f'variant {v}: test accuracy {acc:.4f} ({time.time() - start:.1f} s)', flush=True)


if __name__ == '__main__':
    main()

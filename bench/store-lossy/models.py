#!/usr/bin/python3
"""Fine-tuned variants of one base model, and test accuracy of any checkpoints (for bench/store-lossy).

  variants: fine-tunes the last checkpoint of bench/store/train_fmnist.py into N variants, each for a
            few hundred SGD steps on a different class-skewed subset of the training set (as
            task-specific fine-tunes of one base model are), saved as safetensors.
  evaluate: prints {"file": test accuracy} as JSON for the safetensors files given (the same CNN).

Uses Debian's python3-torch and the IDX files of the dataset-fashion-mnist package.

Usage: /usr/bin/python3 models.py variants --base ../store/out/checkpoints/epoch-06.safetensors --out out/variants [--n 4] [--steps 200]
       /usr/bin/python3 models.py evaluate file.safetensors ...
"""
import argparse
import json
import os
import struct
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'store'))
from train_fmnist import Net, read_idx, save_safetensors  # noqa: E402

TORCH = {'F32': torch.float32, 'F64': torch.float64, 'F16': torch.float16, 'BF16': torch.bfloat16, 'I64': torch.int64}


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
        out[name] = torch.frombuffer(bytearray(data[8 + n + a:8 + n + b]), dtype=TORCH[meta['dtype']]).reshape(meta['shape']).clone()
    return out


def test_set():
    xt = read_idx('t10k-images-idx3-ubyte.gz').float().div(255).unsqueeze(1)
    yt = read_idx('t10k-labels-idx1-ubyte.gz')
    return xt, yt


def accuracy(net, xt, yt):
    net.eval()
    with torch.no_grad():
        return (net(xt).argmax(1) == yt).float().mean().item()


def variants(args):
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    x = read_idx('train-images-idx3-ubyte.gz').float().div(255).unsqueeze(1)
    y = read_idx('train-labels-idx1-ubyte.gz')
    xt, yt = test_set()
    base = load_safetensors(args.base)
    for k in range(args.n):
        net = Net()
        net.load_state_dict(base)
        # Class-skewed subset: two favoured classes make up half of every batch.
        favoured = torch.tensor([(2 * k) % 10, (2 * k + 1) % 10])
        mask = (y.unsqueeze(1) == favoured).any(1)
        fav, rest = mask.nonzero().squeeze(1), (~mask).nonzero().squeeze(1)
        opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
        net.train()
        for _ in range(args.steps):
            idx = torch.cat([fav[torch.randint(len(fav), (64,))], rest[torch.randint(len(rest), (64,))]])
            opt.zero_grad()
            F.cross_entropy(net(x[idx]), y[idx]).backward()
            opt.step()
        path = os.path.join(args.out, f'variant-{k}.safetensors')
        save_safetensors(net.state_dict(), path)
        print(f'{path}: test accuracy {accuracy(net, xt, yt):.4f}', flush=True)


def evaluate(args):
    torch.set_num_threads(1)
    xt, yt = test_set()
    out = {}
    for path in args.files:
        net = Net()
        net.load_state_dict(load_safetensors(path))
        out[path] = accuracy(net, xt, yt)
    print(json.dumps(out))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest='cmd', required=True)
    v = sub.add_parser('variants')
    v.add_argument('--base', required=True)
    v.add_argument('--out', required=True)
    v.add_argument('--n', type=int, default=4)
    v.add_argument('--steps', type=int, default=200)
    v.add_argument('--seed', type=int, default=1)
    e = sub.add_parser('evaluate')
    e.add_argument('files', nargs='+')
    args = ap.parse_args()
    variants(args) if args.cmd == 'variants' else evaluate(args)


if __name__ == '__main__':
    main()

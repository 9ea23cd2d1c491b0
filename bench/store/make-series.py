#!/usr/bin/python3
"""Builds the public benchmark series of Reef's weight store: one real training run of a small model.

A small CNN (train_fmnist.Net, 420k parameters) trained on Fashion-MNIST (Debian's
dataset-fashion-mnist IDX files) on the CPU with a fixed seed, saved as safetensors:
  epoch-01 ... epoch-NN   f32 checkpoints after each epoch (each epoch: a fresh random subset of --images)
  epoch-NN.bf16           bf16 cast of the last epoch (PyTorch's round to nearest even)
  epoch-NN.f16            f16 cast of the last epoch
  finetune                f32 fine-tune of the last epoch (--finetune-steps SGD steps, two classes weighted 5x)
  lora-merged.f16         rank-4 LoRA adapters on fc1 and fc2 trained on the last epoch (base frozen),
                          merged into the weights (W + B A) and saved in f16, as merged adapters are shipped
series.json lists the files in commit order with each one's role and test accuracy.

Output goes outside the repository by default: $XDG_CACHE_HOME/reef/bench/fmnist-series
(~/.cache/... when XDG_CACHE_HOME is unset), or --out DIR.

Usage: /usr/bin/python3 bench/store/make-series.py [--epochs 6] [--images 10000] [--out DIR]
"""
import argparse
import json
import os
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_fmnist import Net, read_idx, save_safetensors  # noqa: E402


def default_out():
    cache = os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(cache, 'reef', 'bench', 'fmnist-series')


TORCH = {'F32': torch.float32, 'I64': torch.int64}


def load_safetensors(path):
    with open(path, 'rb') as f:
        data = f.read()
    n = struct.unpack('<Q', data[:8])[0]
    header = json.loads(data[8:8 + n])
    return {name: torch.frombuffer(bytearray(data[8 + n + a:8 + n + b]), dtype=TORCH[m['dtype']]).reshape(m['shape'])
            for name, m in header.items() if name != '__metadata__' for a, b in [m['data_offsets']]}


def accuracy(net, xt, yt):
    net.eval()
    with torch.no_grad():
        return (net(xt).argmax(1) == yt).float().mean().item()


def sgd_steps(net, params, x, y, steps, lr, sampler, batch=64):
    opt = torch.optim.SGD(params, lr=lr, momentum=0.9)
    net.train()
    for s in range(steps):
        idx = sampler[s * batch:(s + 1) * batch]
        opt.zero_grad()
        F.cross_entropy(net(x[idx]), y[idx]).backward()
        opt.step()


class LoraLinear(nn.Module):
    """A frozen nn.Linear plus a trainable low-rank update B @ A (A random, B zero: starts as the base)."""

    def __init__(self, base, rank, alpha):
        super().__init__()
        self.base = base
        self.scale = alpha / rank
        self.a = nn.Parameter(torch.randn(rank, base.in_features) / base.in_features ** 0.5)
        self.b = nn.Parameter(torch.zeros(base.out_features, rank))

    def forward(self, x):
        return self.base(x) + (x @ self.a.t() @ self.b.t()) * self.scale

    def merged_weight(self):
        return self.base.weight + (self.b @ self.a) * self.scale


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--epochs', type=int, default=6)
    ap.add_argument('--images', type=int, default=10000, help='training images per epoch (a fresh random subset each epoch)')
    ap.add_argument('--finetune-steps', type=int, default=150)
    ap.add_argument('--lora-steps', type=int, default=150)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--out', default=default_out())
    ap.add_argument('--reuse-epochs', action='store_true',
                    help='load the f32 epochs already in --out instead of training them again (what follows them is seeded on its own)')
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    x = read_idx('train-images-idx3-ubyte.gz').float().div(255).unsqueeze(1)
    y = read_idx('train-labels-idx1-ubyte.gz')
    xt = read_idx('t10k-images-idx3-ubyte.gz').float().div(255).unsqueeze(1)
    yt = read_idx('t10k-labels-idx1-ubyte.gz')
    series = []

    def save(state, name, role, acc, **extra):
        save_safetensors(state, os.path.join(args.out, name))
        series.append({'file': name, 'role': role, 'testAccuracy': round(acc, 4), **extra})
        print(f'{name}: {role}, test accuracy {acc:.4f}', flush=True)

    net = Net()
    opt = torch.optim.SGD(net.parameters(), lr=0.02, momentum=0.9, weight_decay=1e-4)
    if args.reuse_epochs:
        for epoch in range(1, args.epochs + 1):
            name = f'epoch-{epoch:02d}.safetensors'
            net.load_state_dict(load_safetensors(os.path.join(args.out, name)))
            series.append({'file': name, 'role': 'f32 epoch', 'testAccuracy': round(accuracy(net, xt, yt), 4)})
    for epoch in range(1, 0 if args.reuse_epochs else args.epochs + 1):
        start = time.time()
        net.train()
        perm = torch.randperm(len(x))[:args.images]
        for i in range(0, len(perm), 128):
            idx = perm[i:i + 128]
            opt.zero_grad()
            F.cross_entropy(net(x[idx]), y[idx]).backward()
            opt.step()
        save(net.state_dict(), f'epoch-{epoch:02d}.safetensors', 'f32 epoch', accuracy(net, xt, yt), seconds=round(time.time() - start, 1))
    last = f'epoch-{args.epochs:02d}'
    base = {k: v.clone() for k, v in net.state_dict().items()}

    # Casts of the last epoch, as `model.to(torch.bfloat16)` / `.half()` save them (integer buffers stay).
    for dtype, suffix in ((torch.bfloat16, 'bf16'), (torch.float16, 'f16')):
        state = {k: (v.to(dtype) if v.is_floating_point() else v) for k, v in base.items()}
        half = Net().to(dtype)
        half.load_state_dict(state)
        save(state, f'{last}.{suffix}.safetensors', f'{suffix} cast of {last}', accuracy(half.float(), xt, yt), castOf=f'{last}.safetensors')

    # Fine-tune: every weight moves a little, on a class-skewed sample (a task-specific fine-tune).
    torch.manual_seed(args.seed + 100)
    weights = torch.ones(10)
    weights[[0, 6]] = 5  # t-shirt and shirt, the classes the base confuses most
    sampler = torch.multinomial(weights[y], args.finetune_steps * 64, replacement=True)
    tuned = Net()
    tuned.load_state_dict(base)
    sgd_steps(tuned, tuned.parameters(), x, y, args.finetune_steps, 0.005, sampler)
    save(tuned.state_dict(), 'finetune.safetensors', f'f32 fine-tune of {last}', accuracy(tuned, xt, yt), parent=f'{last}.safetensors')

    # LoRA on the dense layers, base frozen; merged and shipped in f16.
    torch.manual_seed(args.seed + 200)
    lora = Net()
    lora.load_state_dict(base)
    for p in lora.parameters():
        p.requires_grad_(False)
    lora.fc1 = LoraLinear(lora.fc1, rank=4, alpha=8)
    lora.fc2 = LoraLinear(lora.fc2, rank=4, alpha=8)
    adapters = [lora.fc1.a, lora.fc1.b, lora.fc2.a, lora.fc2.b]
    weights = torch.ones(10)
    weights[[2, 4]] = 5  # pullover and coat
    sampler = torch.multinomial(weights[y], args.lora_steps * 64, replacement=True)
    sgd_steps(lora, adapters, x, y, args.lora_steps, 0.01, sampler)
    merged = Net()
    state = dict(base)
    with torch.no_grad():
        state['fc1.weight'] = lora.fc1.merged_weight().detach()
        state['fc2.weight'] = lora.fc2.merged_weight().detach()
    merged.load_state_dict(state)
    acc = accuracy(merged, xt, yt)
    state = {k: (v.half() if v.is_floating_point() else v) for k, v in state.items()}
    save(state, 'lora-merged.f16.safetensors', f'rank-4 LoRA on fc1, fc2 of {last}, merged, f16', acc, parent=f'{last}.safetensors')

    meta = {'model': 'train_fmnist.Net (CNN, 420k parameters)', 'dataset': 'Fashion-MNIST', 'seed': args.seed,
            'epochs': args.epochs, 'imagesPerEpoch': args.images, 'torch': torch.__version__, 'files': series}
    with open(os.path.join(args.out, 'series.json'), 'w') as f:
        json.dump(meta, f, indent=2)
    print(f'series in {args.out}')


if __name__ == '__main__':
    main()

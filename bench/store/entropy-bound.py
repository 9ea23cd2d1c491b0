#!/usr/bin/python3
"""What better models could reach on the public series (issue 19): adaptive code lengths per file.

For every file of series.json after the first, each float tensor is predicted from earlier files and
the prediction error is costed as an adaptive coder would pay for it. Code lengths are exact for a
sequential Krichevsky-Trofimov coder (count-based, alphabet A, each context learning from zero):
  bits(context) = log2 Gamma(n + A/2) - log2 Gamma(A/2) - sum_s [log2 Gamma(n_s + 1/2) - log2 Gamma(1/2)]
so every figure includes what the model pays to learn (no probabilities are stored or assumed known).
Raw bits are counted as 1 bit each. Tensors under 4,096 elements are costed at their raw size (the
store keeps them whole; they are 1% of an epoch).

Models (per element, u = the f32/f16 bit pattern mapped to a monotone integer):
  xor-planes    the current coding: XOR against the reference, byte planes; top plane with the
                reference's exponent and "element before changed" as context, second plane with the
                reference's exponent and "own top changed", two low planes raw (f32)
  xor-length    XOR as (bit length of the XOR, context: reference exponent and the neighbours'
                lengths) + the top 2 bits below its leading 1 (context: length) + the rest raw
  residual      r = u(target) - u(prediction), zigzag; coded as (bit length L of r, context: none,
                the reference's exponent, "nb" below, or both) + the 2 bits below the leading 1
                (context: L) + the rest raw (fpzip style)
Predictions (for `residual`):
  prev          the reference itself (the previous epoch / the parent)
  extrap        w1 + a (w1 - w0), a fitted per tensor (least squares, stored as 4 bytes)
  lowrank-k     w1 + U V (rank k of the update, by SVD; factors stored in f16, costed)
  f16ref-lowrank-k  for the f16 LoRA merge: against the f16 copy of the parent (what the store
                offers as its reference), f16(copy + rank-k of the difference); `lowrank-k` there is
                against the f32 parent itself
Context for L ("nb"): the reference's exponent e and the update magnitude of the left and upper
neighbours in absolute terms (their L + their exponent), predicting this element's L as
mean(neighbours) - e; the context is that prediction (clamped 0..40).

What a model implies for the whole series: the measured Reef total of a run that stored these
tensors as xor-planes (--xor-total, kB; default: 9,352.4, bench/store/series.mjs at 78234e8), minus
the xor-planes estimate here, plus the model's estimate, over zstd -19 of every file (--zstd-total).

Usage: /usr/bin/python3 bench/store/entropy-bound.py [--series DIR] [--xor-total KB] [--zstd-total KB]
"""
import argparse
import json
import math
import os
import struct
import sys

import numpy as np

LN2 = math.log(2)
_lgamma = np.frompyfunc(math.lgamma, 1, 1)


def gammaln(x):
    return np.asarray(_lgamma(np.asarray(x, dtype=np.float64)), dtype=np.float64)


def default_series():
    cache = os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(cache, 'reef', 'bench', 'fmnist-series')


DT = {'F32': np.float32, 'F16': np.float16, 'BF16': np.uint16, 'I64': np.int64}


def load(path):
    data = open(path, 'rb').read()
    n = struct.unpack('<Q', data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, m in header.items():
        if name == '__metadata__':
            continue
        a, b = m['data_offsets']
        out[name] = (m['dtype'], np.frombuffer(data[8 + n + a:8 + n + b], dtype=DT[m['dtype']]).reshape(m['shape']))
    return out, len(data)


def kt_bits(ctx, sym, alphabet):
    """Adaptive (KT) code length in bits of symbols `sym` under contexts `ctx`, both int arrays."""
    if sym.size == 0:
        return 0.0
    key = ctx.astype(np.int64) * alphabet + sym.astype(np.int64)
    _, pair_counts = np.unique(key, return_counts=True)
    _, ctx_counts = np.unique(ctx, return_counts=True)
    half = 0.5
    bits = np.sum(gammaln(ctx_counts + alphabet * half) - gammaln(alphabet * half))
    bits -= np.sum(gammaln(pair_counts + half) - gammaln(half))
    return float(bits / LN2)


def monotone(bits, width):
    """Bit patterns to integers in the order of the floats they encode (-0 just below +0)."""
    b = bits.astype(np.int64)
    sign = 1 << (8 * width - 1)
    full = (1 << (8 * width)) - 1
    return np.where(b & sign, full - b, b | sign) - sign  # centred: +0 -> 0, -0 -> -1


def bitlen(z):
    """Bit length of non-negative int64 values (0 for 0)."""
    out = np.zeros(z.shape, dtype=np.int64)
    v = z.copy()
    for s in (32, 16, 8, 4, 2, 1):
        m = v >= (1 << s)
        out[m] += s
        v[m] >>= s
    return out + (v > 0)


def top_bits_cost(z, L, extra=2):
    """Cost of the `extra` bits right below the leading 1 (context: L and the bits above) + the rest raw."""
    bits = 0.0
    above = np.zeros_like(L)
    for j in range(1, extra + 1):
        m = L > j
        b = (z[m] >> (L[m] - 1 - j)) & 1
        bits += kt_bits(L[m] * (1 << j) + above[m], b, 2)
        above[m] = above[m] * 2 + b
    raw = np.maximum(L - 1 - extra, 0).sum()
    return bits + float(raw)


def exponent_of(ref, dtype):
    r = ref.view(np.uint32 if dtype == 'F32' else np.uint16).astype(np.int64)
    if dtype == 'F32':
        return (r >> 23) & 0xFF
    if dtype == 'BF16':
        return (r >> 7) & 0xFF
    return (r >> 10) & 0x1F


def neighbour_context(L, e, cols):
    """Predicted L from the left and upper neighbours' update magnitude (L + exponent), minus own exponent."""
    a = np.where(L > 0, L + e, 0).astype(np.float64)
    left = np.concatenate([[0.0], a[:-1]])
    up = np.concatenate([np.zeros(cols), a[:-cols]]) if cols < a.size else np.zeros(a.size)
    have = (left > 0).astype(np.float64) + (up > 0)
    mean = np.where(have > 0, (left + up) / np.maximum(have, 1), 0)
    pred = np.where(have > 0, np.rint(mean - e), -1)
    return (np.clip(pred, -1, 40) + 1).astype(np.int64)


def residual_cost(target_u, pred_u, e, cols, ctx_mode='nb'):
    r = target_u - pred_u
    z = np.where(r >= 0, 2 * r, -2 * r - 1)
    L = bitlen(z)
    if ctx_mode == 'none':
        ctx = np.zeros_like(L)
    elif ctx_mode == 'exp':
        ctx = e
    else:
        ctx = neighbour_context(L, e, cols) * 256 + np.clip(e, 0, 255) if ctx_mode == 'nb+exp' else neighbour_context(L, e, cols)
    return kt_bits(ctx, L, 66) + top_bits_cost(z, L), L


def xor_planes_cost(t_bits, r_bits, width, e):
    x = (t_bits ^ r_bits).astype(np.int64)
    n = x.size
    if width == 4:
        top = (((x >> 23) & 0xFF)).astype(np.int64)  # exponent-aligned: top plane = exponent XOR
        second = ((x >> 31) << 7 | ((x >> 16) & 0x7F)).astype(np.int64)
        cls = np.clip(e - 96, 0, 31)
        prev_changed = np.concatenate([[0], (top[:-1] != 0).astype(np.int64)])
        zero = (top == 0).astype(np.int64)
        bits = kt_bits(cls * 2 + prev_changed, zero, 2) + kt_bits((cls * 2 + prev_changed)[top != 0], top[top != 0], 256)
        bits += kt_bits(cls * 2 + (top != 0), second, 256)
        return bits + 16.0 * n
    top = (x >> 8) & 0xFF
    low = x & 0xFF
    cls = e
    prev_changed = np.concatenate([[0], (top[:-1] != 0).astype(np.int64)])
    zero = (top == 0).astype(np.int64)
    bits = kt_bits(cls * 2 + prev_changed, zero, 2) + kt_bits((cls * 2 + prev_changed)[top != 0], top[top != 0], 256)
    return bits + kt_bits(cls * 2 + (top != 0), low, 256)


def xor_length_cost(t_bits, r_bits, e, cols):
    x = (t_bits ^ r_bits).astype(np.int64)
    L = bitlen(x)
    ctx = neighbour_context(L, e, cols)
    return kt_bits(ctx, L, 66) + top_bits_cost(x, L, extra=1)


def as2d(a):
    return a.reshape(a.shape[0], -1) if a.ndim >= 2 else a.reshape(1, -1)


def f16_bits(x):
    return x.astype(np.float16).view(np.uint16)


def lowrank(delta2d, k):
    u, s, vt = np.linalg.svd(delta2d.astype(np.float64), full_matrices=False)
    U = (u[:, :k] * s[:k]).astype(np.float16).astype(np.float64)
    V = vt[:k].astype(np.float16).astype(np.float64)
    return U @ V, k * (delta2d.shape[0] + delta2d.shape[1]) * 2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--series', default=default_series())
    ap.add_argument('--xor-total', type=float, default=9352.4)
    ap.add_argument('--zstd-total', type=float, default=13038.9)
    args = ap.parse_args()
    meta = json.load(open(os.path.join(args.series, 'series.json')))
    files = [f['file'] for f in meta['files']]
    loaded = {f: load(os.path.join(args.series, f)) for f in files}
    epochs = [f for f in files if f.startswith('epoch-') and f.count('.') == 1]
    results = []
    for idx, f in enumerate(files):
        tensors, size = loaded[f]
        if f == files[0]:
            continue
        parent = None
        grand = None
        if f in epochs:
            i = epochs.index(f)
            parent = loaded[epochs[i - 1]][0]
            grand = loaded[epochs[i - 2]][0] if i >= 2 else None
        elif f.startswith('finetune') or f.startswith('lora'):
            parent = loaded[epochs[-1]][0]
            grand = loaded[epochs[-2]][0]
        else:
            continue  # casts: stored as `cast` objects already (0.1% of their size)
        row = {'file': f, 'elements': 0, 'small_bits': 0.0}
        models = {}
        for name, (dtype, t) in tensors.items():
            if dtype not in ('F32', 'F16'):
                row['small_bits'] += t.nbytes * 8
                continue
            if t.size < 4096:
                row['small_bits'] += t.nbytes * 8
                continue
            p = parent[name][1].astype(np.float32)
            g = grand[name][1].astype(np.float32) if grand is not None else None
            width = 4 if dtype == 'F32' else 2
            cols = as2d(t).shape[1]
            row['elements'] += t.size
            flat_t = t.reshape(-1)
            if dtype == 'F32':
                tb = flat_t.view(np.uint32).astype(np.int64)
                ref = p.reshape(-1)
                rb = ref.view(np.uint32).astype(np.int64)
            else:
                tb = flat_t.view(np.uint16).astype(np.int64)
                ref = p.reshape(-1).astype(np.float16)  # the f16 cast of the parent: what the store holds
                rb = ref.view(np.uint16).astype(np.int64)
            e = exponent_of(ref, dtype)
            tu = monotone(tb, width)

            def add(model, bits):
                models[model] = models.get(model, 0.0) + bits

            add('xor-planes', xor_planes_cost(tb, rb, width, e))
            add('xor-length', xor_length_cost(tb, rb, e, cols))
            for mode in ('none', 'exp', 'nb', 'nb+exp'):
                add(f'residual/prev/{mode}', residual_cost(tu, monotone(rb, width), e, cols, mode)[0])
            tf = flat_t.astype(np.float64)
            pf = p.reshape(-1).astype(np.float64)
            if g is not None:
                d1 = pf - g.reshape(-1)
                d2 = tf - pf
                a = float(np.dot(d1, d2) / max(np.dot(d1, d1), 1e-300))
                pred = (pf + a * d1)
                pb = pred.astype(np.float32).view(np.uint32) if width == 4 else f16_bits(pred)
                add('residual/extrap/nb', residual_cost(tu, monotone(pb.astype(np.int64), width), e, cols, 'nb')[0] + 32)
            for k in (1, 4, 16, 64):
                d2 = as2d(tf.reshape(t.shape) - pf.reshape(t.shape))
                if min(d2.shape) <= k:
                    add(f'residual/lowrank-{k}/nb', residual_cost(tu, monotone(rb, width), e, cols, 'nb')[0])
                    continue
                approx, cost = lowrank(d2, k)
                pred = pf + approx.reshape(-1)
                pb = pred.astype(np.float32).view(np.uint32) if width == 4 else f16_bits(pred)
                add(f'residual/lowrank-{k}/nb', residual_cost(tu, monotone(pb.astype(np.int64), width), e, cols, 'nb')[0] + cost * 8)
            if width == 2:
                # Against the f16 copy of the parent (what the store holds as the same-dtype namesake).
                rf = ref.astype(np.float64)
                for k in (4, 8):
                    d2 = as2d(tf.reshape(t.shape) - rf.reshape(t.shape))
                    if min(d2.shape) <= k:
                        continue
                    approx, cost = lowrank(d2, k)
                    pb = f16_bits(rf + approx.reshape(-1))
                    add(f'residual/f16ref-lowrank-{k}/nb', residual_cost(tu, monotone(pb.astype(np.int64), width), e, cols, 'nb')[0] + cost * 8)
        # Models that do not apply to a file count as the model they reduce to there: extrapolation
        # without an epoch before the reference is `prev`; an f16 reference only exists for f16 files.
        for m in list(models) if not any(k.startswith('residual/f16ref-') for k in models) else []:
            if m.startswith('residual/lowrank-'):
                models.setdefault(m.replace('residual/lowrank-', 'residual/f16ref-lowrank-'), models[m])
        models.setdefault('residual/extrap/nb', models['residual/prev/nb'])
        row['models'] = {k: v for k, v in models.items()}
        results.append(row)

    names = sorted({m for r in results for m in r['models']}, key=lambda m: (m.count('/'), m))
    print(f"{'file':<22} {'elements':>9}  " + '  '.join(f'{n:>22}' for n in names))
    for r in results:
        cells = []
        for n in names:
            b = r['models'].get(n)
            cells.append(f"{b / r['elements']:8.2f} b {b / 8000:8.1f}kB" if b is not None else ' ' * 22)
        print(f"{r['file']:<22} {r['elements']:>9}  " + '  '.join(cells))
    print()
    print(f"{'model':<30} {'epochs b/param':>15} {'fine-tune':>10} {'LoRA f16':>9} {'all kB':>9} {'implied total kB':>17} {'/ zstd -19':>10}")
    base = sum(r['models']['xor-planes'] for r in results) / 8000
    for n in names:
        if any(n not in r['models'] for r in results):
            continue
        ep = [r['models'][n] / r['elements'] for r in results if r['file'].startswith('epoch-')]
        ft = next(r['models'][n] / r['elements'] for r in results if r['file'].startswith('finetune'))
        lo = next(r['models'][n] / r['elements'] for r in results if r['file'].startswith('lora'))
        kb = sum(r['models'][n] for r in results) / 8000
        implied = args.xor_total - base + kb
        print(f"{n:<30} {min(ep):6.2f}-{max(ep):5.2f}    {ft:8.2f}   {lo:7.2f} {kb:9.1f} {implied:17.1f} {implied / args.zstd_total:10.3f}")
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'out')
    os.makedirs(out, exist_ok=True)
    json.dump(results, open(os.path.join(out, 'entropy-bound.json'), 'w'), indent=1)


if __name__ == '__main__':
    main()

// Reef's OPQ training time on full Fashion-MNIST, wall and process CPU (worker threads included), and MSE;
// counterpart of faiss_opq_time.py.  Run: node bench/quantizers/opq-train-time.mjs 16
import { loadavg } from 'node:os';
import { OptimizedProductQuantizer } from '../../plugins/opq/dist/index.js';
import { fashionMnist } from './fmnist.mjs';
import { pool } from './pool.mjs';
const base = fashionMnist('train-images-idx3-ubyte.gz');
const m = Number(process.argv[2] ?? 16);
const q = new OptimizedProductQuantizer({ m, nbits: 8 }, { pool });
const l0 = loadavg(); const c0 = process.cpuUsage(); const t0 = performance.now();
await q.fit(base);
const wall = (performance.now() - t0) / 1000; const c = process.cpuUsage(c0);
const dec = q.decode(q.encode(base)); let se = 0; for (let i = 0; i < dec.length; i++) se += (dec[i] - base.data[i]) ** 2;
// Process CPU includes the worker threads (they are threads of this process).
console.log(JSON.stringify({ m, train_wall_s: wall, train_cpu_s: (c.user + c.system) / 1e6, mse: se / base.count, load_before: l0, load_after: loadavg() }));

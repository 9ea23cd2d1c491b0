// Child process for the streaming test: adds a large model file, commits, exports it to a file and
// reports its peak resident memory against a baseline taken once the HDF5 module is loaded.
import { h5ready } from '@reef/hdf5';
import { losslessRegistry } from './registry.mjs';
import { Repository } from '../../dist/index.js';

const [repoDir, file, out, cacheBytes] = process.argv.slice(2);
await h5ready();
const repo = Repository.init(repoDir, { registry: losslessRegistry(), cacheBytes: Number(cacheBytes) });
const baseline = process.memoryUsage().rss;
const [added] = await repo.add([file], { as: 'model.safetensors' });
const commit = repo.commit('large');
repo.close();
const reopened = Repository.open(repoDir, { registry: losslessRegistry(), cacheBytes: Number(cacheBytes) });
const exported = await reopened.exportTo(commit.hash, out, { format: 'safetensors' });
reopened.close();
const peak = process.resourceUsage().maxRSS * 1024;
process.stdout.write(JSON.stringify({ baseline, peak, bytes: added.bytes, exported }) + '\n');

import { describePluginManifest } from '@reef/testkit';
import { fileURLToPath } from 'node:url';
import plugin from '../src/index.js';

// package.json's "reef" field lists exactly the ids the module registers.
describePluginManifest({ plugin, packageDir: fileURLToPath(new URL('..', import.meta.url)) });

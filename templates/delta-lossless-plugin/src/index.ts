import { PLUGIN_API_VERSION, definePlugin } from '@reef/core';
import { xorDeflate } from './xor-deflate.js';

/** Importing this module registers nothing; the host calls register() with its own registry. */
export default definePlugin({
  name: 'reef-delta-xor-deflate',
  apiVersion: PLUGIN_API_VERSION,
  register(host) {
    host.registerDeltaType(xorDeflate);
  },
});

export { xorDeflate };

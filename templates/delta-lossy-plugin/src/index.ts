import { PLUGIN_API_VERSION, definePlugin } from '@reef/core/plugin';
import { roundedDelta } from './rounded-delta.js';

/** Importing this module registers nothing; the host calls register() with its own registry. */
export default definePlugin({
  name: 'reef-delta-rounded',
  apiVersion: PLUGIN_API_VERSION,
  register(host) {
    host.registerDeltaType(roundedDelta);
  },
});

export { roundedDelta };

import { PLUGIN_API_VERSION, definePlugin, type QuantizerPlugin } from '@reef/core';
import { SignQuantizer } from './sign-quantizer.js';

/** The descriptor: everything the CLI and the sweep runner need to offer this method. */
export const signQuantizer: QuantizerPlugin = {
  kind: 'quantizer',
  id: 'sign',
  label: 'Sign',
  summary: '1 bit per dimension: above or below the training mean, decoded at each side\'s centroid',
  apiVersion: PLUGIN_API_VERSION,
  params: [],
  defaultGrid: {},
  // What `pnpm sweep` with no arguments runs: keep it to seconds on ~2,000 vectors. With parameters,
  // list a few cheap values, e.g. { bits: [4] }; leaving it out means one run with the defaults.
  quickGrid: {},
  create: (params) => new SignQuantizer(params),
  load: (saved) => SignQuantizer.load(saved),
};

/** Importing this module registers nothing; the host calls register() with its own registry. */
export default definePlugin({
  name: 'reef-quantizer-sign',
  apiVersion: PLUGIN_API_VERSION,
  register(host) {
    host.registerQuantizer(signQuantizer);
  },
});

export { SignQuantizer };

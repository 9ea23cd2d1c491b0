import { PLUGIN_API_VERSION, definePlugin, resolveParams, type QuantizerPlugin } from '@reef/core';
import { FAISS_METHODS, type FaissMethod } from './methods.js';
import { faissPython } from './python.js';
import { FaissQuantizer } from './quantizer.js';

/**
 * One descriptor per FAISS method. `unavailable()` starts Python once (import faiss) the first time a
 * host asks, not when the plugin registers, so listing or loading plugins stays fast.
 */
function descriptor(method: FaissMethod): QuantizerPlugin {
  const plugin: QuantizerPlugin = {
    kind: 'quantizer',
    id: method.id,
    label: method.label,
    summary: method.summary,
    apiVersion: PLUGIN_API_VERSION,
    params: method.params,
    defaultGrid: method.defaultGrid,
    quickGrid: method.quickGrid,
    baselineOf: method.baselineOf,
    unavailable: () => {
      const probe = faissPython();
      return probe.python === undefined ? probe.reason : undefined;
    },
    validate: method.validate,
    create: (params) => new FaissQuantizer(method, params),
    load: (saved) => FaissQuantizer.load(method, saved, resolveParams(method.id, method.params, saved.params)),
  };
  return plugin;
}

export const faissQuantizers: readonly QuantizerPlugin[] = FAISS_METHODS.map(descriptor);

/** Importing this module registers nothing; the host calls register() with its own registry. */
export default definePlugin({
  name: '@reef/baseline-faiss',
  apiVersion: PLUGIN_API_VERSION,
  register(host) {
    for (const q of faissQuantizers) host.registerQuantizer(q);
  },
});

export { FAISS_METHODS, type FaissMethod } from './methods.js';
export { FaissQuantizer } from './quantizer.js';
export { PYTHON_ENV, faissPython, probePython, type PythonProbe } from './python.js';

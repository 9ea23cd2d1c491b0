import { ReefError, requireArray, requireNumber, type QuantizerPlugin, type SavedModel, PLUGIN_API_VERSION } from '@reef/core';
import type { Codec } from './codec.js';
import { FloatCodec } from './float-codec.js';
import { SQ_DEFAULT_GRID, SQ_PARAMS, integerBits, resolveSqParams } from './params.js';
import { SQ_ID, ScalarQuantizer } from './quantizer.js';
import { UniformCodec } from './uniform-codec.js';

/** The scalar quantizer's self-description, as the registry, CLI and sweep runner see it. */
export const sqQuantizer: QuantizerPlugin = {
  kind: 'quantizer',
  id: SQ_ID,
  label: 'SQ',
  summary: 'Scalar quantizer: each dimension on a trained 8/6/4-bit uniform grid, or cast to fp16/bf16',
  apiVersion: PLUGIN_API_VERSION,
  params: SQ_PARAMS,
  defaultGrid: SQ_DEFAULT_GRID,
  // The quick run (`pnpm sweep`): milliseconds each on 2,000 × 784.
  quickGrid: { format: ['8bit', '4bit'] },

  create(params) {
    const resolved = resolveSqParams(params);
    return new ScalarQuantizer(resolved.params, resolved.config);
  },

  load(saved: SavedModel) {
    if (saved.pluginId !== SQ_ID) {
      throw new ReefError('BAD_MODEL', `model was saved by plugin '${saved.pluginId}', not '${SQ_ID}'`);
    }
    const { params, config } = resolveSqParams(saved.params);
    const dim = requireNumber(saved, 'dim', true);
    if (dim <= 0) throw new ReefError('BAD_MODEL', `saved attribute 'dim' must be positive, got ${dim}`);
    const bits = integerBits(config.format);
    let codec: Codec;
    if (bits === undefined) {
      codec = new FloatCodec(dim, config.format as 'fp16' | 'bf16');
    } else {
      const ranges = config.range === 'global' ? 1 : dim;
      const lower = requireArray(saved, 'lower', Float32Array, ranges);
      const upper = requireArray(saved, 'upper', Float32Array, ranges);
      for (let i = 0; i < ranges; i++) {
        if (!(Number.isFinite(lower[i]) && Number.isFinite(upper[i]) && lower[i] <= upper[i])) {
          throw new ReefError('BAD_MODEL', `saved range ${i} is [${lower[i]}, ${upper[i]}]: ends must be finite with lower ≤ upper`);
        }
      }
      codec = new UniformCodec(dim, bits, lower, upper);
    }
    return new ScalarQuantizer(params, config, codec);
  },
};

/**
 * The plugin kinds the scaffolder offers. Each names its folder under templates/ and the package
 * name and plugin id the template ships with, which scaffolding replaces with the user's.
 */
export interface PluginKind {
  /** Folder under templates/. */
  readonly template: string;
  /** The template's package name, replaced everywhere it occurs. */
  readonly packageName: string;
  /** The template's plugin id, replaced where it occurs quoted in sources and in package.json's `reef` field. */
  readonly id: string;
  /** package.json `reef` field listing the ids. */
  readonly manifestField: 'quantizers' | 'deltaTypes';
  /** Package name prefix stripped when deriving the id from the package name. */
  readonly namePrefix: string;
  readonly description: string;
}

export const KINDS = {
  quantizer: {
    template: 'quantizer-plugin',
    packageName: 'reef-quantizer-sign',
    id: 'sign',
    manifestField: 'quantizers',
    namePrefix: 'reef-quantizer-',
    description: 'a quantizer (starts as a 1-bit sign quantizer)',
  },
  'delta-lossless': {
    template: 'delta-lossless-plugin',
    packageName: 'reef-delta-xor-deflate',
    id: 'xor-deflate',
    manifestField: 'deltaTypes',
    namePrefix: 'reef-delta-',
    description: 'a byte-exact delta type (starts as XOR + deflate)',
  },
  'delta-lossy': {
    template: 'delta-lossy-plugin',
    packageName: 'reef-delta-rounded',
    id: 'rounded-delta',
    manifestField: 'deltaTypes',
    namePrefix: 'reef-delta-',
    description: 'a lossy delta type (starts as a rounded delta, built with defineLossyDeltaType)',
  },
} as const satisfies Record<string, PluginKind>;

export type KindName = keyof typeof KINDS;

export function isKindName(value: string): value is KindName {
  return Object.hasOwn(KINDS, value);
}

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * SVG → PNG with resvg compiled to WebAssembly (a registry package, no native binary, no browser).
 * resvg-wasm cannot see system fonts by itself, so common font files are handed to it; without
 * any, the PNGs are drawn without text and `warning` says so.
 */
const FONT_CANDIDATES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/System/Library/Fonts/Supplemental/Arial.ttf',
  'C:\\Windows\\Fonts\\arial.ttf',
];

type ResvgModule = typeof import('@resvg/resvg-wasm');
let ready: Promise<ResvgModule> | undefined;
let fonts: Uint8Array[] | undefined;

/** Loads resvg on first use only: runs with --no-png never pay for it. */
function init(): Promise<ResvgModule> {
  const wasm = join(dirname(createRequire(import.meta.url).resolve('@resvg/resvg-wasm')), 'index_bg.wasm');
  ready ??= import('@resvg/resvg-wasm').then(async (mod) => {
    await mod.initWasm(readFileSync(wasm));
    return mod;
  });
  fonts ??= FONT_CANDIDATES.filter((f) => existsSync(f)).map((f) => new Uint8Array(readFileSync(f)));
  return ready;
}

export async function svgToPng(svg: string, scale = 2): Promise<{ png: Uint8Array; warning?: string }> {
  const { Resvg } = await init();
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: '#ffffff',
    font: { fontBuffers: fonts ?? [], defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  try {
    const image = resvg.render();
    const png = image.asPng();
    image.free();
    return { png, warning: fonts && fonts.length > 0 ? undefined : 'no font files found: PNG plots have no text (the SVGs do)' };
  } finally {
    resvg.free();
  }
}

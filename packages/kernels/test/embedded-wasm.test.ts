import { describe, expect, it } from 'vitest';
import { compileEmbeddedWasm, instantiateEmbeddedWasm } from '../src/embedded-wasm.js';

// A hand-assembled module exporting answer(): i32 = 42 (type, function, export and code sections).
const ANSWER_WASM = 'AGFzbQEAAAABBQFgAAF/AwIBAAcKAQZhbnN3ZXIAAAoGAQQAQSoL';

describe('embedded WASM modules', () => {
  it('compile from base64 and instantiate with their exports', () => {
    expect(compileEmbeddedWasm(ANSWER_WASM)).toBeInstanceOf(WebAssembly.Module);
    const exports = instantiateEmbeddedWasm<{ answer(): number }>(ANSWER_WASM);
    expect(exports?.answer()).toBe(42);
  });

  it('give null, not an exception, for text that is not base64 or bytes that are not a module', () => {
    expect(compileEmbeddedWasm('not base64 at all!')).toBeNull();
    expect(compileEmbeddedWasm(ANSWER_WASM.slice(0, 16))).toBeNull(); // a truncated module
    expect(instantiateEmbeddedWasm(btoa('\0asm\x02\0\0\0'))).toBeNull(); // unknown binary version
  });
});

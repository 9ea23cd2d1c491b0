/**
 * Compiles a WebAssembly module shipped inside a package as a base64 string (how Reef's packages
 * embed their AssemblyScript kernels, so that they read no files at runtime and need no bundler
 * support). Returns null where the module cannot be compiled: no WebAssembly, no SIMD, or a browser
 * main thread refusing a synchronous compile of more than 4 KB. Callers then fall back to their
 * JavaScript loops, so they must keep one.
 */
export function compileEmbeddedWasm(base64: string): WebAssembly.Module | null {
  try {
    const text = atob(base64);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return new WebAssembly.Module(bytes);
  } catch {
    return null;
  }
}

/** A new instance (own linear memory) of an embedded module without imports, or null as above. */
export function instantiateEmbeddedWasm<T>(base64: string): T | null {
  const module = compileEmbeddedWasm(base64);
  return module ? (new WebAssembly.Instance(module, {}).exports as unknown as T) : null;
}

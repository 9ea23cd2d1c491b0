// Median wall time, in ms, of `repeats` runs of fn (sync or async: a returned promise is awaited
// inside the timed span), with the last run's result.
export async function medianMs(repeats, fn) {
  const times = [];
  let out;
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    out = fn();
    if (out instanceof Promise) out = await out;
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { ms: times[repeats >> 1], out };
}

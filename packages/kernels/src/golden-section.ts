/**
 * Golden-section search for a minimum of `f` on [a, b]: two evaluations, then `steps` more, each
 * narrowing the bracket by the golden ratio around the smaller of its two inner points. Returns the
 * best point evaluated (the first on ties; NaN values never count), not the final bracket's
 * middle, so a caller that sampled f before (e.g. on a grid) can keep its own best when this one is
 * not smaller. To maximise, minimise −f: negation is exact, so the same points are evaluated.
 * Returns x NaN and value Infinity when no evaluation was below Infinity.
 */
export function goldenSectionMinimum(f: (x: number) => number, a: number, b: number, steps: number): { x: number; value: number } {
  const g = (Math.sqrt(5) - 1) / 2;
  let bestX = NaN;
  let best = Infinity;
  const evaluate = (x: number): number => {
    const value = f(x);
    if (value < best) {
      best = value;
      bestX = x;
    }
    return value;
  };
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = evaluate(c);
  let fd = evaluate(d);
  for (let i = 0; i < steps; i++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = evaluate(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = evaluate(d);
    }
  }
  return { x: bestX, value: best };
}

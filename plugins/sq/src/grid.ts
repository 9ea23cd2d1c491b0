/**
 * The nearest of levels 0..top on the grid lower + c / inverse: (x − lower) · inverse + ½, each
 * operation rounded to float32, then floored and clamped. Float32 because the WASM SIMD encoder
 * (wasm/encode.ts) computes four lanes at once in it, twice as many as float64 allows; this is the
 * same arithmetic step for step, so JS and WASM give the same codes. x, lower and inverse must be
 * float32 values. Against exact arithmetic a value can move one level only within about 2^-24 of
 * the midpoint between two levels, where both levels are equally near.
 */
export function nearestLevel(x: number, lower: number, inverse: number, top: number): number {
  const c = Math.floor(Math.fround(Math.fround(Math.fround(x - lower) * inverse) + 0.5));
  return c < 0 ? 0 : c > top ? top : c;
}

/**
 * A uniform grid of `levels` reconstruction values from `lower` to `upper`, both included:
 * level c is lower + c·(upper − lower)/(levels − 1). Values round to the nearest level.
 *
 * FAISS instead truncates onto `levels − 1` bins and decodes at bin centres ((c + 0.5)/(levels − 1)),
 * so it never reproduces the range ends and wastes the top code. Including the ends costs nothing
 * on continuous data (the same step, half-width end bins with the same mean error) and is exact on
 * values sitting at the ends, which is common (zero pixels, clipped activations). It is also the
 * grid the `optim` estimator fits, so the fitted range is the one decoded.
 */
export class UniformGrid {
  readonly step: number;
  private readonly inverseStep: number;
  private readonly top: number;

  constructor(
    /** float32 values, as saved, so a loaded model decodes bit for bit the same */
    readonly lower: number,
    readonly upper: number,
    readonly levels: number,
  ) {
    this.step = (upper - lower) / (levels - 1);
    // A constant dimension has lower = upper: every value maps to code 0 and decodes exactly.
    this.inverseStep = this.step > 0 ? Math.fround(1 / this.step) : 0;
    this.top = levels - 1;
  }

  /** Code of the nearest level, clamped to the grid: the code the encoder gives x (a float32 value). */
  code(x: number): number {
    return nearestLevel(x, this.lower, this.inverseStep, this.top);
  }

  /** The float32 value code `c` decodes to. */
  value(c: number): number {
    return Math.fround(this.lower + c * this.step);
  }

  /** Sum of squared errors of quantizing `values` on this grid. */
  squaredError(values: ArrayLike<number>): number {
    let sum = 0;
    // Repeated values (runs in sorted input, common in pixel-like data) reuse their squared error;
    // the sum still adds every term in order, so the result is the same number.
    let previous = NaN;
    let e2 = 0;
    for (let i = 0; i < values.length; i++) {
      const x = values[i];
      if (x !== previous) {
        const e = x - this.value(this.code(x));
        e2 = e * e;
        previous = x;
      }
      sum += e2;
    }
    return sum;
  }
}

/**
 * A requested rank (capped at the components available), or the fewest components whose squared
 * singular values reach `energy` × `total` (all of them when they cannot).
 */
export function chooseRank(
  sigma: readonly number[],
  requestedRank: number,
  energy: number,
  total = sigma.reduce((s, x) => s + x * x, 0),
): number {
  if (requestedRank > 0) return Math.min(requestedRank, sigma.length);
  if (total === 0) return 0;
  let kept = 0;
  for (let k = 0; k < sigma.length; k++) {
    kept += sigma[k] * sigma[k];
    if (kept >= energy * total) return k + 1;
  }
  return sigma.length;
}

/**
 * (precision) How sure a learned start-up duration is, given how many broadcasts measured it. Pure.
 *
 * A high quantile of a log-normal fitted to n measurements is only as good as the fit: with 6 measurements the
 * fitted spread can be half the real one, and the tail (AMS documents starts of minutes) is not seen at all.
 * The prediction bound of a normal sample (here: of the logarithms) for the next value accounts for that:
 * median + t(p, n − 1) · σ · √(1 + 1/n). Student's t is far wider than the normal quantile with few
 * measurements (p 99.9 %: 5.9 with 6, 3.6 with 20, 3.1 in the limit), so the bound narrows as measurements grow.
 */

/** P(T ≤ t) for Student's t with `dof` (a whole number ≥ 1) degrees of freedom, t ≥ 0 (closed form for whole dof). */
export function studentTCdf(t: number, dof: number): number {
  if (!Number.isInteger(dof) || dof < 1) throw new RangeError('degrees of freedom must be a whole number ≥ 1');
  if (t < 0) return 1 - studentTCdf(-t, dof);
  const theta = Math.atan(t / Math.sqrt(dof));
  const c2 = Math.cos(theta) ** 2;
  const s = Math.sin(theta);
  // P(|T| < t) as a finite series in cos²θ: odd dof start from θ, even dof from sinθ.
  let twoSided: number;
  if (dof % 2 === 1) {
    let term = s * Math.cos(theta);
    let sum = dof > 1 ? term : 0;
    for (let k = 3; k <= dof - 2; k += 2) {
      term *= ((k - 1) / k) * c2;
      sum += term;
    }
    twoSided = (2 / Math.PI) * (theta + sum);
  } else {
    let term = s;
    let sum = term;
    for (let k = 2; k <= dof - 2; k += 2) {
      term *= ((k - 1) / k) * c2;
      sum += term;
    }
    twoSided = sum;
  }
  return (1 + twoSided) / 2;
}

/** The p-quantile (0.5 ≤ p < 1) of Student's t with `dof` degrees of freedom, to 1e-9 (bisection). */
export function studentTQuantile(p: number, dof: number): number {
  if (!(p >= 0.5 && p < 1)) throw new RangeError('p must be in [0.5, 1)');
  let low = 0;
  let high = 1;
  while (studentTCdf(high, dof) < p) high *= 2;
  while (high - low > 1e-9 * Math.max(1, high)) {
    const mid = (low + high) / 2;
    if (studentTCdf(mid, dof) < p) low = mid;
    else high = mid;
  }
  return high;
}

/** A prior belief about the spread of the logarithms, worth `weight` measurements. */
export interface SpreadPrior {
  sigma: number;
  weight: number;
}

/**
 * Upper prediction bound at probability p for the next value of a log-normal quantity, from the median (`mu`) and
 * spread (`sigma`) of the logarithms of n measurements. With a prior, the spread is pooled with the prior's
 * (weighted by its worth in measurements and the n − 1 degrees of freedom of the sample) and the degrees of freedom
 * add up, so a few tightly grouped measurements cannot make the bound narrow.
 */
export function logNormalPredictionBound(mu: number, sigma: number, n: number, p: number, prior?: SpreadPrior): number {
  const priorWeight = Math.round(prior?.weight ?? 0);
  const dof = priorWeight + n - 1;
  if (n < 1 || dof < 1) return Number.POSITIVE_INFINITY;
  const pooled = Math.sqrt((priorWeight * (prior?.sigma ?? 0) ** 2 + (n - 1) * sigma ** 2) / dof);
  return Math.exp(mu + studentTQuantile(p, dof) * pooled * Math.sqrt(1 + 1 / n));
}

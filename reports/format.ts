/**
 * Number formatting shared by tables, observations and charts, so a value
 * reads the same everywhere it appears.
 */

/** Users: one decimal, because a mean over trials is rarely a whole number. */
export function users(x: number): string {
  return x.toFixed(1);
}

/** Milliseconds: whole numbers from 100 ms up, one decimal below. */
export function ms(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1);
}

/** mean ± sd in milliseconds, both at the mean's precision so the pair reads as one quantity */
export function msPair(mean: number, sd: number): string {
  const digits = Math.abs(mean) >= 100 ? 0 : 1;
  return `${mean.toFixed(digits)} ± ${sd.toFixed(digits)}`;
}

export function pct(fraction: number, digits = 1): string {
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** Requests per second: one decimal, as in Table 3. */
export function qps(x: number): string {
  return x.toFixed(1);
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

export function ratio(x: number): string {
  return `${x.toFixed(2)}×`;
}

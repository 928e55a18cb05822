/** Log-spaced lambda paths, as the default grid (shared/search/default-grid.ts) and the penalties' defaultRange use them. */

/** An MLP's default paths start this many times below a linear model's (its penalty covers every layer). */
export const MLP_DIVISOR = 10;

/** A value to 4 significant digits (as the paths are rounded). */
export const sig4 = (v: number) => Number(v.toPrecision(4));
const sig4Up = (v: number) => {
  const unit = 10 ** (Math.floor(Math.log10(v)) - 3);
  return sig4(Math.ceil(v / unit - 1e-9) * unit);
};

/** `count` values log-spaced from `top` down to `bottom` (4 significant digits, the top rounded up). */
export function logPath(top: number, bottom: number, count: number): number[] {
  if (count === 1) return [sig4Up(top)];
  const ratio = Math.log(bottom / top);
  return Array.from({ length: count }, (_, i) => (i === 0 ? sig4Up(top) : sig4(top * Math.exp((ratio * i) / (count - 1)))));
}

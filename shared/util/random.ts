/**
 * Seeded pseudo-random numbers (mulberry32): every shuffle, split and seed derived from one integer,
 * the same on every machine.
 */
export type Rng = () => number;

/** A generator of uniform numbers in [0, 1) from a 32-bit seed. */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates shuffle of a copy of `items`. */
export function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** A random permutation of 0..n-1. */
export function permutation(n: number, rng: Rng): number[] {
  return shuffled(
    Array.from({ length: n }, (_, i) => i),
    rng,
  );
}

/** A 31-bit integer seed derived from a seed and a stream number (for per-step dropout masks, etc.). */
export function deriveSeed(seed: number, stream: number): number {
  const rng = createRng((seed ^ Math.imul(stream + 1, 0x9e3779b1)) >>> 0);
  rng();
  return Math.floor(rng() * 2147483647);
}

import { createRng, deriveSeed, permutation, shuffled } from '../../../../shared/util/random';

const draws = (seed: number, n: number) => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => rng());
};
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('createRng', () => {
  it('gives the same sequence for the same seed', () => {
    expect(draws(42, 100)).toEqual(draws(42, 100));
  });

  it('gives different sequences for different seeds', () => {
    const a = draws(1, 20);
    for (const seed of [0, 2, 42, 2 ** 31 - 1]) expect(draws(seed, 20)).not.toEqual(a);
  });

  it('draws uniform values in [0, 1): all in range, mean 1/2, each tenth about a tenth', () => {
    // Prepare: 20000 draws; the mean of U(0,1) has sd 1/sqrt(12 * 20000) ≈ 0.002, a tenth's count sd ≈ 42
    const xs = draws(7, 20000);
    // Assess
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(Math.abs(xs.reduce((s, x) => s + x, 0) / xs.length - 0.5)).toBeLessThan(0.01);
    const counts = range(10).map((d) => xs.filter((x) => Math.floor(x * 10) === d).length);
    for (const c of counts) expect(Math.abs(c - 2000)).toBeLessThan(200);
  });
});

describe('permutation and shuffled', () => {
  it('permutation(n) holds each of 0..n-1 exactly once, and is not the identity', () => {
    const p = permutation(50, createRng(3));
    expect([...p].sort((a, b) => a - b)).toEqual(range(50));
    expect(p).not.toEqual(range(50));
  });

  it('shuffled keeps the multiset of its input and leaves the input unchanged', () => {
    const input = ['a', 'b', 'b', 'c', 'c', 'c', 'd'];
    const copy = [...input];
    const out = shuffled(input, createRng(9));
    expect([...out].sort()).toEqual(copy);
    expect(input).toEqual(copy);
  });

  it('is deterministic for a seed', () => {
    expect(permutation(20, createRng(5))).toEqual(permutation(20, createRng(5)));
  });

  it('gives each of the 6 orders of 3 items about 1/6 of the time (an unbiased Fisher-Yates)', () => {
    // 6000 shuffles: each order expected 1000 times, sd ≈ 29
    const rng = createRng(11);
    const counts = new Map<string, number>();
    for (let i = 0; i < 6000; i++) {
      const key = permutation(3, rng).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(['012', '021', '102', '120', '201', '210']);
    for (const c of counts.values()) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });
});

describe('deriveSeed', () => {
  it('is deterministic', () => {
    expect(deriveSeed(42, 3)).toBe(deriveSeed(42, 3));
  });

  it('gives a distinct 31-bit integer seed per stream and per base seed', () => {
    const seeds = range(200).map((s) => deriveSeed(42, s));
    expect(new Set(seeds).size).toBe(200);
    for (const s of seeds) {
      expect(Number.isInteger(s)).toBe(true);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThan(2 ** 31);
    }
    expect(deriveSeed(43, 0)).not.toBe(deriveSeed(42, 0));
  });
});

/**
 * The peers' fixed split (../shared/peers/README.md): `numpy.random.RandomState(seed).permutation(n)`, then the
 * first 60% of the permuted rows train, the next 20% validation, the rest test. Reproduced here bit for bit so
 * a sweep runs on exactly the peers' rows: MT19937 seeded by init_genrand (numpy's legacy seeding of an int)
 * and numpy's legacy shuffle (for i from n-1 down to 1, swap i with a uniform j in [0, i] drawn by masked
 * rejection of 32-bit outputs).
 */

/** The MT19937 generator of 32-bit unsigned integers, seeded as numpy's RandomState(seed) is. */
function mt19937(seed: number): () => number {
  const mt = new Uint32Array(624);
  mt[0] = seed >>> 0;
  for (let i = 1; i < 624; i++) {
    const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
    // 1812433253 * prev + i, modulo 2^32, without losing bits to float rounding
    mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
  }
  let index = 624;
  return () => {
    if (index >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7fffffff);
        mt[k] = mt[(k + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      index = 0;
    }
    let y = mt[index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  };
}

/** `numpy.random.RandomState(seed).permutation(n)` (n < 2^32). */
export function numpyPermutation(n: number, seed: number): number[] {
  const next = mt19937(seed);
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    let mask = i;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    let j: number;
    do j = (next() & mask) >>> 0;
    while (j > i);
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  return perm;
}

export type PeerSplit = 'train' | 'validation' | 'test';

/** The split label of every row, in file order: the peers' 60/20/20 arrangement of RandomState(0). */
export function peerSplit(n: number, seed = 0): PeerSplit[] {
  const perm = numpyPermutation(n, seed);
  const nTrain = Math.floor(0.6 * n);
  const nVal = Math.floor(0.2 * n);
  const labels = new Array<PeerSplit>(n);
  perm.forEach((row, i) => (labels[row] = i < nTrain ? 'train' : i < nTrain + nVal ? 'validation' : 'test'));
  return labels;
}

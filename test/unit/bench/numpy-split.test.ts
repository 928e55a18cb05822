import { numpyPermutation, peerSplit } from '../../../bench/lib/numpy-split';

// Reference values printed by numpy 1.24 (Debian's python3-numpy):
//   python3 -c "import numpy as np; r = lambda n: np.random.RandomState(0).permutation(n); print(r(10), r(442)[:20], r(569)[-10:])"
describe('numpyPermutation (the peers split)', () => {
  it('equals numpy.random.RandomState(0).permutation(n)', () => {
    expect(numpyPermutation(10, 0)).toEqual([2, 8, 4, 9, 1, 6, 7, 3, 0, 5]);
    expect(numpyPermutation(442, 0).slice(0, 20)).toEqual([362, 249, 271, 435, 400, 403, 12, 399, 198, 205, 78, 144, 298, 171, 268, 21, 194, 1, 10, 208]);
    expect(numpyPermutation(569, 0).slice(-10)).toEqual([486, 314, 396, 472, 70, 277, 9, 359, 192, 559]);
  });

  it('gives the peers 60/20/20 sizes (../shared/peers/README.md)', () => {
    const count = (n: number) => {
      const s = peerSplit(n);
      return ['train', 'validation', 'test'].map((l) => s.filter((x) => x === l).length);
    };
    expect(count(442)).toEqual([265, 88, 89]);
    expect(count(569)).toEqual([341, 113, 115]);
    expect(count(600)).toEqual([360, 120, 120]);
  });
});

/**
 * The one path function (shared/regularizers/path.ts) groups configs as the five encodings it replaced did:
 * batching's lambda paths (steps/batches.ts), LinearCache's warm-start key (training/linear/index.ts),
 * selection's samePath and pathValue (study/selection.ts), the report's families (cli/report/rows.ts) and the
 * terminal's path text (cli/format.ts). The old encodings are written out here as the reference.
 */
import { pathText } from '../../../../cli/format';
import { makeConfig, onLambdaPath, pathOf, REG_TYPES, samePath, type RegConfig } from '../../../../shared/regularizers';

// The encodings before the registry, verbatim in what they computed.
const oldHasPenalty = (t: string) => t.startsWith('l1') || t.startsWith('l2') || t.startsWith('elasticnet');
const oldHasDropout = (t: string) => t.endsWith('dropout');
const old = {
  batchPath: (fold: number, r: RegConfig) => (oldHasPenalty(r.type) ? `${fold}|${r.type}|${r.dropoutRate}|${r.l1Ratio}` : undefined),
  cacheKey: (r: RegConfig) => `${r.type}|${r.dropoutRate}|${r.l1Ratio}`,
  samePath: (a: RegConfig, b: RegConfig) => a.type === b.type && a.l1Ratio === b.l1Ratio && (oldHasPenalty(a.type) ? a.dropoutRate === b.dropoutRate : true),
  pathValue: (r: RegConfig) => (oldHasPenalty(r.type) ? r.lambda : r.dropoutRate),
  pathValueName: (r: RegConfig) => (oldHasPenalty(r.type) ? 'λ' : 'p'),
  family: (r: RegConfig) => {
    const parts: string[] = [r.type];
    if (r.type.startsWith('elasticnet')) parts.push(`l1Ratio=${r.l1Ratio}`);
    if (oldHasDropout(r.type) && oldHasPenalty(r.type)) parts.push(`p=${r.dropoutRate}`);
    return parts.join(' ');
  },
  pathText: (r: RegConfig) => (r.type === 'none' ? 'none' : `${old.family(r)}, ${old.pathValueName(r)} varying`),
};

/** Every type at two lambdas, two dropout rates and two l1Ratios (what applies to each). */
const configs: RegConfig[] = [];
for (const type of REG_TYPES)
  for (const lambda of [0.1, 10])
    for (const dropoutRate of [0.1, 0.5])
      for (const l1Ratio of [0.2, 0.8]) {
        const c = makeConfig(type, { lambda, dropoutRate, l1Ratio });
        if (!configs.some((d) => JSON.stringify(d) === JSON.stringify(c))) configs.push(c);
      }

describe('pathOf', () => {
  it('has a grid of every kind of config to compare on', () => {
    expect(configs).toHaveLength(1 + 2 + 2 + 4 + 2 + 4 + 4 + 8);
  });

  it("puts two configs on one path exactly when the old samePath did, and the path's key is what LinearCache keyed lambda paths by", () => {
    for (const a of configs) {
      for (const b of configs) {
        expect([a, b, samePath(a, b)]).toEqual([a, b, old.samePath(a, b)]);
        // On a lambda path the key identifies the same set as the old warm-start key (type, rate, l1Ratio).
        if (onLambdaPath(a) && onLambdaPath(b)) expect(pathOf(a).key === pathOf(b).key).toBe(old.cacheKey(a) === old.cacheKey(b));
      }
    }
  });

  it("groups trials into batching's lambda paths as batches.ts did: the same fold and path; none and dropout alone on no path", () => {
    const items = [0, 1].flatMap((fold) => configs.map((reg) => ({ fold, reg })));
    const group = (key: (i: (typeof items)[number]) => string | undefined) => {
      const groups = new Map<string, number[]>();
      items.forEach((i, n) => {
        const k = key(i);
        if (k !== undefined) groups.set(k, [...(groups.get(k) ?? []), n]);
      });
      return [...groups.values()];
    };
    const ours = group((i) => (onLambdaPath(i.reg) ? `${i.fold}|${pathOf(i.reg).key}` : undefined));
    expect(ours).toEqual(group((i) => old.batchPath(i.fold, i.reg)));
    expect(ours.every((g) => g.length === 2)).toBe(true); // two lambdas per path
  });

  it('gives the value that varies along the path, its symbol, its label and the path text as before', () => {
    for (const c of configs) {
      const p = pathOf(c);
      expect([c, p.value]).toEqual([c, old.pathValue(c)]);
      if (c.type !== 'none') expect([c, p.axis?.symbol]).toEqual([c, old.pathValueName(c)]);
      expect([c, p.label]).toEqual([c, old.family(c)]);
      expect([c, pathText(c)]).toEqual([c, old.pathText(c)]);
    }
  });

  it('names the spec field that lists its values (what the edge-of-grid diagnostic tells the user to extend)', () => {
    expect(pathOf(makeConfig('l2+dropout', { lambda: 1, dropoutRate: 0.1 })).axis?.specField).toBe('search.lambda');
    expect(pathOf(makeConfig('dropout', { dropoutRate: 0.1 })).axis?.specField).toBe('search.dropout');
    expect(pathOf(makeConfig('none', {})).axis).toBeUndefined();
  });
});

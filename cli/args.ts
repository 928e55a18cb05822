/** Option parsers for commander: each names the flag and the bad value in its error. */
import { InvalidArgumentError } from 'commander';
import { normalizeRegType, REG_TYPES, type RegType } from '../shared/search/spec';

const show = (v: string) => JSON.stringify(v);

export function number(flag: string, check: (n: number) => boolean = () => true, rule = 'a number') {
  return (value: string): number => {
    const n = Number(value.trim());
    if (value.trim() === '' || !Number.isFinite(n) || !check(n)) throw new InvalidArgumentError(`${flag} must be ${rule}, got ${show(value)}`);
    return n;
  };
}

export function integer(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return number(flag, (n) => Number.isInteger(n) && n >= min && n <= max, `an integer from ${min} to ${max}`);
}

/** `64,64` -> [64, 64]; `""` or `none` -> [] (a linear model). */
export function hiddenLayers(value: string): number[] {
  const v = value.trim();
  if (v === '' || v === 'none' || v === '[]') return [];
  return v.split(',').map((part) => {
    const n = Number(part.trim());
    if (!Number.isInteger(n) || n < 1 || n > 4096) throw new InvalidArgumentError(`--hidden must be layer sizes like 64,64 (or "" for a linear model), got ${show(value)}`);
    return n;
  });
}

export function regType(value: string): RegType {
  const t = normalizeRegType(value);
  if (!t) throw new InvalidArgumentError(`--reg must be one of ${REG_TYPES.join(', ')}, got ${show(value)}`);
  return t;
}

export function choice<T extends string>(flag: string, values: readonly T[]) {
  return (value: string): T => {
    if (!(values as readonly string[]).includes(value)) throw new InvalidArgumentError(`${flag} must be one of ${values.join(', ')}, got ${show(value)}`);
    return value as T;
  };
}

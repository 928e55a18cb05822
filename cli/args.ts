/** Option parsers for commander: each names the flag and the bad value in its error. */
import { InvalidArgumentError } from 'commander';
import { normalizeRegType, REG_TYPES, type RegType } from '../shared/regularizers';
import { s3Uri } from '../shared/store/layout';

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
    if (!Number.isInteger(n) || n < 1 || n > 4096)
      throw new InvalidArgumentError(`--hidden must be layer sizes like 64,64 (or "" for a linear model), got ${show(value)}`);
    return n;
  });
}

/** `a, b,c` -> ['a', 'b', 'c'] (column names for --drop and --categorical); an empty list is refused. */
export function columnList(flag: string) {
  return (value: string): string[] => {
    const names = value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (names.length === 0) throw new InvalidArgumentError(`${flag} must be a comma-separated list of column names, got ${show(value)}`);
    return names;
  };
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

/**
 * `--s3-endpoint`: an http(s) URL with a host (and a port, if any, in range), nothing after the path: checked
 * here so a bad one is refused before any work, not by the SDK halfway through. Trailing slashes dropped.
 */
export function s3Endpoint(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '' || url.username || url.password || url.search || url.hash) {
    throw new InvalidArgumentError(`--s3-endpoint must be an http(s) URL, got ${show(value)} (e.g. http://127.0.0.1:4568)`);
  }
  return value.replace(/\/+$/, '');
}

/** `--region`: an AWS region name such as eu-west-1. */
export function awsRegion(value: string): string {
  if (!/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(value)) throw new InvalidArgumentError(`--region must be an AWS region such as eu-west-1, got ${show(value)}`);
  return value;
}

/** `--stack`: a CloudFormation stack name. */
export function stackName(value: string): string {
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(value)) {
    throw new InvalidArgumentError(`--stack must be a stack name (a letter, then letters, digits and '-'), got ${show(value)}`);
  }
  return value;
}

/** `--bucket`: an S3 bucket name. */
export function bucketName(value: string): string {
  try {
    s3Uri(value, 'x');
  } catch {
    throw new InvalidArgumentError(`--bucket must be an S3 bucket name (3-63 chars: a-z, 0-9, '.', '-'), got ${show(value)}`);
  }
  return value;
}

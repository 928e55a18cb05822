/**
 * Objects keyed by the user's names (column names, class names): a name such as `__proto__` or `constructor` must
 * be a key like any other. zod's z.record assigns keys to a plain object, where `__proto__` sets the prototype and
 * is lost without an error; these records are null-prototype objects built from the input's own keys.
 */
import { z } from 'zod';

/** A null-prototype object with exactly `entries` as its own keys (`__proto__` included). */
export function userKeyed<V>(entries: Iterable<readonly [string, V]>): Record<string, V> {
  const out = Object.create(null) as Record<string, V>;
  for (const [k, v] of entries) out[k] = v; // no inherited __proto__ setter on a null prototype: an own key
  return out;
}

/**
 * z.record(z.string(), value) over every own key of the input (`__proto__` included), its output a null-prototype
 * object; an issue of a value is reported at its key (`dataset.columns.<name>: ...`).
 */
export function userKeyedRecord<T extends z.ZodType>(value: T, what: string) {
  return z
    .custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), {
      error: (i) => `must be an object of ${what}, got ${Array.isArray(i.input) ? 'an array' : JSON.stringify(i.input)}`,
    })
    .transform((obj, ctx) => {
      const entries: [string, z.output<T>][] = [];
      for (const key of Object.keys(obj)) {
        const r = value.safeParse(obj[key]);
        if (r.success) entries.push([key, r.data]);
        else for (const issue of r.error.issues) ctx.issues.push({ code: 'custom', message: issue.message, input: obj[key], path: [key, ...issue.path] });
      }
      return userKeyed(entries);
    });
}

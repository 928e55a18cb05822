/**
 * The one typed store of a sweep's objects. Every step, `regsweep local`'s export and report, and the cloud
 * commands read and write a sweep's artifacts (spec, manifest, trial records, leaderboard, best record, model
 * files) through it, and nothing else parses them: each read is validated against the artifact's zod schema,
 * and a message about a bad object names where it is.
 *
 * The objects live in blobs (blobs.ts): the sweep bucket (`ObjectStore`, keys from `layout.ts`), a bucket in
 * memory (`MemoryBlobs`, for unit tests) or a directory that `exportTo` wrote (`DirectoryBlobs`), which holds
 * the same objects under the sweep's relative paths.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { SpecError, UsageError } from '../errors';
import { ResolvedGridSchema, type ResolvedGrid } from '../search/default-grid';
import { DataSummarySchema, type DataSummary } from '../data/summary';
import { parseSpec, type SweepSpec } from '../search/spec';
import { LeaderboardSchema, type Leaderboard } from '../study/leaderboard';
import { asTrialRecord, mergeTrialRecords, type FailedTrial, type TrialRecord } from '../study/records';
import { mapLimit } from '../util/concurrency';
import { TrialItemSchema, type TrialItem } from '../search/grid';
import { BestRecordSchema, type BestRecord } from '../study/best';
import { TEMP_FILE_PREFIX, writeFileAtomic } from '../util/files';
import type { Blobs } from './blobs';
import {
  assertSweepId,
  bestKey,
  bestPrefix,
  gridKey,
  dataSummaryKey,
  leaderboardKey,
  manifestKey,
  mapResultsPrefix,
  specKey,
  sweepPrefix,
  batchPrefix,
  trialObjectOf,
  trialPartKey,
  trialsPrefix,
} from './layout';

export type { Blobs, BucketBlobs } from './blobs';

const decoder = new TextDecoder();

/** Objects under trials/ read at once (Aggregate, the export's reader, a batch's resume). */
const TRIAL_READS_IN_FLIGHT = 32;

/** A part of a batch's records, as stored: sweeps/<id>/trials/<batchKey>/<part>.json. */
const TrialPartSchema = z.object({ records: z.array(z.unknown()) });
type TrialPart = { records: readonly TrialRecord[] };

/**
 * The records a part or a legacy per-trial object holds, each validated (TrialRecordSchema); `corrupt` counts a
 * part that is not `{ "records": [...] }` or a legacy object that is not a record (1) and invalid records in a part.
 */
export function recordsOfTrialObject(json: unknown, kind: 'part' | 'legacy'): { records: TrialRecord[]; corrupt: number } {
  const part = kind === 'part' ? TrialPartSchema.safeParse(json) : undefined;
  if (part?.success === false) return { records: [], corrupt: 1 };
  const values = part ? part.data.records : [json];
  const records = values.map(asTrialRecord).filter((r): r is TrialRecord => r !== undefined);
  return { records, corrupt: values.length - records.length };
}

export class SweepStore {
  constructor(
    readonly blobs: Blobs,
    readonly sweepId: string,
  ) {
    assertSweepId(sweepId);
  }

  uri(key: string): string {
    return this.blobs.uri(key);
  }

  /** Parsed JSON, or undefined when absent; invalid JSON is a SpecError naming the object. */
  private async json(key: string): Promise<unknown> {
    const got = await this.blobs.getBytes(key);
    if (!got) return undefined;
    try {
      return JSON.parse(decoder.decode(got.body)) as unknown;
    } catch (e) {
      throw new SpecError(`${this.uri(key)}: invalid JSON (${(e as Error).message})`);
    }
  }

  private async put(key: string, value: unknown): Promise<void> {
    await this.blobs.putBytes(key, new TextEncoder().encode(JSON.stringify(value)), 'application/json');
  }

  private parse<S extends z.ZodType>(schema: S, value: unknown, key: string, what: string): z.output<S> {
    const r = schema.safeParse(value);
    if (!r.success) {
      const first = r.error.issues[0];
      throw new SpecError(`${this.uri(key)} is not a regsweep ${what}: ${first.path.join('.') || '(object)'}: ${first.message}`);
    }
    return r.data;
  }

  // ------------------------------------------------------------------------------------------ spec

  /** The spec the sweep was planned with, validated; undefined when the sweep has none. */
  async spec(): Promise<SweepSpec | undefined> {
    const json = await this.json(specKey(this.sweepId));
    return json === undefined ? undefined : parseSpec(json);
  }

  /** The spec as stored, not re-validated (the report shows it as the sweep ran). */
  async rawSpec(): Promise<unknown> {
    return this.json(specKey(this.sweepId));
  }

  async requireSpec(): Promise<SweepSpec> {
    const spec = await this.spec();
    if (!spec) throw new SpecError(`sweep ${this.sweepId} not found: no ${this.uri(specKey(this.sweepId))} (run plan first)`);
    return spec;
  }

  async writeSpec(spec: SweepSpec): Promise<void> {
    await this.put(specKey(this.sweepId), spec);
  }

  // ------------------------------------------------------------------------------------------ dataset summary

  /** What PlanSweep made of the dataset (rows, classes, column roles); undefined for sweeps planned before it existed. */
  async dataSummary(): Promise<DataSummary | undefined> {
    const key = dataSummaryKey(this.sweepId);
    const json = await this.json(key);
    return json === undefined ? undefined : this.parse(DataSummarySchema, json, key, 'dataset summary');
  }

  async writeDataSummary(summary: DataSummary): Promise<void> {
    await this.put(dataSummaryKey(this.sweepId), summary);
  }

  // ------------------------------------------------------------------------------------------ manifest

  /** The planned trials; undefined when the sweep has no manifest yet. */
  async manifest(): Promise<TrialItem[] | undefined> {
    const key = manifestKey(this.sweepId);
    const json = await this.json(key);
    if (json === undefined) return undefined;
    if (!Array.isArray(json)) throw new SpecError(`sweep ${this.sweepId}: ${this.uri(key)} is not a JSON array`);
    return json.map((item, i) => this.parse(TrialItemSchema, item, key, `manifest (item ${i})`));
  }

  async requireManifest(): Promise<TrialItem[]> {
    const items = await this.manifest();
    if (!items) throw new SpecError(`sweep ${this.sweepId}: ${this.uri(manifestKey(this.sweepId))} is missing or not a JSON array`);
    return items;
  }

  async writeManifest(items: readonly TrialItem[]): Promise<void> {
    await this.put(manifestKey(this.sweepId), items);
  }

  /** The resolved grid (lambda paths, dropout rates); undefined for a sweep planned before grids were stored. */
  async grid(): Promise<ResolvedGrid | undefined> {
    const key = gridKey(this.sweepId);
    const json = await this.json(key);
    return json === undefined ? undefined : this.parse(ResolvedGridSchema, json, key, 'grid');
  }

  async writeGrid(grid: ResolvedGrid): Promise<void> {
    await this.put(gridKey(this.sweepId), grid);
  }

  // ------------------------------------------------------------------------------------------ trials

  /**
   * The records of trials/<batchKey>/: one LIST and a GET per part (none on a fresh run), merged
   * (mergeTrialRecords). An unreadable part or an invalid record in one is left out: those trials are simply redone.
   */
  async batchRecords(batchKey: string): Promise<Map<string, TrialRecord>> {
    const keys = (await this.blobs.listKeys(batchPrefix(this.sweepId, batchKey))).filter((key) => trialObjectOf(this.sweepId, key)?.kind === 'part');
    const read = await mapLimit(keys, TRIAL_READS_IN_FLIGHT, (key) => this.trialObject(key, 'part'));
    return mergeTrialRecords(read.flatMap((r) => r.records));
  }

  /** Writes `records` (at least one) as a new part of the batch's records; never overwrites an earlier part. */
  async writeTrialPart(batchKey: string, records: readonly TrialRecord[]): Promise<void> {
    await this.put(trialPartKey(this.sweepId, batchKey, records.length), { records } satisfies TrialPart);
  }

  /**
   * Records written under trials/, counted from the listing alone (a part's name carries its record count; a
   * legacy object is one record): a trial written twice (a retry, a failed attempt then a success) counts twice.
   */
  async recordsWritten(): Promise<number> {
    return (await this.blobs.listKeys(trialsPrefix(this.sweepId)))
      .map((key) => trialObjectOf(this.sweepId, key))
      .reduce((n, o) => n + (o === undefined ? 0 : o.kind === 'part' ? o.records : 1), 0);
  }

  /**
   * The valid records of the given trials (default: every trial with a record), one per trial: every part and
   * legacy object under trials/ is read (mapLimit) and merged (mergeTrialRecords). `corrupt` counts unreadable
   * objects and invalid records inside parts (they count as missing, never as a result).
   */
  async trials(only?: ReadonlySet<string>): Promise<{ records: TrialRecord[]; corrupt: number }> {
    const objects = (await this.blobs.listKeys(trialsPrefix(this.sweepId))).flatMap((key) => {
      const o = trialObjectOf(this.sweepId, key);
      return o !== undefined && (o.kind === 'part' || !only || only.has(o.trialId)) ? [{ key, kind: o.kind }] : [];
    });
    const read = await mapLimit(objects, TRIAL_READS_IN_FLIGHT, ({ key, kind }) => this.trialObject(key, kind));
    const merged = mergeTrialRecords(read.flatMap((r) => r.records).filter((r) => !only || only.has(r.trialId)));
    return { records: [...merged.values()], corrupt: read.reduce((n, r) => n + r.corrupt, 0) };
  }

  /** The records of one object under trials/ (a part or a legacy record) and how many were unreadable or invalid. */
  private async trialObject(key: string, kind: 'part' | 'legacy'): Promise<{ records: TrialRecord[]; corrupt: number }> {
    let json: unknown;
    try {
      json = await this.json(key);
    } catch (e) {
      if (e instanceof SpecError) return { records: [], corrupt: 1 }; // invalid JSON: a partial object
      throw e;
    }
    if (json === undefined) return { records: [], corrupt: 0 }; // deleted between the listing and the read
    return recordsOfTrialObject(json, kind);
  }

  // ------------------------------------------------------------------------------------------ leaderboard, best

  async leaderboard(): Promise<Leaderboard | undefined> {
    const key = leaderboardKey(this.sweepId);
    const json = await this.json(key);
    return json === undefined ? undefined : this.parse(LeaderboardSchema, json, key, 'leaderboard');
  }

  async requireLeaderboard(): Promise<Leaderboard> {
    const board = await this.leaderboard();
    if (!board) throw new SpecError(`sweep ${this.sweepId}: no valid ${this.uri(leaderboardKey(this.sweepId))} (run aggregate first)`);
    return board;
  }

  async writeLeaderboard(board: Leaderboard): Promise<void> {
    await this.put(leaderboardKey(this.sweepId), board);
  }

  async best(): Promise<BestRecord | undefined> {
    const key = bestKey(this.sweepId);
    const json = await this.json(key);
    return json === undefined ? undefined : this.parse(BestRecordSchema, json, key, 'best record');
  }

  async writeBest(best: BestRecord): Promise<void> {
    await this.put(bestKey(this.sweepId), best);
  }

  /** The refit model in tfjs layers format: best/model.json and best/weights.bin; returns their URIs. */
  async writeModel(modelJson: unknown, weights: Uint8Array): Promise<{ modelJson: string; weights: string }> {
    const prefix = bestPrefix(this.sweepId);
    await this.blobs.putBytes(`${prefix}weights.bin`, weights, 'application/octet-stream');
    await this.put(`${prefix}model.json`, modelJson);
    return { modelJson: this.uri(`${prefix}model.json`), weights: this.uri(`${prefix}weights.bin`) };
  }

  /**
   * The refit model as writeModel stored it: model.json (tfjs layers format, weights manifest inside) and the
   * bytes of weights.bin; undefined when either is absent.
   */
  async model(): Promise<{ modelJson: tf.io.ModelJSON; weights: Uint8Array } | undefined> {
    const prefix = bestPrefix(this.sweepId);
    const key = `${prefix}model.json`;
    const json = await this.json(key);
    const weights = await this.blobs.getBytes(`${prefix}weights.bin`);
    if (json === undefined || !weights) return undefined;
    const modelJson = json as Partial<tf.io.ModelJSON>;
    if (typeof modelJson.modelTopology !== 'object' || !Array.isArray(modelJson.weightsManifest) || !modelJson.weightsManifest[0]) {
      throw new SpecError(`${this.uri(key)} is not a TensorFlow.js layers model (no modelTopology or weightsManifest)`);
    }
    return { modelJson: modelJson as tf.io.ModelJSON, weights: weights.body };
  }

  // ------------------------------------------------------------------------------------------ map results

  /**
   * Errors of trials whose execution failed, from the Distributed Map's ResultWriter files
   * (`map-results/<mapRunId>/FAILED_<n>.json`): the only trace of a trial that died without writing its record.
   * A failed execution ran a batch: every trial of it gets the batch's error (the caller keeps it only for the
   * trials that have no record).
   */
  async mapRunErrors(): Promise<Map<string, FailedTrial['error']>> {
    const errors = new Map<string, FailedTrial['error']>();
    const keys = (await this.blobs.listKeys(`${mapResultsPrefix(this.sweepId)}/`)).filter((k) => /\/FAILED_\d+\.json$/.test(k));
    for (const key of keys) {
      let entries: unknown;
      try {
        entries = await this.json(key);
      } catch {
        continue; // unreadable results file: the trials stay missing without an error
      }
      if (!Array.isArray(entries)) continue;
      for (const e of entries as { Input?: string; Error?: string; Cause?: string }[]) {
        for (const trialId of inputTrialIds(e.Input)) errors.set(trialId, { name: e.Error ?? 'Error', message: causeMessage(e.Cause ?? '') });
      }
    }
    return errors;
  }

  // ------------------------------------------------------------------------------------------ export

  /**
   * Copy every object of the sweep into `dir` (created when missing) with the layout `DirectoryBlobs` reads:
   * relative paths kept, best/best.json lifted to DIR/best.json, map-results/ left out. Existing files are
   * overwritten. Returns the number of files written.
   */
  async exportTo(dir: string): Promise<number> {
    const prefix = sweepPrefix(this.sweepId);
    const keys = await this.blobs.listKeys(prefix);
    if (keys.length === 0) throw new SpecError(`sweep ${this.sweepId} not found: nothing under ${this.uri(prefix)}`);
    const target = new DirectoryBlobs(dir);
    const copies = keys.filter((k) => target.localPath(k) !== undefined);
    fs.mkdirSync(dir, { recursive: true });
    await mapLimit(copies, 16, async (key) => {
      const got = await this.blobs.getBytes(key);
      if (got) await target.putBytes(key, got.body); // else deleted between the listing and the read
    });
    return copies.length;
  }
}

/** The trialIds of a child execution's input: a batch (`{ Items, BatchInput }`) or, from older sweeps, one item. */
export function inputTrialIds(input: string | undefined): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(input ?? 'null');
  } catch {
    return []; // an entry without a JSON input
  }
  const { Items } = (parsed ?? {}) as { Items?: unknown };
  const items = Array.isArray(Items) ? (Items as unknown[]) : [parsed];
  return items.map((i) => (i as { trialId?: unknown } | null)?.trialId).filter((id): id is string => typeof id === 'string');
}

/** The message of a Step Functions Cause: a Lambda error's `errorMessage`, or the plain-text cause itself. */
export function causeMessage(cause: string): string {
  try {
    return (JSON.parse(cause) as { errorMessage?: string }).errorMessage ?? cause;
  } catch {
    return cause; // a plain-text cause
  }
}

/**
 * One exported sweep in a directory:
 *
 *     DIR/leaderboard.json, DIR/spec.json, DIR/manifest.json
 *     DIR/best.json                 (sweeps/<id>/best/best.json in S3: lifted to sit by the leaderboard)
 *     DIR/best/model.json, DIR/best/weights.bin
 *     DIR/trials/<batchKey>/<part>.json   (record parts; DIR/trials/<trialId>.json from sweeps before parts)
 *
 * Keys are the sweep's S3 keys; map-results/ (Step Functions' ResultWriter output) is not kept.
 */
export class DirectoryBlobs implements Blobs {
  readonly root: string;

  /** `dir` holds one sweep's objects; which sweep is the store's business (any sweeps/<id>/ maps to it). */
  constructor(readonly dir: string) {
    this.root = path.resolve(dir);
  }

  /** A sweep directory that must exist (to read from). */
  static open(dir: string): DirectoryBlobs {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(dir);
    } catch {
      throw new UsageError(`sweep directory not found: ${dir}`);
    }
    if (!stat.isDirectory())
      throw new UsageError(`not a sweep directory: ${dir} is a file (give the directory holding leaderboard.json, or an s3://bucket/sweeps/<sweepId>/ URI)`);
    return new DirectoryBlobs(dir);
  }

  /** The path relative to the directory of a sweep's key; undefined for keys that are not kept. */
  localPath(key: string): string | undefined {
    const m = /^sweeps\/[^/]+\/(.*)$/.exec(key);
    if (!m) return undefined;
    const rel = m[1];
    if (rel === '' || rel.endsWith('/') || rel === 'map-results' || rel.startsWith('map-results/')) return undefined;
    if (rel === 'best/best.json') return 'best.json';
    if (path.isAbsolute(rel) || rel.split(/[\\/]/).includes('..')) {
      throw new SpecError(`refusing to write ${JSON.stringify(rel)}: it would land outside ${this.root}`);
    }
    return rel;
  }

  private file(key: string): string {
    const rel = this.localPath(key);
    if (rel === undefined) throw new SpecError(`${key} is not a sweep object kept in a directory`);
    return path.join(this.root, rel);
  }

  uri(key: string): string {
    const rel = this.localPath(key);
    return rel === undefined ? key : path.join(this.dir, rel);
  }

  async getBytes(key: string): Promise<{ body: Uint8Array; etag: string } | undefined> {
    if (this.localPath(key) === undefined) return undefined;
    try {
      const body = await fs.promises.readFile(this.file(key));
      return { body, etag: '' };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw new UsageError(`cannot read ${this.uri(key)}: ${(e as Error).message}`);
    }
  }

  async putBytes(key: string, body: Uint8Array): Promise<void> {
    const file = this.file(key);
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, body); // a failed export (a full disk) leaves what a resume reads intact
  }

  /** Keys under `sweeps/<id>/...`: the directory's files as keys of that sweep. */
  async listKeys(prefix: string): Promise<string[]> {
    const m = /^(sweeps\/[^/]+\/)/.exec(prefix);
    if (!m) return [];
    const sweep = m[1];
    const out: string[] = [];
    const walk = async (rel: string): Promise<void> => {
      const abs = path.join(this.root, rel);
      if (!fs.existsSync(abs)) return;
      for (const entry of await fs.promises.readdir(abs, { withFileTypes: true })) {
        const child = rel ? `${rel}/${entry.name}` : entry.name;
        if (entry.isDirectory()) await walk(child);
        else if (entry.isFile() && !entry.name.startsWith(TEMP_FILE_PREFIX)) out.push(child === 'best.json' ? `${sweep}best/best.json` : sweep + child);
      }
    };
    await walk('');
    return out.filter((k) => k.startsWith(prefix)).sort();
  }
}

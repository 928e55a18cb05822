/**
 * writeFileAtomic: a file is replaced whole or not at all, so a failed export (a full disk) never leaves a truncated
 * spec.json that the resume then blames on the user's spec.
 */
import { expect } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DirectoryBlobs } from '../../../../shared/store/sweep-store';
import { TEMP_FILE_PREFIX, writeFileAtomic } from '../../../../shared/util/files';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regsweep-atomic-'));
});
afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Makes the next file write fail half-way with ENOSPC, as a full disk does (half the bytes are written first). */
function diskFullOnNextWrite(): void {
  const open = fs.promises.open.bind(fs.promises);
  jest.spyOn(fs.promises, 'open').mockImplementationOnce(async (file, flags, mode) => {
    const handle = await open(file, flags, mode);
    handle.writeFile = async (data: unknown) => {
      const bytes = Buffer.from(data as string);
      await handle.write(bytes.subarray(0, bytes.length >> 1));
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    return handle;
  });
}

describe('writeFileAtomic', () => {
  it('writes the bytes and leaves no temp file', async () => {
    const file = path.join(dir, 'a.json');
    await writeFileAtomic(file, '{"a":1}');
    expect(fs.readFileSync(file, 'utf8')).toBe('{"a":1}');
    expect(fs.readdirSync(dir)).toEqual(['a.json']);
  });

  it('a write that fails half-way (disk full) leaves the old file exactly as it was, and no temp file', async () => {
    // Prepare
    const file = path.join(dir, 'spec.json');
    fs.writeFileSync(file, '{"the":"spec as it was"}');
    diskFullOnNextWrite();
    // Act
    await expect(writeFileAtomic(file, JSON.stringify({ the: 'new spec', pad: 'x'.repeat(1000) }))).rejects.toThrow(/ENOSPC/);
    // Assess
    expect(fs.readFileSync(file, 'utf8')).toBe('{"the":"spec as it was"}');
    expect(fs.readdirSync(dir)).toEqual(['spec.json']);
  });
});

describe('DirectoryBlobs (an exported sweep)', () => {
  it('an export write that fails leaves the spec a resume reads intact; a temp file left by a crash is not a key', async () => {
    // Prepare
    const blobs = new DirectoryBlobs(dir);
    await blobs.putBytes('sweeps/s/spec.json', Buffer.from('{"sweepId":"s"}'));
    diskFullOnNextWrite();
    // Act
    await expect(blobs.putBytes('sweeps/s/spec.json', Buffer.from(`{"sweepId":"s","pad":"${'x'.repeat(500)}"}`))).rejects.toThrow(/ENOSPC/);
    fs.writeFileSync(path.join(dir, `${TEMP_FILE_PREFIX}leaderboard.json-1-1`), '{"half');
    // Assess
    expect(Buffer.from((await blobs.getBytes('sweeps/s/spec.json'))!.body).toString()).toBe('{"sweepId":"s"}');
    expect(await blobs.listKeys('sweeps/s/')).toEqual(['sweeps/s/spec.json']);
  });
});

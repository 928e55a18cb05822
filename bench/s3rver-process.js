'use strict';
/**
 * BENCH-ONLY: s3rver (the local S3 server before local/s3-server-process.js) in its own process, for the
 * side-by-side comparison of bench/s3-server.ts; nothing else uses it. It must run under
 * `node --openssl-legacy-provider`: s3rver encrypts ListObjectsV2 continuation tokens with DES, which
 * Node 20's OpenSSL 3 refuses otherwise (every page after the first would fail with 500).
 *
 * Usage: node --openssl-legacy-provider s3rver-process.js --dir <dir> [--port <n>] [--bucket <name>]...
 *        [--remove-dir-on-exit]   (the parent made <dir> as a temp dir: remove it even if the parent died)
 * with the one accepted key pair in REGSWEEP_S3_ACCESS_KEY_ID / REGSWEEP_S3_SECRET_ACCESS_KEY (not on the
 * command line, which other users can read).
 * Prints `READY <port>` on stdout once listening. Exits on SIGTERM/SIGINT, or when stdin closes (the parent
 * died), so it never outlives the process that started it.
 */
const fs = require('fs');
const S3rver = require('s3rver');
const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account');

function parseArgs(argv) {
  const out = { dir: undefined, port: 0, buckets: [], removeDir: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--remove-dir-on-exit') {
      out.removeDir = true;
      continue;
    }
    if (a === '--dir') out.dir = v;
    else if (a === '--port') out.port = Number(v);
    else if (a === '--bucket') out.buckets.push(v);
    else throw new Error(`s3rver-process: unknown argument ${a}`);
    i++;
  }
  if (!out.dir) throw new Error('s3rver-process: --dir is required');
  if (!Number.isInteger(out.port) || out.port < 0 || out.port > 65535) {
    throw new Error(`s3rver-process: bad --port ${out.port}`);
  }
  return out;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  // Only the key pair the parent chose (fresh per run, in REGSWEEP_S3_ACCESS_KEY_ID / REGSWEEP_S3_SECRET_ACCESS_KEY)
  // is accepted: s3rver's well-known built-in pair (S3RVER/S3RVER) is revoked.
  const { REGSWEEP_S3_ACCESS_KEY_ID: accessKeyId, REGSWEEP_S3_SECRET_ACCESS_KEY: secretAccessKey } = process.env;
  if (!accessKeyId || !secretAccessKey) throw new Error('REGSWEEP_S3_ACCESS_KEY_ID and REGSWEEP_S3_SECRET_ACCESS_KEY are required');
  DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
  DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);
  const server = new S3rver({
    silent: true,
    address: '127.0.0.1',
    port: args.port,
    directory: args.dir,
    configureBuckets: args.buckets.map((name) => ({ name })),
  });
  const addr = await server.run();
  let closing = false;
  const exit = () => {
    if (args.removeDir) {
      try {
        fs.rmSync(args.dir, { recursive: true, force: true });
      } catch {
        // best effort; the parent's stop() also removes it
      }
    }
    process.exit(0);
  };
  const shutdown = () => {
    if (closing) return;
    closing = true;
    const force = setTimeout(exit, 2000);
    force.unref();
    server.close().then(exit, exit);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  // The parent holds our stdin open; when it goes away (even by SIGKILL), stdin ends and we exit.
  process.stdin.on('end', shutdown);
  process.stdin.on('close', shutdown);
  process.stdin.resume();
  process.stdout.write(`READY ${addr.port}\n`);
}

main().catch((err) => {
  process.stderr.write(`s3rver-process failed: ${err && err.stack ? err.stack : String(err)}\n`);
  process.exit(1);
});

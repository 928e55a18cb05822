/**
 * Three groups of tests (jest projects), all run by `npm test` (and `npx jest`):
 *
 *   unit         test/unit/: the domain, the steps on MemoryBlobs, the CLI's pure parts; no server, no process
 *                (`npm run test:unit`)
 *   infra        test/infra/: CDK assertions and cdk-nag on the synthesized stack (`npm run test:infra`)
 *   integration  test/integration/: storage itself on the local S3 server, the harness end to end, the CLI
 *                through its real bin (`npm run test:integration`)
 *
 * Two workers at least: most integration files wait on child processes (the S3 server, the CLI, the harness's
 * Lambda workers) more than they compute, so a second file runs meanwhile; on a 2-core machine jest's default
 * (cores - 1) would run every file in band.
 *
 * @type {import('jest').Config}
 */
const os = require('node:os');

const project = (displayName, root) => ({
  displayName,
  testEnvironment: 'node',
  roots: [`<rootDir>/test/${root}`],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  setupFiles: ['<rootDir>/test/support/env.ts'],
});

module.exports = {
  projects: [project('unit', 'unit'), project('infra', 'infra'), project('integration', 'integration')],
  maxWorkers: Math.max(2, os.availableParallelism() - 1),
  testTimeout: 120000,
};

#!/usr/bin/env node
// The `regsweep` command: runs the TypeScript CLI through tsx's CommonJS loader.
process.env.REGSWEEP_CLI_ENTRY = '1';
require('tsx/cjs');
require('../cli/main.ts');

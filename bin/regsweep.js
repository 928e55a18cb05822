#!/usr/bin/env node
// The `regsweep` command: runs the TypeScript CLI through tsx's CommonJS loader.
require('tsx/cjs');
require('../cli/main.ts');

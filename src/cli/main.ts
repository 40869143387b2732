#!/usr/bin/env node
/** The `cowsnap` command (bin → dist/src/cli/main.js; from a checkout: node --import tsx src/cli/main.ts). */
import { processIo } from './cli-io.js';
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2), processIo);

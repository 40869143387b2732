#!/usr/bin/env node
/** The `cowsnap` command (bin → dist/src/cli/main.js; from a checkout: node --import tsx src/cli/main.ts). */
import { processIo } from './cli-io.js';
import { endQuietlyWhenOutputCloses } from './output-pipe.js';
import { runCli } from './program.js';

endQuietlyWhenOutputCloses(process.stdout);
endQuietlyWhenOutputCloses(process.stderr);
process.exitCode = await runCli(process.argv.slice(2), processIo);

#!/usr/bin/env node
// The `franceconnect` executable: key set management and configuration checks. See cli.ts.
import { run } from './cli.js';

process.exitCode = await run(process.argv.slice(2));

#!/usr/bin/env node
// Installed entry point: runs the TypeScript CLI directly (Node >= 24 strips types).
import { main } from '../src/cli/main.ts';

process.exitCode = await main(process.argv.slice(2));

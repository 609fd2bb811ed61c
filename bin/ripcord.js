#!/usr/bin/env -S node --max-semi-space-size=8 --max-old-space-size=1024
// Installed entry point: runs the TypeScript CLI directly (Node >= 24 strips types).
// The heap flags keep long imports near 250 MB: V8's default young generation on a large
// machine lets short-lived log lines pile up to twice that (measured on 2M lines). The npm
// scripts pass the same flags.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`ripcord needs Node.js 24 or newer (this is ${process.version}); from a clone, use \`npm run ripcord -- …\`.\n`);
  process.exit(2);
}
// Cache compiled (and type-stripped) modules between runs: start-up drops by about a third.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));

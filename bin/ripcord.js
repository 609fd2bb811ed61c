#!/usr/bin/env -S node --max-semi-space-size=16 --max-old-space-size=1024
// Installed entry point: runs the TypeScript CLI directly (Node >= 24 strips types).
// The heap flags keep long imports near 200 MB: V8's default young generation on a large
// machine lets short-lived log lines pile up to twice that. 16 MiB semi-spaces hold a whole
// 8,192-line batch, so its events die young instead of being copied to the old generation
// (2M lines: 285k lines/s at 195 MB, against 231k with 8 MiB and 260-310k at 235 MB with 32).
// The npm scripts pass the same flags.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `ripcord needs Node.js 24 or newer (this is ${process.version}); from a clone, use \`npm run ripcord -- …\`.\n`,
  );
  process.exit(2);
}
// glibc's malloc gives freed memory back to the kernel eagerly and maps big blocks afresh, so
// the buffers of a backup or restore (chunks, zstd's tables and outputs, ciphertexts) cost a
// page fault per page every time: a 1 GiB dump backup took 240k faults and 3 s of system
// time. Kept below 32 MiB and two arenas, it takes 85-100k and 1.7 s (and 1.5 s less user
// time). The variables must be set before the process starts, so when they are not set the
// process replaces itself once with them set (same PID, same arguments and file descriptors;
// ~60 ms). Other C libraries ignore them.
const malloc = { MALLOC_MMAP_THRESHOLD_: '33554432', MALLOC_TRIM_THRESHOLD_: '268435456', MALLOC_ARENA_MAX: '2' };
if (process.platform === 'linux' && process.env.MALLOC_ARENA_MAX === undefined && typeof process.execve === 'function')
  process.execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    ...process.env,
    ...malloc,
  });
// Cache compiled (and type-stripped) modules between runs: start-up drops by about a third.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));

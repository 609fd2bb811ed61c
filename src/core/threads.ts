// Starts worker threads on TypeScript modules with Node's on-disk compile cache on. A worker is
// a Node instance of its own that does not inherit the cache bin/ripcord.js enables, so each
// one loaded the type stripper (a WebAssembly module: 50-130 ms of CPU per worker, measured)
// to strip modules the main thread had cached; a tiny script enables the cache first, then
// imports the module.

import { Worker, type WorkerOptions } from 'node:worker_threads';

export function startWorker(module: URL, options: WorkerOptions = {}): Worker {
  // eval'd as a CommonJS script; the URL is serialised as a JSON string, never spliced raw.
  const boot = `require('node:module').enableCompileCache?.(); import(${JSON.stringify(module.href)});`;
  return new Worker(boot, { ...options, eval: true });
}

// Detection on the second core: a worker thread (detect-worker.ts) holds the detector and
// answers batches in order, while the pipeline parses and stores on the main thread (see
// SourceChannel.handle). The lines are sent, not parsed events: copying strings is cheap,
// and parsing once more on the other core costs less than copying objects across.

import { AppError, type ErrorCode } from '../core/errors.ts';
import { startWorker } from '../core/threads.ts';
import type { Finding } from '../core/finding.ts';
import type { BatchDetector, DetectJob, EventStore } from '../logs/index.ts';
import type { DetectReady, DetectReply, DetectRequest, DetectWorkerData } from './detect-worker.ts';
import { resolvePath, type LoadedConfig } from './config.ts';
import { historyLogins } from './detect.ts';

export interface DetectThread extends BatchDetector {
  close(): Promise<void>;
}

/** Starts the detection thread for a config (null when detection is off). */
export async function startDetectThread(loaded: LoadedConfig, store: EventStore): Promise<DetectThread | null> {
  const { config, baseDir } = loaded;
  if (!config.detect.enabled) return null;
  const data: DetectWorkerData = {
    ruleFiles: config.detect.ruleFiles.map((f) => resolvePath(baseDir, f)),
    disable: config.detect.disable,
    platform: config.site.platform,
    maxBuckets: config.detect.maxBuckets,
    logins: await historyLogins(store),
  };
  // The main thread's young-generation size (bin/ripcord.js) suits a batch's events here too.
  const worker = startWorker(new URL('./detect-worker.ts', import.meta.url), {
    workerData: data,
    resourceLimits: { maxYoungGenerationSizeMb: 48, maxOldGenerationSizeMb: 512 },
  });
  const waiting = new Map<
    number,
    { resolve: (f: { finding: Finding; event: number }[]) => void; reject: (e: unknown) => void }
  >();
  let failure: AppError | null = null;
  const failAll = (e: AppError) => {
    failure ??= e;
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
  };
  worker.on('message', (r: DetectReply | DetectReady) => {
    if ('ready' in r) return;
    const w = waiting.get(r.seq);
    waiting.delete(r.seq);
    if (w === undefined) return;
    if ('error' in r) w.reject(new AppError('internal', `detection failed: ${r.error}`));
    else w.resolve(r.findings);
  });
  worker.on('error', (e) => failAll(new AppError('internal', `detection thread failed: ${e.message}`)));
  worker.on('exit', (code) => failAll(new AppError('internal', `detection thread exited (${code})`)));
  // A broken rule file fails the start here, with its own error, as it does without a thread.
  const ready = await new Promise<DetectReady>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  if (!ready.ready) {
    await worker.terminate();
    throw new AppError(ready.code as ErrorCode, ready.message, {
      details: ready.details,
      ...(ready.where !== undefined ? { where: ready.where } : {}),
    });
  }
  let seq = 0;
  return {
    detect(job: DetectJob) {
      if (failure !== null) return Promise.reject(failure);
      const n = seq++;
      return new Promise((resolve, reject) => {
        waiting.set(n, { resolve, reject });
        const req: DetectRequest = { seq: n, job };
        worker.postMessage(req);
      });
    },
    async close() {
      failure ??= new AppError('internal', 'detection thread closed');
      await worker.terminate();
    },
  };
}

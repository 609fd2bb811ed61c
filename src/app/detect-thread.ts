// Detection on the second core: a worker thread (detect-worker.ts) runs the stateless part of
// detection on each batch (every gate, the signature rules) and answers batches in order, while
// the pipeline parses, runs the rules that keep state with those gates' verdicts and stores on
// the main thread (see SourceChannel.handle). The lines are sent, not parsed events: copying strings is
// cheap, and parsing once more on the other core costs less than copying objects across; the
// verdicts come back as one transferred array.

import { AppError, type ErrorCode } from '../core/errors.ts';
import { startWorker } from '../core/threads.ts';
import type { BatchGates, BatchVerdicts, DetectJob, EventDetector, EventStore } from '../logs/index.ts';
import type { DetectReady, DetectReply, DetectRequest, DetectWorkerData } from './detect-worker.ts';
import { resolvePath, type LoadedConfig } from './config.ts';
import { buildDetector } from './detect.ts';

export interface DetectThread extends BatchGates {
  close(): Promise<void>;
}

/**
 * The pipeline's detection for a config: the detector (undefined when detection is off) and,
 * when `thread`, its gates worked out on a second thread. Close the thread when done.
 */
export async function startDetection(
  loaded: LoadedConfig,
  store: EventStore,
  thread: boolean,
): Promise<{ detector: EventDetector | undefined; gates: DetectThread | null }> {
  if (!thread) return { detector: await buildDetector(loaded, store), gates: null };
  const detector = await buildDetector(loaded, store, 'stateful');
  if (detector === undefined) return { detector, gates: null };
  return { detector, gates: await startDetectThread(loaded, detector.gateFingerprint()) };
}

/**
 * Starts the detection thread for a config. `fingerprint` is the main detector's gate layout
 * (Detector.gateFingerprint): the thread compiles the same rule files, and a difference (a
 * rule file changed between the two reads) is refused rather than mixing verdicts.
 */
export async function startDetectThread(loaded: LoadedConfig, fingerprint: string): Promise<DetectThread> {
  const { config, baseDir } = loaded;
  const data: DetectWorkerData = {
    ruleFiles: config.detect.ruleFiles.map((f) => resolvePath(baseDir, f)),
    disable: config.detect.disable,
    platform: config.site.platform,
  };
  // Half the main thread's young generation (bin/ripcord.js): this thread's events live for a
  // slice of 256 lines, and the two threads together stay under 300 MB.
  const worker = startWorker(new URL('./detect-worker.ts', import.meta.url), {
    workerData: data,
    resourceLimits: { maxYoungGenerationSizeMb: 24, maxOldGenerationSizeMb: 512 },
  });
  const waiting = new Map<number, { resolve: (v: BatchVerdicts) => void; reject: (e: unknown) => void }>();
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
    else w.resolve({ verdicts: r.verdicts, events: r.events, findings: r.findings });
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
  if (ready.fingerprint !== fingerprint) {
    await worker.terminate();
    throw new AppError(
      'internal',
      'the detection thread compiled other rules than the main thread (a rule file changed while starting?); start again',
    );
  }
  let seq = 0;
  return {
    verdicts(job: DetectJob) {
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

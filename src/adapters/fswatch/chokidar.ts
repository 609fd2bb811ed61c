// FileWatcher port (src/integrity/ports.ts) over chokidar 5: each folder is watched on its own
// with depth 0, so the caller decides exactly which (and how many) folders use a kernel watch.
// Symlinks are not followed. Best effort: what a watcher misses, the scheduled check finds.

import { watch, type FSWatcher } from 'chokidar';
import type { FileWatcher, WatchEvent } from '../../integrity/index.ts';

export const chokidarWatcher: FileWatcher = {
  async watch(dirs, ignored, onEvent, onError) {
    const w: FSWatcher = watch([...dirs], {
      depth: 0,
      ignoreInitial: true,
      followSymlinks: false,
      persistent: true,
      atomic: false,
      ignored: (path, stats) => ignored(path, stats === undefined ? null : stats.isDirectory()),
    });
    const forward = (type: WatchEvent['type']) => (path: string) => onEvent({ type, path });
    w.on('add', forward('add'))
      .on('change', forward('change'))
      .on('unlink', forward('unlink'))
      .on('addDir', forward('addDir'))
      .on('unlinkDir', forward('unlinkDir'));
    w.on('error', onError);
    await new Promise<void>((resolve) => w.once('ready', () => resolve()));
    return {
      add(more: readonly string[]) {
        w.add([...more]);
      },
      async close() {
        await w.close();
      },
    };
  },
};

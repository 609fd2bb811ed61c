// File integrity wired from the configuration: which roots (config `integrity.paths`,
// `site.root`, or `--root`), which preset, who runs it, and the I/O the integrity subsystem
// needs (context.ts there) — the repository, the traffic record, the shop database drivers
// and chokidar. The operations themselves are in src/integrity.
//
// Without a config file (`--root DIR`), state and repository live under ./.ripcord (or
// --state-dir): the passphrase is RIPCORD_PASSPHRASE / RIPCORD_PASSPHRASE_FILE when set, else a
// random key generated once into <stateDir>/integrity/repository.key (app/repo.ts).

import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { AppError } from '../core/errors.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import type { IntegrityConfig } from '../core/config/integrity.ts';
import {
  createFilter,
  filterKey,
  loadCodeRules,
  noFileWatcher,
  nullTrafficLookup,
  resolvePreset,
  watchSite,
  type CodeRule,
  type FileWatcher,
  type FilterSpec,
  type IntegrityContext,
  type IntegrityFinding,
  type IntegrityWatch,
  type RepositoryAccess,
  type ShopDbReader,
  type SignatureScanner,
  type TrafficLookup,
} from '../integrity/index.ts';
import { resolvePath, type LoadedConfig } from './config.ts';
import type { App } from './context.ts';
import type { RepositoryOptions } from './repo.ts';

export {
  integrityAccept,
  integrityBaseline,
  integrityCheck,
  integrityDiff,
  integrityRevert,
  integrityScan,
  integrityScanDb,
  type AcceptResult,
  type BaselineResult,
  type CheckResult,
  type DiffResult,
  type IntegrityContext,
  type ScanDbResult,
  type ScanResult,
} from '../integrity/index.ts';

// The quick check (the cron job's command) needs neither the repository, nor the traffic store,
// nor any driver while nothing changed: those modules load on first use (about 0.1 s of
// start-up saved, mysql2 alone is a third of it).
const lazy = {
  repo: () => import('./repo.ts'),
  mysql: () => import('../adapters/shopdb/mysql.ts'),
  postgres: () => import('../adapters/shopdb/postgres.ts'),
  chokidar: () => import('../adapters/fswatch/chokidar.ts'),
  yara: () => import('../adapters/yara/yara.ts'),
};

/** The owner's YARA rules run by the yara command (loaded when a scan uses them), or null: none configured. */
function yaraScanner(y: IntegrityConfig['scan']['yara'], baseDir: string): SignatureScanner | null {
  if (y.rules.length === 0) return null;
  const rules = y.rules.map((p) => resolvePath(baseDir, p));
  return async (targets, walked) =>
    (await lazy.yara()).yaraScan({ rules, binary: y.binary, timeoutSeconds: y.timeoutSeconds }, targets, walked);
}

/** chokidar, loaded when `ripcord run` starts watching. */
const lazyChokidar: FileWatcher = {
  watch: async (dirs, ignored, onEvent, onError) =>
    (await lazy.chokidar()).chokidarWatcher.watch(dirs, ignored, onEvent, onError),
};

type Env = Readonly<Record<string, string | undefined>>;

/** Integrity's repository: the configured one, or a generated key without a config file. */
const integrityRepository: RepositoryOptions = {
  generatedKey: true,
  notFound: 'no repository: run `ripcord integrity baseline` first',
};

/** The app context's repository, opened once for the command and closed with the context. */
export function sharedRepository(app: App): RepositoryAccess {
  return {
    use: async (create, f) => f(await app.repository({ create })),
    prefetch: () => void app.repository().catch(() => {}),
  };
}

/**
 * A repository opened for each use and closed after it: for the long-running watch, which
 * must see what other processes (`integrity accept`) wrote since.
 */
export function freshRepository(loaded: LoadedConfig, env: Env): RepositoryAccess {
  return {
    async use(create, f) {
      const repo = await (await lazy.repo()).openRepositoryFor(loaded, env, { ...integrityRepository, create });
      try {
        return await f(repo);
      } finally {
        await repo.close();
      }
    },
    prefetch: () => void lazy.repo().catch(() => {}),
  };
}

export interface IntegrityTarget {
  /** `--root DIR` (repeatable): overrides the configured paths. */
  roots?: readonly string[] | undefined;
  /** `--preset NAME`: overrides integrity.preset / site.platform. */
  preset?: string | undefined;
}

const presetNames = new Set([
  'auto',
  'none',
  'magento1',
  'magento2',
  'woocommerce',
  'wordpress',
  'prestashop',
  'opencart',
]);

/** Who runs a command, for the audit log: the sudo user when there is one. */
export function whoAmI(env: Env = process.env): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (containers): keep 'unknown'.
  }
  const sudo = env['SUDO_USER'];
  return `${sudo !== undefined && sudo !== '' && sudo !== user ? `${sudo} (as ${user})` : user}@${hostname()}`;
}

/** The app context options an integrity command opens its context with. */
export const integrityAppOptions = { repository: integrityRepository };

export function integrityContext(
  loaded: LoadedConfig,
  t: IntegrityTarget = {},
  deps: {
    clock?: Clock;
    traffic?: TrafficLookup;
    env?: Env;
    repository?: RepositoryAccess;
    watcher?: FileWatcher;
  } = {},
): IntegrityContext {
  const cfg = loaded.config.integrity;
  if (t.preset !== undefined && !presetNames.has(t.preset))
    throw new AppError('usage', `unknown preset ${t.preset}`, { details: [`one of: ${[...presetNames].join(', ')}`] });
  // --preset wins; then integrity.preset, then site.platform; with neither (`auto` and a
  // `custom` platform) the preset recorded with the baseline is used.
  let preset: string | null =
    t.preset ??
    (cfg.preset !== 'auto'
      ? cfg.preset
      : loaded.config.site.platform !== 'custom'
        ? loaded.config.site.platform
        : null);
  if (preset === 'auto') preset = loaded.config.site.platform === 'custom' ? null : loaded.config.site.platform;
  let roots: string[];
  if (t.roots !== undefined && t.roots.length > 0) roots = t.roots.map((r) => resolve(process.cwd(), r));
  else if (cfg.paths.length > 0) roots = cfg.paths.map((p) => resolvePath(loaded.baseDir, p));
  else if (loaded.config.site.root !== undefined) roots = [resolvePath(loaded.baseDir, loaded.config.site.root)];
  else roots = [];
  roots = roots.map((r) => r.replace(/\/+$/, '') || '/');
  let rules: CodeRule[] | undefined;
  const spec = (name: string): FilterSpec => ({
    preset: resolvePreset(name as IntegrityConfig['preset'], 'custom'),
    include: cfg.include,
    exclude: cfg.exclude,
  });
  const env = deps.env ?? process.env;
  return {
    cfg,
    platform: loaded.config.site.platform,
    roots,
    stateDir: loaded.config.stateDir,
    preset,
    excludeFor: (name) => createFilter(spec(name)),
    filterKeyFor: (name, roots) => filterKey(roots, spec(name)),
    by: whoAmI(env),
    clock: deps.clock ?? systemClock,
    traffic: deps.traffic ?? nullTrafficLookup,
    repository: deps.repository ?? freshRepository(loaded, env),
    openShopDb: (url) => openShopDb(url, env),
    watcher: deps.watcher ?? (cfg.watch.enabled ? lazyChokidar : noFileWatcher),
    signatures: yaraScanner(cfg.scan.yara, loaded.baseDir),
    rules() {
      rules ??= loadCodeRules({
        extra: cfg.scan.rules.map((p) => resolvePath(loaded.baseDir, p)),
        disable: cfg.scan.disable,
      });
      return rules;
    },
  };
}

/** An integrity command's context inside the app context: its repository and traffic record. */
export function integrityContextIn(app: App, t: IntegrityTarget = {}): IntegrityContext {
  return integrityContext(app.loaded, t, {
    clock: app.clock,
    env: app.env,
    traffic: app.traffic,
    repository: sharedRepository(app),
  });
}

/** Opens the shop database named by a mysql:// or postgres:// URL; RIPCORD_SHOPDB_PASSWORD fills in a missing password. */
export async function openShopDb(url: string, env: Env = process.env): Promise<ShopDbReader> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new AppError('usage', 'the shop database URL is not a URL (mysql://user@host:3306/db or postgres://…)');
  }
  const pw = env['RIPCORD_SHOPDB_PASSWORD'];
  if (u.password === '' && pw !== undefined && pw !== '') u.password = pw;
  if (u.protocol === 'mysql:' || u.protocol === 'mariadb:') {
    u.protocol = 'mysql:';
    return (await lazy.mysql()).MysqlShopDb.open(u.toString());
  }
  if (u.protocol === 'postgres:' || u.protocol === 'postgresql:')
    return (await lazy.postgres()).PostgresShopDb.open(u.toString());
  throw new AppError('usage', `unsupported shop database ${u.protocol.replace(':', '')}: use mysql:// or postgres://`);
}

export interface StartWatchOptions {
  loaded: LoadedConfig;
  /** Each change, and each malicious-code hit in it, as a Finding (category 'integrity'). */
  onFinding(f: IntegrityFinding): void;
  onError?: (e: unknown) => void;
  traffic?: TrafficLookup;
  clock?: Clock;
  /** Overrides the configured folders. */
  roots?: string[];
  /** Defaults to chokidar; tests pass their own. */
  watcher?: FileWatcher;
  /** Overrides integrity.schedule; null for no scheduled check. */
  schedule?: string | null;
  onReady?: (watched: number, unwatched: number) => void;
}

/**
 * For `ripcord run`: the integrity watch (integrity/site-watch.ts). The repository is opened
 * for each baseline load, so a baseline accepted meanwhile by another process is seen.
 */
export function startIntegrityWatch(o: StartWatchOptions): IntegrityWatch {
  const ctx = integrityContext(
    o.loaded,
    { roots: o.roots },
    {
      ...(o.clock !== undefined ? { clock: o.clock } : {}),
      ...(o.traffic !== undefined ? { traffic: o.traffic } : {}),
      ...(o.watcher !== undefined ? { watcher: o.watcher } : {}),
    },
  );
  return watchSite(ctx, {
    onFinding: o.onFinding,
    ...(o.onError !== undefined ? { onError: o.onError } : {}),
    ...(o.schedule !== undefined ? { schedule: o.schedule } : {}),
    ...(o.onReady !== undefined ? { onReady: o.onReady } : {}),
  });
}

// Drives a program in a real terminal: a tmux server of its own (a private socket, so a
// developer's tmux is never touched), keys sent with send-keys, the screen read with
// capture-pane. Tests skip with a message when tmux is missing, except under CI=true where
// they run and fail (.ci/run installs tmux).

import { spawnSync } from 'node:child_process';

export function tmuxSkip(): { skip?: string } {
  const r = spawnSync('tmux', ['-V'], { encoding: 'utf8' });
  if (r.status === 0 || process.env['CI'] === 'true') return {};
  return { skip: 'tmux is not installed (apt-get install tmux): the terminal interview is not driven' };
}

let sessions = 0;

export class Terminal {
  readonly #socket: string;
  readonly #name = 'main';

  private constructor(socket: string) {
    this.#socket = socket;
  }

  /** Starts `argv` in a new terminal of `width` x `height` in `cwd`. */
  static start(argv: readonly string[], o: { cwd: string; width?: number; height?: number }): Terminal {
    const t = new Terminal(`ripcord-test-${process.pid}-${sessions++}`);
    // The command runs in a shell of tmux's; each argument is quoted for it.
    const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    // After the program ends, its exit status stays on screen until the session is killed.
    t.#tmux(
      'new-session',
      '-d',
      '-s',
      t.#name,
      '-x',
      String(o.width ?? 160),
      '-y',
      String(o.height ?? 60),
      '-c',
      o.cwd,
      `${quoted}; echo "EXIT=$?"; sleep 3600`,
    );
    return t;
  }

  #tmux(...args: string[]): string {
    const r = spawnSync('tmux', ['-L', this.#socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tmux ${args[0]}: ${r.stderr}`);
    return r.stdout;
  }

  screen(): string {
    return this.#tmux('capture-pane', '-p', '-t', this.#name, '-S', '-200');
  }

  /** Sends keys: literal text, or tmux key names (Enter, Down, Space, C-c). */
  keys(...keys: string[]): void {
    for (const k of keys) {
      if (/^(Enter|Up|Down|Left|Right|Space|Tab|BSpace|Escape|C-[a-z])$/.test(k))
        this.#tmux('send-keys', '-t', this.#name, k);
      else this.#tmux('send-keys', '-t', this.#name, '-l', k);
    }
  }

  /**
   * Waits until the screen (with its scrollback) holds `text`, matches the pattern, or passes the
   * test; fails after `limitMs` showing the screen.
   */
  async waitFor(text: string | RegExp | ((screen: string) => boolean), limitMs = 20_000): Promise<string> {
    const until = Date.now() + limitMs;
    for (;;) {
      const s = this.screen();
      if (typeof text === 'string' ? s.includes(text) : text instanceof RegExp ? text.test(s) : text(s)) return s;
      if (Date.now() > until) throw new Error(`the terminal never showed ${String(text)}; it shows:\n${s}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  kill(): void {
    spawnSync('tmux', ['-L', this.#socket, 'kill-server']);
  }
}

/**
 * The ffmpeg processes of the media plane: where the binary is, spawning one with its pid written to a pid file
 * under the data folder, and reaping at start-up what a crashed emulator left running. A pid is killed only when
 * its command line still names the media folder, so a pid the system has given to another program is left alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * ffmpeg from `FFMPEG_PATH` when set (only there: a path that is not executable means "no ffmpeg"), else the first on
 * PATH (Debian: /usr/bin/ffmpeg); undefined when absent.
 */
export function findFfmpeg(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = env.FFMPEG_PATH ? [env.FFMPEG_PATH] : [...(env.PATH ?? '/usr/bin').split(delimiter).map((dir) => join(dir, 'ffmpeg')), '/usr/bin/ffmpeg'];
  return candidates.find((candidate) => candidate && executable(candidate));
}

export function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export class ProcessRegistry {
  readonly #dir: string;
  readonly #children = new Set<ChildProcess>();

  /** `marker` must appear in every spawned command line (the media folder): the reaper's proof of ownership. */
  constructor(dir: string, private readonly marker: string) {
    this.#dir = dir;
    mkdirSync(dir, { recursive: true });
  }

  /** Kills what a previous run left (its pid files), then forgets them. Returns the pids killed. */
  reapLeftovers(): number[] {
    const killed: number[] = [];
    for (const name of readdirSync(this.#dir)) {
      const pid = Number(name.replace(/\.pid$/, ''));
      if (Number.isInteger(pid) && pid > 1 && this.#owns(pid)) {
        try {
          process.kill(pid, 'SIGKILL');
          killed.push(pid);
        } catch {
          // already gone
        }
      }
      rmSync(join(this.#dir, name), { force: true });
    }
    return killed;
  }

  spawn(command: string, args: string[]): ChildProcess {
    if (!args.some((a) => a.includes(this.marker))) throw new Error('a media plane process must name its folder in its arguments');
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = child.pid;
    if (pid !== undefined) writeFileSync(join(this.#dir, `${pid}.pid`), `${args.join(' ')}\n`);
    this.#children.add(child);
    child.once('exit', () => {
      this.#children.delete(child);
      if (pid !== undefined) rmSync(join(this.#dir, `${pid}.pid`), { force: true });
    });
    return child;
  }

  /** Pids of the children still running. */
  running(): number[] {
    return [...this.#children].map((c) => c.pid).filter((p): p is number => p !== undefined);
  }

  /** Kills every child and waits until each has exited. */
  async killAll(): Promise<void> {
    await Promise.all([...this.#children].map((child) => stopChild(child)));
  }

  #owns(pid: number): boolean {
    const cmdline = `/proc/${pid}/cmdline`;
    if (!existsSync(cmdline)) return false;
    try {
      return readFileSync(cmdline, 'utf8').split('\0').some((arg) => arg.includes(this.marker));
    } catch {
      return false;
    }
  }
}

/** SIGTERM, then SIGKILL after a second; resolves when the process has exited. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 1000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

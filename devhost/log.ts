/**
 * The local host's console log, written for a person to follow (as `func start` prints one line per
 * function execution): one line per broadcast lifecycle step — the app's own replay-safe log line,
 * the same one Azure shows in Application Insights — and one per function execution worth seeing.
 *
 * `DEVHOST_LOG` chooses the form: `pretty` (default; colours when a terminal is attached, unless
 * NO_COLOR is set), `verbose` (pretty, plus every execution: reads, timers, activities, orchestration episodes),
 * `json` (one JSON object per line, for machines) or `quiet` (warnings and errors only; also what the
 * older `DEVHOST_QUIET=1` means).
 */
import { createRequire } from 'node:module';
import { systemClock, type Clock } from '../clock/clock.js';

export const LogModes = ['pretty', 'verbose', 'json', 'quiet'] as const;
export type LogMode = (typeof LogModes)[number];

export function logModeFrom(settings: Record<string, string | undefined>): LogMode {
  const mode = settings.DEVHOST_LOG?.trim().toLowerCase();
  if (mode) {
    if (!(LogModes as readonly string[]).includes(mode)) throw new Error(`DEVHOST_LOG must be one of ${LogModes.join(', ')}, got "${settings.DEVHOST_LOG}"`);
    return mode as LogMode;
  }
  return settings.DEVHOST_QUIET === '1' ? 'quiet' : 'pretty';
}

/** A lifecycle step as the broadcast orchestration logs it (see `setPhase` in orchestrators/broadcastLifecycle.ts). */
export interface LifecycleStep {
  broadcastId: string;
  from: string;
  to: string;
  note?: string;
  plannedStart: string;
  plannedEnd: string;
}

const lifecyclePattern = /^broadcast (\S+): (\w+) -> (\w+)(?: \((.*)\))?; planned (\S+) to (\S+)$/;

export function parseLifecycleStep(message: string): LifecycleStep | undefined {
  const m = lifecyclePattern.exec(message.trim());
  if (!m) return undefined;
  const [, broadcastId, from, to, note, plannedStart, plannedEnd] = m as unknown as [string, string, string, string, string | undefined, string, string];
  return { broadcastId, from, to, ...(note ? { note } : {}), plannedStart, plannedEnd };
}

export interface FunctionExecution {
  functionName: string;
  /** The trigger type without "Trigger": http, timer, activity, orchestration, entity, … */
  trigger: string;
  durationMs: number;
  error?: string;
  method?: string;
  /** Path only: the query may carry a function key. */
  path?: string;
  status?: number;
}

export interface LogOutput {
  out(line: string): void;
  err(line: string): void;
}

export interface HostLogOptions {
  /** A function is read at every line, so settings published later (as the host does) still apply. */
  mode: LogMode | (() => LogMode);
  /** Line times are on this clock: the one broadcasts are scheduled on. */
  clock?: Clock;
  color?: boolean;
  output?: LogOutput;
}

const ansi = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const;
type Colour = keyof typeof ansi;
const pad2 = (n: number) => String(n).padStart(2, '0');

export class HostLog {
  readonly #mode: () => LogMode;
  readonly #clock: Clock;
  readonly #color: boolean;
  readonly #output: LogOutput;

  constructor(options: HostLogOptions) {
    const mode = options.mode;
    this.#mode = typeof mode === 'function' ? mode : () => mode;
    this.#clock = options.clock ?? systemClock;
    this.#color = options.color ?? false;
    this.#output = options.output ?? { out: (line) => process.stdout.write(line + '\n'), err: (line) => process.stderr.write(line + '\n') };
  }

  get mode(): LogMode {
    return this.#mode();
  }

  /** A line the app or the worker logged (`context.log`, `ctx.info`, the library's own logs). */
  write(level: string, category: string, message: string): void {
    const severity = level === 'error' || level === 'critical' ? 'error' : level === 'warning' ? 'warning' : 'info';
    // As before: the worker's own informational logs are not for people.
    if (severity === 'info' && category !== 'user') return;
    const mode = this.mode;
    if (severity === 'info' && mode === 'quiet') return;
    const step = severity === 'info' ? parseLifecycleStep(message) : undefined;
    if (mode === 'json') {
      this.#json(severity, step ? { kind: 'lifecycle', ...step } : { kind: 'log', category, message });
      return;
    }
    if (step) {
      this.#line(step.to === 'failed' ? 'warning' : 'info', this.#lifecycleText(step));
      return;
    }
    const label = severity === 'info' ? '' : this.#paint(severity === 'error' ? 'red' : 'yellow', severity === 'error' ? 'error ' : 'warn  ');
    this.#line(severity, label + this.#indent(message));
  }

  /** One function execution; only those worth seeing are printed unless the mode is verbose. */
  execution(e: FunctionExecution): void {
    const mode = this.mode;
    const failed = e.error !== undefined || (e.status ?? 0) >= 500;
    // Changes made through the API and anything that failed; reads and routine timer runs only when verbose.
    const worthSeeing = (e.trigger === 'http' && !(e.method === 'GET' && (e.status ?? 200) < 400)) || failed;
    if (mode === 'quiet' || (!worthSeeing && mode !== 'verbose')) return;
    const severity = failed ? 'warning' : 'info';
    if (mode === 'json') {
      this.#json(severity, { kind: 'function', ...e });
      return;
    }
    const took = this.#paint('dim', `(${Math.round(e.durationMs)} ms)`);
    const error = e.error ? ` ${this.#paint('yellow', 'failed: ' + e.error.split('\n')[0])}` : '';
    let text: string;
    if (e.trigger === 'http') {
      const status = e.status === undefined ? '' : String(e.status);
      const paintedStatus = (e.status ?? 0) >= 500 ? this.#paint('red', status) : (e.status ?? 0) >= 400 ? this.#paint('yellow', status) : this.#paint('green', status);
      text = `${e.method ?? ''} ${e.path ?? ''} -> ${paintedStatus} ${this.#paint('dim', e.functionName)} ${took}${error}`;
    } else {
      text = `${e.trigger.padEnd(8)} ${e.functionName} ${error ? '' : 'ran '}${took}${error}`;
    }
    this.#line(severity, text);
  }

  /** A line from the host itself (addresses at start-up): no time stamp in pretty form. */
  info(message: string, fields: Record<string, unknown> = {}): void {
    if (this.mode === 'json') this.#json('info', { kind: 'host', message, ...fields });
    else this.#output.out(message);
  }

  #lifecycleText(step: LifecycleStep): string {
    const to = step.to === 'live' ? this.#paint('green', step.to) : step.to === 'failed' ? this.#paint('red', step.to) : step.to === 'cancelled' ? this.#paint('yellow', step.to) : this.#paint('bold', step.to);
    const transition = step.from === step.to ? to : `${step.from} -> ${to}`;
    const start = this.#time(Date.parse(step.plannedStart));
    const end = this.#time(Date.parse(step.plannedEnd));
    const planned =
      step.to === 'scheduled' ? `planned start ${start}, end ${end}`
        : ['allocating', 'standby', 'starting'].includes(step.to) ? `planned start ${start}`
          : ['live', 'stopping'].includes(step.to) ? `planned end ${end}`
            : '';
    const details = [step.note, planned].filter(Boolean).join('; ');
    return `broadcast ${step.broadcastId.padEnd(12)} ${transition}${details ? ` (${details})` : ''}`;
  }

  /** HH:MM:SS in local time; with the date when it is not today on the clock. */
  #time(ms: number): string {
    if (Number.isNaN(ms)) return '?';
    const d = new Date(ms);
    const time = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
    return d.toDateString() === new Date(this.#clock.now()).toDateString() ? time : `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${time}`;
  }

  #line(severity: 'info' | 'warning' | 'error', text: string): void {
    const now = this.#clock.now();
    const d = new Date(now);
    const stamp = this.#paint('dim', `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`);
    (severity === 'info' ? this.#output.out : this.#output.err)(`${stamp} ${text}`);
  }

  #json(level: string, fields: Record<string, unknown>): void {
    this.#output.out(JSON.stringify({ time: new Date(this.#clock.now()).toISOString(), level, ...fields }));
  }

  #indent(message: string): string {
    return message.replace(/\n/g, '\n         ');
  }

  #paint(colour: Colour, text: string): string {
    return this.#color && text ? `\u001b[${ansi[colour]}m${text}\u001b[0m` : text;
  }
}

let current: HostLog | undefined;

/** The process's log; until the host sets one, it follows the settings in process.env on the system clock. */
export function hostLog(): HostLog {
  current ??= new HostLog({ mode: () => logModeFrom(process.env), color: wantsColour() });
  return current;
}

export function setHostLog(log: HostLog): void {
  current = log;
}

export function wantsColour(stream: { isTTY?: boolean } = process.stdout): boolean {
  return Boolean(stream.isTTY) && process.env.NO_COLOR === undefined;
}

// ---- function executions, observed through the worker's invocation hooks ------------------------------

interface HookContext {
  hookData: Record<string | symbol, unknown>;
  invocationContext?: { functionName?: string; options?: { trigger?: { type?: string } } };
  inputs?: unknown[];
  result?: unknown;
  error?: unknown;
}
interface CoreApi {
  registerHook(name: 'preInvocation' | 'postInvocation', callback: (context: HookContext) => void): { dispose(): void };
}

const startedAt = Symbol('devhost.log.startedAt');

/** What one finished invocation looked like, from the hook contexts the worker passes. */
export function describeExecution(context: HookContext, durationMs: number): FunctionExecution {
  const trigger = (context.invocationContext?.options?.trigger?.type ?? 'unknown').replace(/Trigger$/i, '');
  const execution: FunctionExecution = { functionName: context.invocationContext?.functionName ?? '?', trigger, durationMs: Math.round(durationMs * 10) / 10 };
  if (context.error !== undefined && context.error !== null) {
    execution.error = context.error instanceof Error ? context.error.message : String(context.error);
  }
  if (trigger === 'http') {
    const request = context.inputs?.[0] as { method?: string; url?: string } | undefined;
    execution.method = request?.method;
    if (request?.url) execution.path = new URL(request.url).pathname;
    const result = context.result as { status?: number } | undefined;
    execution.status = execution.error !== undefined ? 500 : (result?.status ?? (result === undefined ? 204 : 200));
  }
  return execution;
}

/**
 * Prints function executions through `log`, observing them with pre/post invocation hooks on the
 * worker's `@azure/functions-core` (which the host provides), so the host's invocation path stays as it is.
 */
export function logFunctionExecutions(log: HostLog): { dispose(): void } {
  const core = createRequire(import.meta.url)('@azure/functions-core') as CoreApi;
  const pre = core.registerHook('preInvocation', (context) => {
    context.hookData[startedAt] = performance.now();
  });
  const post = core.registerHook('postInvocation', (context) => {
    try {
      const started = context.hookData[startedAt];
      log.execution(describeExecution(context, typeof started === 'number' ? performance.now() - started : 0));
    } catch {
      // Logging never changes an invocation's outcome.
    }
  });
  return { dispose: () => (pre.dispose(), post.dispose()) };
}

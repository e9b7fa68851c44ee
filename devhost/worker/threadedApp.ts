/**
 * The app in a thread of its own, as Azure runs it in a language worker process beside the Functions host: the
 * host (HTTP, timers, the durable engine, SQLite) and the app (its functions, the libraries, DurableClient's
 * HTTP calls back to the host) no longer share one event loop, and nothing but invocation data crosses between
 * them (RPC typed data, as over the worker's gRPC channel). The host side of that channel is here; the worker
 * side is appThread.ts.
 */
import { Worker } from 'node:worker_threads';
import { systemClock, type Clock, type LinearClockReading } from '../../clock/clock.js';
import { hostInputBindings, type HostedApp, type InputBindingProvider, type InvocationInput, type InvocationResult, type LoadOptions, type RegisteredFunction } from './functionApp.js';

/** What the app's thread starts from. */
export interface AppThreadData extends LoadOptions {
  /** The host's clock, which the thread follows: real time, or a linear reading of an accelerated clock. */
  clock: 'system' | LinearClockReading;
  color: boolean;
  /** Print every function execution through the thread's log (what `npm start` shows). */
  logExecutions: boolean;
}

export type ToAppThread = { id: number; kind: 'invoke'; name: string; input: InvocationInput } | { id: number; kind: 'terminate' };
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
export type FromAppThread =
  | { kind: 'ready'; functions: RegisteredFunction[] }
  | { kind: 'failedToLoad'; error: ThreadError }
  | { id: number; kind: 'done'; result?: InvocationResult }
  | { id: number; kind: 'failed'; error: ThreadError };

export interface ThreadError {
  name: string;
  message: string;
  stack?: string;
}

export interface ThreadedAppOptions extends LoadOptions {
  clock: Clock;
  /** App threads (Azure's FUNCTIONS_WORKER_PROCESS_COUNT; default 1). */
  count?: number;
  color?: boolean;
  logExecutions?: boolean;
}

/** The clock reading another thread can follow, or why this clock cannot be shared. */
function shareableClock(clock: Clock): AppThreadData['clock'] {
  if (clock === systemClock) return 'system';
  const linear = (clock as { linear?: LinearClockReading }).linear;
  if (linear) return linear;
  throw new Error('The app runs in its own thread only on the system clock or a scaled one (a manual or virtual clock lives in the host\'s thread); use the inline worker.');
}

/** One app thread and its calls in flight. */
interface AppThread {
  functions: RegisteredFunction[];
  call(message: WithoutId<ToAppThread>): Promise<InvocationResult | undefined>;
  /** Calls sent and not yet answered: the next invocation goes to the thread with the fewest. */
  readonly inFlight: number;
  worker: Worker;
  exited?: Error;
}

async function startAppThread(data: AppThreadData): Promise<AppThread> {
  const worker = new Worker(new URL('./appThread.js', import.meta.url), { workerData: data });
  const pending = new Map<number, { resolve: (result?: InvocationResult) => void; reject: (error: Error) => void }>();
  let nextId = 0;

  const functions = await new Promise<RegisteredFunction[]>((resolveLoad, rejectLoad) => {
    const failed = (error: Error) => {
      stopListening();
      rejectLoad(error);
    };
    const exitedEarly = (code: number) => failed(new Error(`The app's thread exited with code ${code} while loading the app.`));
    const loaded = (message: FromAppThread) => {
      stopListening();
      if (message.kind === 'ready') resolveLoad(message.functions);
      else if (message.kind === 'failedToLoad') rejectLoad(fromThreadError(message.error));
    };
    // Only these listeners: the worker keeps internal ones of its own (removeAllListeners would take them too).
    const stopListening = () => worker.off('error', failed).off('exit', exitedEarly).off('message', loaded);
    worker.on('error', failed).on('exit', exitedEarly).on('message', loaded);
  });

  const thread: AppThread = {
    functions,
    worker,
    get inFlight() {
      return pending.size;
    },
    call: (message) =>
      new Promise((resolveCall, rejectCall) => {
        if (thread.exited) return rejectCall(thread.exited);
        const id = nextId++;
        pending.set(id, { resolve: resolveCall, reject: rejectCall });
        worker.postMessage({ ...message, id });
      }),
  };
  worker.on('message', (message: FromAppThread) => {
    if (!('id' in message)) return;
    const call = pending.get(message.id);
    pending.delete(message.id);
    if (message.kind === 'done') call?.resolve(message.result);
    else call?.reject(fromThreadError(message.error));
  });
  worker.on('error', (error) => console.error("devhost: the app's thread failed", error));
  worker.on('exit', (code) => {
    // Azure restarts a worker that died; here the host reports every call to it as failed from then on.
    thread.exited = new Error(`The app's thread exited with code ${code}.`);
    for (const call of pending.values()) call.reject(thread.exited);
    pending.clear();
  });
  return thread;
}

/**
 * Starts `count` app threads (FUNCTIONS_WORKER_PROCESS_COUNT in Azure, default 1) and resolves once each has loaded
 * the app and run its appStart hooks. Invocations go to the thread with the fewest calls in flight.
 */
export async function startThreadedApp(options: ThreadedAppOptions): Promise<HostedApp> {
  const data: AppThreadData = {
    appRoot: options.appRoot,
    entry: options.entry,
    settings: options.settings,
    clock: shareableClock(options.clock),
    color: options.color ?? false,
    logExecutions: options.logExecutions ?? false,
  };
  const threads = await Promise.all(Array.from({ length: options.count ?? 1 }, () => startAppThread(data)));
  const functions = threads[0]!.functions;
  const byLowerName = new Map<string, RegisteredFunction>();
  for (const fn of functions) if (!byLowerName.has(fn.name.toLowerCase())) byLowerName.set(fn.name.toLowerCase(), fn);
  const providers = new Map<string, InputBindingProvider>();
  const leastBusy = () => threads.filter((t) => !t.exited).reduce<AppThread | undefined>((best, t) => (!best || t.inFlight < best.inFlight ? t : best), undefined) ?? threads[0]!;

  return {
    functions,
    find: (name) => byLowerName.get(name.toLowerCase()),
    setInputBindingProvider(type, provide) {
      providers.set(type.toLowerCase(), provide);
    },
    async runHooks(name) {
      // appStart ran in each thread when it loaded the app; appTerminate is the last call before the threads end.
      if (name !== 'appTerminate') return;
      await Promise.all(
        threads.filter((t) => !t.exited).map(async (t) => {
          await t.call({ kind: 'terminate' });
          await t.worker.terminate();
        }),
      );
    },
    async invoke(name, input) {
      const fn = byLowerName.get(name.toLowerCase());
      if (!fn) throw new Error(`No function named "${name}" is registered.`);
      // The host owns these bindings (e.g. durableClient): their data travels with the request, as over RPC.
      const inputs: Record<string, ReturnType<InputBindingProvider>> = {};
      for (const [bindingName, binding] of hostInputBindings(fn)) {
        const provide = providers.get(binding.type.toLowerCase());
        if (provide) inputs[bindingName] = provide(binding, fn.name);
      }
      const result = await leastBusy().call({ kind: 'invoke', name: fn.name, input: { ...input, inputs } });
      return result ?? { returnData: undefined, outputs: {} };
    },
    threadUtilization: () => threads.map((t) => t.worker.performance.eventLoopUtilization()),
  };
}

export function toThreadError(error: unknown): ThreadError {
  const err = error instanceof Error ? error : new Error(String(error));
  return { name: err.name, message: err.message, stack: err.stack };
}

function fromThreadError(error: ThreadError): Error {
  return Object.assign(new Error(error.message), { name: error.name, stack: error.stack });
}

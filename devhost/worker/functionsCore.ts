/**
 * Provides the `@azure/functions-core` module the way the real Node worker does: `@azure/functions`
 * requires it to register functions, set its programming model and register hooks. Without it the
 * library runs in "test mode" and silently skips every registration.
 *
 * The registry is process-wide (on globalThis) because the library caches the core module once.
 */
import Module from 'node:module';
import { hostLog } from '../log.js';

/** Binding as the library describes it (RpcBindingInfo plus the user's options). */
export interface BindingInfo {
  type: string;
  direction: 'in' | 'out' | 'inout';
  [option: string]: unknown;
}

export interface FunctionMetadata {
  name: string;
  bindings: Record<string, BindingInfo>;
  retryOptions?: unknown;
}

export type FunctionCallback = (...args: unknown[]) => unknown;

/** The slice of the library's ProgrammingModel / InvocationModel the host drives. */
export interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreCtx: CoreInvocationContext): InvocationModel;
}
export interface InvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], handler: FunctionCallback): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<RpcInvocationResponse>;
}
export interface RpcInvocationResponse {
  invocationId: string;
  outputData?: Array<{ name: string; data: RpcTypedData | null | undefined }>;
  returnValue?: RpcTypedData | null;
}
export interface CoreInvocationContext {
  invocationId: string;
  request: RpcInvocationRequest;
  metadata: FunctionMetadata;
  state?: 'preInvocationHooks' | 'postInvocationHooks' | 'invocation';
  log(level: string, category: string, message: string): void;
}
export interface RpcInvocationRequest {
  invocationId: string;
  functionId: string;
  inputData: Array<{ name: string; data: RpcTypedData }>;
  triggerMetadata: Record<string, RpcTypedData>;
}
/** The RPC value union the host sends (only the members this host produces or reads). */
export interface RpcTypedData {
  string?: string;
  json?: string;
  bytes?: Uint8Array;
  int?: number;
  double?: number;
  http?: RpcHttpData;
}
export interface RpcHttpData {
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  params?: Record<string, string>;
  body?: RpcTypedData | null;
  statusCode?: string;
  cookies?: Array<Record<string, unknown>>;
}

export type HookName = 'appStart' | 'appTerminate' | 'preInvocation' | 'postInvocation';
export type HookCallback = (context: Record<string, unknown>) => unknown;

export interface CoreRegistry {
  functions: Map<string, { metadata: FunctionMetadata; callback: FunctionCallback }>;
  hooks: Map<HookName, Set<HookCallback>>;
  programmingModel?: ProgrammingModel;
}

const registryKey = Symbol.for('broadcast-scheduler.devhost.functions-core');

/** The process-wide registry of what the app registered. */
export function coreRegistry(): CoreRegistry {
  const holder = globalThis as unknown as Record<symbol, CoreRegistry | undefined>;
  holder[registryKey] ??= { functions: new Map(), hooks: new Map() };
  return holder[registryKey];
}

class Disposable {
  #dispose: (() => void) | undefined;
  constructor(dispose: () => void) {
    this.#dispose = dispose;
  }
  static from(...items: Array<{ dispose(): void }>): Disposable {
    return new Disposable(() => items.forEach((item) => item.dispose()));
  }
  dispose(): void {
    this.#dispose?.();
    this.#dispose = undefined;
  }
}

function createCoreApi(registry: CoreRegistry) {
  return {
    version: '3.10.1',
    hostVersion: '4.1040.0',
    Disposable,
    registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): Disposable {
      if (registry.functions.has(metadata.name)) {
        throw new Error(`A function named "${metadata.name}" is already registered.`);
      }
      registry.functions.set(metadata.name, { metadata, callback });
      return new Disposable(() => registry.functions.delete(metadata.name));
    },
    setProgrammingModel(model: ProgrammingModel): void {
      registry.programmingModel = model;
    },
    getProgrammingModel(): ProgrammingModel | undefined {
      return registry.programmingModel;
    },
    registerHook(name: HookName, callback: HookCallback): Disposable {
      const set = registry.hooks.get(name) ?? new Set<HookCallback>();
      registry.hooks.set(name, set);
      set.add(callback);
      return new Disposable(() => set.delete(callback));
    },
    log(level: string, category: string, message: string): void {
      writeLog(level, category, message);
    },
  };
}

export function writeLog(level: string, category: string, message: string): void {
  hostLog().write(level, category, message);
}

const moduleId = '@azure/functions-core';
let installed = false;

/**
 * Makes `require('@azure/functions-core')` resolve to this host's implementation. Must run before the
 * app (and so `@azure/functions`) is first loaded.
 */
export function installFunctionsCore(): CoreRegistry {
  const registry = coreRegistry();
  if (installed) return registry;
  installed = true;
  const internals = Module as unknown as {
    _resolveFilename(request: string, ...rest: unknown[]): string;
    _cache: Record<string, unknown>;
  };
  const core = new Module(moduleId);
  core.exports = createCoreApi(registry);
  core.loaded = true;
  internals._cache[moduleId] = core;
  const resolve = internals._resolveFilename.bind(Module);
  internals._resolveFilename = (request: string, ...rest: unknown[]) =>
    request === moduleId ? moduleId : resolve(request, ...rest);
  return registry;
}

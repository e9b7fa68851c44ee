/**
 * Loads the app as the worker does and invokes its functions through the library's own invocation
 * model, with the RPC-shaped data the Functions host sends.
 */
import { randomUUID } from 'node:crypto';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  installFunctionsCore,
  writeLog,
  type BindingInfo,
  type CoreRegistry,
  type FunctionMetadata,
  type RpcTypedData,
} from './functionsCore.js';

export interface LoadOptions {
  /** Folder with package.json and host.json. */
  appRoot: string;
  /** Module to load instead of package.json#main (e.g. TypeScript source under vitest). */
  entry?: string;
  /** App settings, copied into process.env before the app loads, as Functions does. */
  settings?: Record<string, string>;
}

export interface InvocationInput {
  trigger: RpcTypedData;
  triggerMetadata?: Record<string, RpcTypedData>;
  /** Data of the other input bindings, by binding name, when the host supplies it with the request (as over RPC). */
  inputs?: Record<string, RpcTypedData>;
}

export interface InvocationResult {
  returnData: RpcTypedData | null | undefined;
  outputs: Record<string, RpcTypedData>;
}

/** Supplies the data of an input binding the host owns (e.g. `durableClient`) for each invocation. */
export type InputBindingProvider = (binding: BindingInfo, functionName: string) => RpcTypedData;

export interface RegisteredFunction {
  name: string;
  metadata: FunctionMetadata;
  triggerName: string;
  trigger: BindingInfo;
}

/** What the host needs of a loaded app: its functions, and invoking them. In this thread or in the app's own (appThread.ts). */
export interface HostedApp {
  readonly functions: RegisteredFunction[];
  /** The function with this name (case-insensitive, as Functions treats names). */
  find(name: string): RegisteredFunction | undefined;
  setInputBindingProvider(type: string, provide: InputBindingProvider): void;
  runHooks(name: 'appStart' | 'appTerminate', context: Record<string, unknown>): Promise<void>;
  invoke(name: string, input: InvocationInput): Promise<InvocationResult>;
  /** How busy each of the app's own threads has been (only when it has them): for benchmarks. */
  threadUtilization?(): EventLoopUtilization[];
}

export class FunctionApp implements HostedApp {
  readonly #registry: CoreRegistry;
  readonly #inputProviders = new Map<string, InputBindingProvider>();
  readonly #appHookData: Record<string, unknown> = {};
  readonly #resolved = new Map<string, RegisteredFunction>();
  #lowerNames: Map<string, string> | undefined;
  #lowerNamesOf = -1;

  constructor(registry: CoreRegistry) {
    this.#registry = registry;
  }

  get functions(): RegisteredFunction[] {
    return [...this.#registry.functions.keys()].map((name) => this.get(name));
  }

  /** The function with this name (case-insensitive, as Functions treats names). */
  find(name: string): RegisteredFunction | undefined {
    const key = this.#byLowerName().get(name.toLowerCase());
    return key === undefined ? undefined : this.get(key);
  }

  get(name: string): RegisteredFunction {
    const entry = this.#registry.functions.get(name);
    if (!entry) throw new Error(`No function named "${name}" is registered.`);
    const cached = this.#resolved.get(name);
    if (cached?.metadata === entry.metadata) return cached;
    const trigger = Object.entries(entry.metadata.bindings).find(([, b]) => /trigger$/i.test(b.type));
    if (!trigger) throw new Error(`Function "${name}" has no trigger binding.`);
    const resolved = { name, metadata: entry.metadata, triggerName: trigger[0], trigger: trigger[1] };
    this.#resolved.set(name, resolved);
    return resolved;
  }

  /** Lower-cased name → registered name; rebuilt when the registry changes size (every call looks names up). */
  #byLowerName(): Map<string, string> {
    if (!this.#lowerNames || this.#lowerNamesOf !== this.#registry.functions.size) {
      this.#lowerNames = new Map();
      // The first registration wins on a case-insensitive clash, as the scan this replaces did.
      for (const k of this.#registry.functions.keys()) if (!this.#lowerNames.has(k.toLowerCase())) this.#lowerNames.set(k.toLowerCase(), k);
      this.#lowerNamesOf = this.#registry.functions.size;
    }
    return this.#lowerNames;
  }

  setInputBindingProvider(type: string, provide: InputBindingProvider): void {
    this.#inputProviders.set(type.toLowerCase(), provide);
  }

  async runHooks(name: 'appStart' | 'appTerminate', context: Record<string, unknown>): Promise<void> {
    for (const hook of this.#registry.hooks.get(name) ?? []) {
      await hook({ hookData: {}, appHookData: this.#appHookData, ...context });
    }
  }

  async invoke(name: string, input: InvocationInput): Promise<InvocationResult> {
    const fn = this.get(name);
    const entry = this.#registry.functions.get(fn.name);
    const model = this.#registry.programmingModel;
    if (!entry || !model) throw new Error('The app did not set a programming model; is it using @azure/functions v4?');

    const inputData = [{ name: fn.triggerName, data: input.trigger }];
    for (const [bindingName, binding] of hostInputBindings(fn)) {
      const supplied = input.inputs?.[bindingName];
      if (supplied) {
        inputData.push({ name: bindingName, data: supplied });
        continue;
      }
      const provide = this.#inputProviders.get(binding.type.toLowerCase());
      if (!provide) throw new Error(`Function "${fn.name}": the local host has no input binding of type "${binding.type}".`);
      inputData.push({ name: bindingName, data: provide(binding, fn.name) });
    }

    const invocationId = randomUUID();
    const coreCtx = {
      invocationId,
      request: { invocationId, functionId: fn.name, inputData, triggerMetadata: input.triggerMetadata ?? {} },
      metadata: fn.metadata,
      state: undefined as undefined | 'preInvocationHooks' | 'postInvocationHooks' | 'invocation',
      log: (level: string, category: string, message: string) => writeLog(level, category, message),
    };
    const invocation = model.getInvocationModel(coreCtx);
    const { context, inputs } = await invocation.getArguments();

    const hookData: Record<string, unknown> = {};
    const pre = { hookData, appHookData: this.#appHookData, invocationContext: context, inputs, functionCallback: entry.callback };
    coreCtx.state = 'preInvocationHooks';
    for (const hook of this.#registry.hooks.get('preInvocation') ?? []) await hook(pre);
    coreCtx.state = 'invocation';

    let result: unknown;
    let error: unknown;
    try {
      result = await invocation.invokeFunction(context, pre.inputs, pre.functionCallback);
    } catch (thrown) {
      error = thrown;
    }
    const post = { hookData, appHookData: this.#appHookData, invocationContext: context, inputs: pre.inputs, result, error };
    coreCtx.state = 'postInvocationHooks';
    for (const hook of this.#registry.hooks.get('postInvocation') ?? []) await hook(post);
    if (post.error !== undefined && post.error !== null) throw post.error;

    const response = await invocation.getResponse(context, post.result);
    const outputs: Record<string, RpcTypedData> = {};
    for (const output of response.outputData ?? []) if (output.data) outputs[output.name] = output.data;
    return { returnData: response.returnValue, outputs };
  }
}

/** The input bindings other than the trigger, whose data the host supplies with each invocation (e.g. durableClient). */
export function hostInputBindings(fn: RegisteredFunction): Array<[string, BindingInfo]> {
  return Object.entries(fn.metadata.bindings).filter(([bindingName, binding]) => binding.direction === 'in' && bindingName !== fn.triggerName);
}

/** Decodes RPC typed data into a plain value (JSON parsed when it is JSON). */
export function decodeTypedData(data: RpcTypedData | null | undefined): unknown {
  if (!data) return undefined;
  if (data.json !== undefined) return JSON.parse(data.json);
  if (data.string !== undefined) {
    try {
      return JSON.parse(data.string);
    } catch {
      return data.string;
    }
  }
  if (data.bytes !== undefined) return Buffer.from(data.bytes);
  if (data.int !== undefined) return data.int;
  if (data.double !== undefined) return data.double;
  return data.http;
}

/** Loads the app's entry module after publishing its settings, and returns what it registered. */
export async function loadFunctionApp(options: LoadOptions): Promise<FunctionApp> {
  const registry = installFunctionsCore();
  for (const [key, value] of Object.entries(options.settings ?? {})) process.env[key] = value;
  const appRoot = resolve(options.appRoot);
  const entry = options.entry ?? mainOf(appRoot);
  await import(pathToFileURL(resolve(appRoot, entry)).href);
  const app = new FunctionApp(registry);
  await app.runHooks('appStart', { functionAppDirectory: appRoot });
  return app;
}

function mainOf(appRoot: string): string {
  const manifest = JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')) as { main?: string };
  if (!manifest.main) throw new Error(`${appRoot}/package.json has no "main": the worker needs it to find the app.`);
  return manifest.main;
}

/**
 * The app with its embedded defaults on one machine: the AMS emulator over HTTPS and the local host
 * running the app against it, both on one clock. Used by `npm start`, the end-to-end tests and benchmarks.
 */
import { join } from 'node:path';
import type { Clock } from '../clock/clock.js';
import { startEmulator, type AmsEmulator, type EmulatorOptions, type EventSchema } from '../ams-emulator/index.js';
import { startHost, type HostOptions, type LocalHost } from './host.js';

export interface LocalStackOptions {
  appRoot: string;
  entry?: string;
  clock: Clock;
  /** Emulator state and certificate, and the host's SQLite file, live here. */
  dataDir: string;
  timings?: EmulatorOptions['timings'];
  /** More media accounts the emulator serves (same subscription and resource group). */
  extraAccounts?: string[];
  settings?: Record<string, string>;
  hostPort?: number;
  emulatorPort?: number;
  seed?: number;
  /** Live events the emulated account allows (AMS default 5; raised by a support ticket in production). */
  maxLiveEvents?: number;
  /** How the emulator refuses invalid transitions and busy live events; items per list page. */
  errorShapes?: EmulatorOptions['errorShapes'];
  pageSize?: number;
  /**
   * Schema of the emulated account's Event Grid subscription to the app's Event Grid trigger (the host's webhook URL
   * with its `eventgrid_extension` key); default `EventGridSchema` ('arm' dialect) or `none` (others); `none` = no subscription.
   */
  eventSchema?: EventSchema | 'none';
  /** Whose API the emulator speaks ('arm' default, 'ravnur', 'mkio'); the app is pointed at that provider. */
  dialect?: EmulatorOptions['dialect'];
  dialectOptions?: EmulatorOptions['dialectOptions'];
  /** The emulator's real media plane (RTMP ingest, recordings, playback; needs ffmpeg). */
  mediaPlane?: EmulatorOptions['mediaPlane'];
  /** Where the app runs (see HostOptions.worker). */
  worker?: HostOptions['worker'];
  logExecutions?: boolean;
}

export interface LocalStack {
  host: LocalHost;
  emulator: AmsEmulator;
  close(): Promise<void>;
}

/**
 * Defaults for settings host.json refers to (`%DURABLE_TASK_HUB_NAME%`), as local.settings.example.json
 * documents them; explicit settings win.
 */
export const defaultAppSettings: Record<string, string> = { DURABLE_TASK_HUB_NAME: 'BroadcastScheduler' };

/**
 * App settings that point the app at the emulator: its ARM endpoint, certificate and token endpoint, and for a
 * successor's dialect the provider settings (app/config.ts) with the emulator's URL, API key or token.
 */
export function emulatorSettings(emulator: AmsEmulator): Record<string, string> {
  if (!emulator.caCertFile) throw new Error('the emulator did not write its certificate file');
  const { dialect } = emulator;
  const provider: Record<string, string> =
    dialect.name === 'ravnur'
      ? { AMS_PROVIDER: 'ravnur', AMS_PROVIDER_ENDPOINT: emulator.url, RAVNUR_API_KEY: dialect.apiKey ?? '' }
      : dialect.name === 'mkio'
        ? {
            AMS_PROVIDER: 'mkio', AMS_PROVIDER_ENDPOINT: emulator.url, MKIO_TOKEN: dialect.token ?? '', MKIO_PROJECT: dialect.project ?? '',
            MKIO_STORAGE_ACCOUNT: dialect.storageAccountName ?? '', AMS_LOCATION: dialect.location ?? '',
          }
        : {};
  return {
    ...provider,
    AMS_ARM_ENDPOINT: emulator.url,
    AMS_CA_CERT_FILE: emulator.caCertFile,
    AZURE_AUTHORITY_HOST: emulator.url,
    AZURE_TENANT_ID: 'local-tenant',
    AZURE_CLIENT_ID: 'broadcast-scheduler-local',
    AZURE_CLIENT_SECRET: 'local-secret',
  };
}

/**
 * MK.IO's further projects as app accounts (AMS_ACCOUNTS entries): a project is named in the path, so unlike ARM
 * accounts of one subscription the app must be told each one. Same token, location and registered storage account.
 */
export function extraProjectSettings(emulator: AmsEmulator, extraAccounts: readonly string[] | undefined): Record<string, string> {
  const { dialect } = emulator;
  if (dialect.name !== 'mkio' || !extraAccounts?.length) return {};
  const entries = extraAccounts.map((name) => ({
    accountName: name, provider: 'mkio', endpoint: emulator.url, project: name, tokenSetting: 'MKIO_TOKEN',
    ...(dialect.location ? { location: dialect.location } : {}), ...(dialect.storageAccountName ? { storageAccountName: dialect.storageAccountName } : {}),
  }));
  return { AMS_ACCOUNTS: JSON.stringify(entries) };
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const emulator = await startEmulator({
    port: options.emulatorPort ?? 0,
    clock: options.clock,
    dataDir: join(options.dataDir, 'ams-emulator'),
    timings: options.timings,
    seed: options.seed,
    maxLiveEvents: options.maxLiveEvents,
    extraAccounts: options.extraAccounts,
    errorShapes: options.errorShapes,
    pageSize: options.pageSize,
    dialect: options.dialect,
    dialectOptions: options.dialectOptions,
    mediaPlane: options.mediaPlane,
  });
  const host = await startHost({
    appRoot: options.appRoot,
    entry: options.entry,
    clock: options.clock,
    dbFile: join(options.dataDir, 'devhost.db'),
    port: options.hostPort ?? 0,
    worker: options.worker,
    logExecutions: options.logExecutions,
    settings: { ...defaultAppSettings, ...emulatorSettings(emulator), ...extraProjectSettings(emulator, options.extraAccounts), ...options.settings },
  });
  // As an Event Grid subscription on the account's system topic would: validated by handshake before any delivery.
  // Ravnur and MK.IO have no Azure Event Grid system topic: by default nothing is subscribed there.
  const eventSchema = options.eventSchema ?? (emulator.dialect.name === 'arm' ? 'EventGridSchema' : 'none');
  const eventTrigger = host.app.functions.find((fn) => fn.trigger.type.toLowerCase() === 'eventgridtrigger');
  if (eventTrigger && eventSchema !== 'none') {
    const subscribed = await emulator.eventGrid.subscribe({ url: host.eventGridWebhookUrl(eventTrigger.name), schema: eventSchema });
    if (subscribed.status !== 200) {
      await host.close();
      await emulator.close();
      throw new Error(`the emulator could not subscribe ${eventTrigger.name} to its events: ${JSON.stringify(subscribed.body)}`);
    }
  }
  return {
    host,
    emulator,
    async close() {
      await host.close();
      await emulator.close();
    },
  };
}

/** App settings parsed once, with errors that name the bad key. */
import { Duration } from 'luxon';
import { z } from 'zod';
import type { BroadcastPolicy } from '../contracts/broadcast.js';
import type { MediaAccountRef } from '../contracts/media.js';
import type { LiveEventRates } from '../contracts/broadcast.js';
import { defaultRates } from '../domain/cost.js';
import { DEFAULT_LIVE_EVENT_QUOTA, DEFAULT_LIVE_OUTPUTS_PER_EVENT, type AccountCapacity } from '../domain/capacity.js';
import type { ApiSettings, Credentials, MediaAccountSettings, MediaClientSettings, MediaProviderSettings, RetentionSettings } from '../contracts/settings.js';
import { MediaProviders, type MediaCapabilities } from '../contracts/media.js';
import { capabilitiesOf, planningCapabilities } from '../adapters/media/capabilities.js';

export type { Credentials } from '../contracts/settings.js';

const isoDuration = z.string().refine((text) => Duration.fromISO(text).isValid, 'must be an ISO 8601 duration such as PT5M');

const schema = z.object({
  AMS_SUBSCRIPTION_ID: z.string().min(1).default('00000000-0000-0000-0000-000000000000'),
  AMS_RESOURCE_GROUP: z.string().min(1).default('broadcast-rg'),
  AMS_ACCOUNT_NAME: z.string().min(1).default('broadcastams'),
  AMS_ARM_ENDPOINT: z.url().default('https://management.azure.com'),
  AMS_CA_CERT_FILE: z.string().optional(),
  AZURE_TENANT_ID: z.string().optional(),
  AZURE_CLIENT_ID: z.string().optional(),
  AZURE_CLIENT_SECRET: z.string().optional(),
  AZURE_AUTHORITY_HOST: z.url().optional(),
  /** The default account's media provider (AMS or an AMS-compatible successor); see README "Providers". */
  AMS_PROVIDER: z.enum(MediaProviders).default('ams'),
  /** Ravnur: the RMS API endpoint; MK.IO: the API origin (default https://api.mk.io). */
  AMS_PROVIDER_ENDPOINT: z.url().optional(),
  /** Overrides whether the default account's provider has StandBy (allocate), for providers where that is unverified. */
  AMS_PROVIDER_STANDBY: z.enum(['true', 'false']).optional(),
  /** Where live events are created (MK.IO: required, the project's location; others: read from the account when unset). */
  AMS_LOCATION: z.string().min(1).optional(),
  RAVNUR_API_KEY: z.string().min(1).optional(),
  MKIO_TOKEN: z.string().min(1).optional(),
  MKIO_PROJECT: z.string().min(1).optional(),
  MKIO_PATH_STYLE: z.enum(['ams', 'v1']).default('ams'),
  MKIO_STORAGE_ACCOUNT: z.string().min(1).optional(),
  MKIO_LEGACY_HEADER: z.enum(['true', 'false']).default('false'),
  BROADCAST_GRACE: isoDuration.default('PT5M'),
  /** How often the orchestration re-reads a live event while it changes state. */
  BROADCAST_POLL_INTERVAL: isoDuration.default('PT2S'),
  /** Safety margin added to the measured start-up durations. */
  BROADCAST_PREROLL_MARGIN: isoDuration.default('PT2S'),
  /** Lead times of `broadcast.starting_soon` / `broadcast.ending_soon` (PT0S = not sent, the default). */
  BROADCAST_STARTING_SOON_LEAD: isoDuration.default('PT0S'),
  BROADCAST_ENDING_SOON_LEAD: isoDuration.default('PT0S'),
  /** Further accounts requests may name, JSON: [{"accountName":"x","resourceGroup":"rg"}] (same subscription). */
  AMS_ACCOUNTS: z.string().optional(),
  /** Live events the default account may hold at once (AMS default 5); AMS_ACCOUNTS entries carry their own. */
  AMS_LIVE_EVENT_QUOTA: z.coerce.number().int().min(1).max(1000).default(DEFAULT_LIVE_EVENT_QUOTA),
  AMS_LIVE_OUTPUTS_PER_EVENT: z.coerce.number().int().min(1).max(100).default(DEFAULT_LIVE_OUTPUTS_PER_EVENT),
  /** Longest a broadcast may last (runaway cap); a broadcast may ask for less with maxDuration. */
  /** JSON over the default live event rates (domain/cost.ts): {"running":{"PassthroughStandard":1.5},"standby":0.1,"currency":"EUR"}. */
  BROADCAST_RATES: z.string().optional(),
  BROADCAST_MAX_DURATION: isoDuration.default('PT12H').refine((t) => Duration.fromISO(t).toMillis() >= 60_000 && Duration.fromISO(t).toMillis() <= 7 * 24 * 3_600_000, 'must be between PT1M and P7D'),
  API_AUTH: z.enum(['key', 'entra']).default('key'),
  /** Set by App Service when Easy Auth is on; `entra` is refused without it (anyone could forge the principal header). */
  WEBSITE_AUTH_ENABLED: z.string().optional(),
  API_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(4 * 1024 * 1024).default(64 * 1024),
  BROADCAST_RETENTION: isoDuration.default('P30D'),
  BROADCAST_PURGE_SCHEDULE: z.string().default('0 17 * * * *'),
  /** Value of the managedBy tag on the live events this deployment creates (the reaper's ownership mark). */
  BROADCAST_DEPLOYMENT_ID: z.string().regex(/^[A-Za-z0-9-_.]{1,128}$/).optional(),
  WEBSITE_SITE_NAME: z.string().optional(),
});

const accountsSchema = z.array(
  z
    .object({
      accountName: z.string().regex(/^[a-z0-9]{3,24}$/),
      resourceGroup: z.string().min(1).max(90).optional(),
      liveEventQuota: z.number().int().min(1).max(1000).default(DEFAULT_LIVE_EVENT_QUOTA),
      liveOutputsPerEvent: z.number().int().min(1).max(100).default(DEFAULT_LIVE_OUTPUTS_PER_EVENT),
      provider: z.enum(MediaProviders).default('ams'),
      /** ams: ARM endpoint (default AMS_ARM_ENDPOINT); ravnur: RMS endpoint; mkio: API origin. */
      endpoint: z.url().optional(),
      subscriptionId: z.string().min(1).optional(),
      location: z.string().min(1).optional(),
      /** Names of the app settings holding the secret (never the secret itself in this JSON). */
      apiKeySetting: z.string().regex(/^[A-Za-z0-9_]+$/).optional(),
      tokenSetting: z.string().regex(/^[A-Za-z0-9_]+$/).optional(),
      project: z.string().min(1).optional(),
      pathStyle: z.enum(['ams', 'v1']).optional(),
      storageAccountName: z.string().min(1).optional(),
      legacyHeader: z.boolean().optional(),
      standby: z.boolean().optional(),
    })
    .strict(),
).max(50);

type AccountEntry = z.infer<typeof accountsSchema>[number];

/** Each account's capabilities: its provider's, with the account's overrides. */
function capabilitiesByAccount(media: readonly MediaAccountSettings[]): Record<string, MediaCapabilities> {
  return Object.fromEntries(media.map((m) => [m.account.accountName, capabilitiesOf(m.connection.provider, m.standby === undefined ? {} : { standby: m.standby })]));
}

/** The accounts whose provider plans differently from AMS (no StandBy), for the broadcasts' estimates. */
function planningOf(media: readonly MediaAccountSettings[]): Pick<BroadcastPolicy, 'planning'> {
  const planning = Object.fromEntries(Object.entries(capabilitiesByAccount(media)).map(([name, c]) => [name, planningCapabilities(c)] as const).filter(([, p]) => !p.standby));
  return Object.keys(planning).length > 0 ? { planning } : {};
}

/**
 * How an account reaches its provider; throws naming the field (`where`) when a provider's required setting is
 * missing. `secret(name)` reads an app setting named in the configuration.
 */
function connectionFor(
  where: (field: string) => string,
  entry: Pick<AccountEntry, 'provider' | 'endpoint' | 'location' | 'project' | 'pathStyle' | 'storageAccountName' | 'legacyHeader'> & { accountName: string; subscriptionId: string; apiKey?: string; token?: string },
  armEndpoint: string,
): MediaProviderSettings {
  const missing = (field: string, why: string): never => {
    throw new Error(`Invalid app settings: ${where(field)}: ${why}`);
  };
  switch (entry.provider) {
    case 'ams':
      return { provider: 'ams', endpoint: (entry.endpoint ?? armEndpoint).replace(/\/$/, ''), subscriptionId: entry.subscriptionId };
    case 'ravnur':
      return {
        provider: 'ravnur',
        endpoint: (entry.endpoint ?? missing('endpoint', 'required for provider ravnur (the RMS API endpoint)')).replace(/\/$/, ''),
        subscriptionId: entry.subscriptionId,
        apiKey: entry.apiKey ?? missing('apiKey', 'required for provider ravnur'),
        ...(entry.location ? { location: entry.location } : {}),
      };
    case 'mkio':
      return {
        provider: 'mkio',
        baseUrl: (entry.endpoint ?? 'https://api.mk.io').replace(/\/$/, ''),
        pathStyle: entry.pathStyle ?? 'ams',
        project: entry.project ?? entry.accountName,
        token: entry.token ?? missing('token', 'required for provider mkio (a personal API token)'),
        legacyHeader: entry.legacyHeader ?? false,
        location: entry.location ?? missing('location', 'required for provider mkio (the project\'s location, e.g. westeurope)'),
        ...(entry.storageAccountName ? { storageAccountName: entry.storageAccountName } : {}),
      };
  }
}

export interface AppConfig extends MediaClientSettings {
  /** What every broadcast orchestration carries in its input. */
  broadcast: BroadcastPolicy;
  api: ApiSettings;
  retention: RetentionSettings;
  deploymentId: string;
}

const rate = z.number().min(0).max(10_000);
const ratesSchema = z
  .object({
    running: z.object({ PassthroughBasic: rate, PassthroughStandard: rate, Standard: rate, Premium1080p: rate }).partial().strict().optional(),
    standby: rate.optional(),
    currency: z.string().regex(/^[A-Z]{3}$/).optional(),
  })
  .strict();

function parseRates(text: string | undefined): LiveEventRates {
  if (!text) return defaultRates;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error('Invalid app settings: BROADCAST_RATES: must be JSON');
  }
  const parsed = ratesSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`Invalid app settings: BROADCAST_RATES: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  return { running: { ...defaultRates.running, ...parsed.data.running }, standby: parsed.data.standby ?? defaultRates.standby, currency: parsed.data.currency ?? defaultRates.currency };
}

/** Provider settings left empty count as unset (a deployment template often writes them all). */
const PROVIDER_KEYS = ['AMS_PROVIDER', 'AMS_PROVIDER_ENDPOINT', 'AMS_PROVIDER_STANDBY', 'AMS_LOCATION', 'RAVNUR_API_KEY', 'MKIO_TOKEN', 'MKIO_PROJECT', 'MKIO_PATH_STYLE', 'MKIO_STORAGE_ACCOUNT', 'MKIO_LEGACY_HEADER'];

export function loadConfig(rawEnv: Record<string, string | undefined> = process.env): AppConfig {
  const env = { ...rawEnv };
  for (const key of PROVIDER_KEYS) if (env[key] === '') delete env[key];
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid app settings: ${problems.join('; ')}`);
  }
  const s = parsed.data;
  const ms = (text: string) => Duration.fromISO(text).toMillis();
  const credentials: Credentials =
    s.AZURE_TENANT_ID && s.AZURE_CLIENT_ID && s.AZURE_CLIENT_SECRET
      ? { kind: 'clientSecret', tenantId: s.AZURE_TENANT_ID, clientId: s.AZURE_CLIENT_ID, clientSecret: s.AZURE_CLIENT_SECRET, authorityHost: s.AZURE_AUTHORITY_HOST }
      : { kind: 'default' };
  const account: MediaAccountRef = { subscriptionId: s.AMS_SUBSCRIPTION_ID, resourceGroup: s.AMS_RESOURCE_GROUP, accountName: s.AMS_ACCOUNT_NAME };
  const armEndpoint = s.AMS_ARM_ENDPOINT.replace(/\/$/, '');
  // The default account's secrets come from their own settings; a field missing is named by its setting.
  const defaultSetting: Record<string, string> = { endpoint: 'AMS_PROVIDER_ENDPOINT', apiKey: 'RAVNUR_API_KEY', token: 'MKIO_TOKEN', location: 'AMS_LOCATION' };
  const media: MediaAccountSettings[] = [{
    account,
    connection: connectionFor((field) => defaultSetting[field] ?? field, {
      provider: s.AMS_PROVIDER, accountName: s.AMS_ACCOUNT_NAME, subscriptionId: s.AMS_SUBSCRIPTION_ID,
      endpoint: s.AMS_PROVIDER_ENDPOINT, location: s.AMS_LOCATION, apiKey: s.RAVNUR_API_KEY, token: s.MKIO_TOKEN,
      project: s.MKIO_PROJECT, pathStyle: s.MKIO_PATH_STYLE, storageAccountName: s.MKIO_STORAGE_ACCOUNT, legacyHeader: s.MKIO_LEGACY_HEADER === 'true',
    }, armEndpoint),
    ...(s.AMS_PROVIDER_STANDBY ? { standby: s.AMS_PROVIDER_STANDBY === 'true' } : {}),
  }];
  const accounts = [account];
  const capacity: AccountCapacity[] = [{ accountName: account.accountName, liveEventQuota: s.AMS_LIVE_EVENT_QUOTA, liveOutputsPerEvent: s.AMS_LIVE_OUTPUTS_PER_EVENT }];
  if (s.AMS_ACCOUNTS) {
    let listed: unknown;
    try {
      listed = JSON.parse(s.AMS_ACCOUNTS);
    } catch {
      throw new Error('Invalid app settings: AMS_ACCOUNTS: must be JSON');
    }
    const pool = accountsSchema.safeParse(listed);
    if (!pool.success) throw new Error(`Invalid app settings: AMS_ACCOUNTS: ${pool.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
    for (const [index, extra] of pool.data.entries()) {
      if (accounts.some((a) => a.accountName === extra.accountName)) continue;
      const where = (field: string) => `AMS_ACCOUNTS: ${index}.${field}`;
      const secret = (field: 'apiKeySetting' | 'tokenSetting'): string | undefined => {
        const name = extra[field];
        if (name === undefined) return undefined;
        const value = env[name];
        if (!value) throw new Error(`Invalid app settings: ${where(field)}: the app setting ${name} is not set`);
        return value;
      };
      const ref: MediaAccountRef = { subscriptionId: extra.subscriptionId ?? s.AMS_SUBSCRIPTION_ID, resourceGroup: extra.resourceGroup ?? s.AMS_RESOURCE_GROUP, accountName: extra.accountName };
      const fieldOf: Record<string, string> = { apiKey: 'apiKeySetting', token: 'tokenSetting' };
      media.push({
        account: ref,
        connection: connectionFor((field) => where(fieldOf[field] ?? field), { ...extra, subscriptionId: ref.subscriptionId, apiKey: secret('apiKeySetting'), token: secret('tokenSetting') }, armEndpoint),
        ...(extra.standby === undefined ? {} : { standby: extra.standby }),
      });
      accounts.push(ref);
      capacity.push({ accountName: extra.accountName, liveEventQuota: extra.liveEventQuota, liveOutputsPerEvent: extra.liveOutputsPerEvent });
    }
  }
  if (s.API_AUTH === 'entra' && s.WEBSITE_AUTH_ENABLED?.toLowerCase() !== 'true') {
    throw new Error('Invalid app settings: API_AUTH=entra needs App Service Authentication enabled (WEBSITE_AUTH_ENABLED=True)');
  }
  return {
    account: { subscriptionId: s.AMS_SUBSCRIPTION_ID, resourceGroup: s.AMS_RESOURCE_GROUP, accountName: s.AMS_ACCOUNT_NAME },
    armEndpoint,
    caCertFile: s.AMS_CA_CERT_FILE,
    credentials,
    media,
    broadcast: {
      graceMs: ms(s.BROADCAST_GRACE),
      pollIntervalMs: ms(s.BROADCAST_POLL_INTERVAL),
      preRollMarginMs: ms(s.BROADCAST_PREROLL_MARGIN),
      maxDurationMs: ms(s.BROADCAST_MAX_DURATION),
      rates: parseRates(s.BROADCAST_RATES),
      startingSoonLeadMs: ms(s.BROADCAST_STARTING_SOON_LEAD),
      endingSoonLeadMs: ms(s.BROADCAST_ENDING_SOON_LEAD),
      ...planningOf(media),
    },
    api: { auth: s.API_AUTH, maxBodyBytes: s.API_MAX_BODY_BYTES, accounts, capacity, maxDurationMs: ms(s.BROADCAST_MAX_DURATION), capabilities: capabilitiesByAccount(media) },
    retention: { retentionMs: ms(s.BROADCAST_RETENTION), schedule: s.BROADCAST_PURGE_SCHEDULE },
    deploymentId: s.BROADCAST_DEPLOYMENT_ID ?? s.WEBSITE_SITE_NAME ?? 'broadcast-scheduler',
  };
}

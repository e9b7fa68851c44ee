/**
 * Settings types shared by the app's layers. The app's composition root (app/) parses app settings into
 * these; functions, activities, adapters and domain code import them from here, never from app/.
 */
import type { MediaAccountRef, MediaCapabilities, MediaProvider } from './media.js';

/** An account of the pool with its AMS limits (AMS defaults: 5 live events, 3 live outputs per event). */
export interface AccountCapacity {
  accountName: string;
  liveEventQuota: number;
  liveOutputsPerEvent: number;
}

export type Credentials =
  | { kind: 'clientSecret'; tenantId: string; clientId: string; clientSecret: string; authorityHost?: string }
  | { kind: 'default' };

/** What the AMS client needs. */
export interface MediaClientSettings {
  /** The default account; its subscription is the client's. */
  account: MediaAccountRef;
  armEndpoint: string;
  caCertFile?: string;
  credentials: Credentials;
  /** Every account of the pool (the default first) with its provider. */
  media: MediaAccountSettings[];
}

/**
 * How one account of the pool reaches its media provider (AMS_PROVIDER… for the default account, AMS_ACCOUNTS entries
 * for the others). Holds secrets: only the composition root and adapters/media read it; orchestration inputs,
 * outputs and statuses carry the MediaAccountRef alone.
 */
export type MediaProviderSettings =
  | { provider: 'ams'; endpoint: string; subscriptionId: string }
  | { provider: 'ravnur'; endpoint: string; subscriptionId: string; apiKey: string; location?: string }
  | { provider: 'mkio'; baseUrl: string; pathStyle: 'ams' | 'v1'; project: string; token: string; legacyHeader: boolean; location: string; storageAccountName?: string };

export interface MediaAccountSettings {
  account: MediaAccountRef;
  connection: MediaProviderSettings;
  /** Overrides the provider's StandBy capability (unverified for some providers). */
  standby?: boolean;
}

export type { MediaProvider };

/**
 * How API callers are authenticated:
 * - `key`: every route has authLevel "function"; the Functions host checks the key before the app runs.
 *   A key holder may do everything (read, write, admin).
 * - `entra`: App Service Authentication (Easy Auth) authenticates callers before the Functions host and
 *   passes the principal in `x-ms-client-principal`; routes are anonymous to the host and the app
 *   authorizes from the principal's app roles. Only valid when the platform reports Easy Auth enabled.
 */
export type ApiAuthMode = 'key' | 'entra';

/** Entra ID app roles (appRoles in the app registration) and what they allow. */
export const BroadcastRoles = {
  /** List and read broadcasts (ingest URLs and access tokens hidden). */
  read: 'Broadcasts.Read',
  /** Create, change, extend, stop and cancel; sees ingest URLs and access tokens. */
  write: 'Broadcasts.Write',
  /** Everything, including naming a media account other than the default. */
  admin: 'Broadcasts.Admin',
} as const;
export type BroadcastRole = (typeof BroadcastRoles)[keyof typeof BroadcastRoles];

export interface ApiSettings {
  auth: ApiAuthMode;
  /** Request bodies larger than this answer 413 before any parsing. */
  maxBodyBytes: number;
  /** The media accounts a request may choose from (by accountName); the first is the default. */
  accounts: MediaAccountRef[];
  /** Live event quota per account of the pool (same order); no placement checks when absent. */
  capacity?: AccountCapacity[];
  /** Runaway cap: the longest a broadcast may last (BROADCAST_MAX_DURATION, default 12 h). */
  maxDurationMs?: number;
  /** (successors) What each account's media service can do, by account name; settings it cannot take answer 400. */
  capabilities?: Record<string, MediaCapabilities>;
}

/** Retention of finished durable instances (broadcasts, deliveries, receipts). */
export interface RetentionSettings {
  retentionMs: number;
  /** NCRONTAB schedule of the purge timer. */
  schedule: string;
}

/** Tag every live event this deployment creates carries; the reaper touches nothing without it. */
export const ManagedByTag = 'managedBy';

/** A calendar feed as configured (CALENDAR_FEEDS): an https URL or a file under the configured folder. */
export interface CalendarFeedSettings {
  name: string;
  url: string;
  /** Broadcast fields every event of the feed starts from. */
  defaults: Record<string, unknown>;
  /** ISO 8601 duration: least time between two requests to this feed. */
  pollInterval?: string;
}

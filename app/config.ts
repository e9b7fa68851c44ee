/** App settings parsed once, with errors that name the bad key. */
import { Duration } from 'luxon';
import { z } from 'zod';
import type { BroadcastPolicy } from '../contracts/broadcast.js';
import type { MediaAccountRef } from '../contracts/media.js';

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
  BROADCAST_GRACE: isoDuration.default('PT5M'),
  /** How often the orchestration re-reads a live event while it changes state. */
  BROADCAST_POLL_INTERVAL: isoDuration.default('PT2S'),
  /** Safety margin added to the measured start-up durations. */
  BROADCAST_PREROLL_MARGIN: isoDuration.default('PT2S'),
});

export type Credentials =
  | { kind: 'clientSecret'; tenantId: string; clientId: string; clientSecret: string; authorityHost?: string }
  | { kind: 'default' };

export interface AppConfig {
  account: MediaAccountRef;
  armEndpoint: string;
  caCertFile?: string;
  credentials: Credentials;
  /** What every broadcast orchestration carries in its input. */
  broadcast: BroadcastPolicy;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
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
  return {
    account: { subscriptionId: s.AMS_SUBSCRIPTION_ID, resourceGroup: s.AMS_RESOURCE_GROUP, accountName: s.AMS_ACCOUNT_NAME },
    armEndpoint: s.AMS_ARM_ENDPOINT.replace(/\/$/, ''),
    caCertFile: s.AMS_CA_CERT_FILE,
    credentials,
    broadcast: {
      graceMs: ms(s.BROADCAST_GRACE),
      pollIntervalMs: ms(s.BROADCAST_POLL_INTERVAL),
      preRollMarginMs: ms(s.BROADCAST_PREROLL_MARGIN),
    },
  };
}

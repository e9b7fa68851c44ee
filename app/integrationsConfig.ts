/** Settings of the integrations (webhooks in and out, reaper, calendar feeds), parsed once with clear errors. */
import { Duration } from 'luxon';
import { z } from 'zod';
import { checkUrlShape, type OutboundPolicy } from '../adapters/outboundGuard.js';
import { createSecretBox, parseSecretKey, type SecretBox } from '../adapters/secretBox.js';
import { NotificationTypes } from '../contracts/notifications.js';
import { subscriberIdPattern, type ConfiguredSubscriber } from '../contracts/webhooks.js';
import { maxAttemptsLimit } from '../domain/webhooks.js';

const isoDuration = z.string().refine((t) => Duration.fromISO(t).isValid, 'must be an ISO 8601 duration such as PT10M');
const secret = z.string().regex(/^whsec_[A-Za-z0-9+/=]{16,}$/, 'must be a Standard Webhooks secret: whsec_ followed by base64');
const jsonOf = <T extends z.ZodType>(schema: T) =>
  z.string().transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON' });
      return z.NEVER;
    }
  }).pipe(schema);

const subscriber = z.object({
  id: z.string().regex(subscriberIdPattern),
  url: z.url(),
  secret,
  events: z.array(z.enum(NotificationTypes)).optional(),
});
/** `host` or `host:port` entries, comma separated: hosts outbound requests may reach although not public/https. */
const allowedHosts = z
  .string()
  .transform((text) => text.split(',').map((h) => h.trim().toLowerCase()).filter((h) => h !== ''))
  .pipe(z.array(z.string().regex(/^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/, 'must be host or host:port')));
const feed = z.object({
  name: z.string().regex(/^[a-zA-Z0-9-_]{1,40}$/),
  url: z.string().min(1), // http(s):// or a file path
  defaults: z.record(z.string(), z.unknown()).default({}),
  pollInterval: isoDuration.optional(), // least time between two requests to this feed
});

const schema = z.object({
  WEBHOOK_SUBSCRIBERS: jsonOf(z.array(subscriber)).default([]),
  INBOUND_WEBHOOK_SECRETS: jsonOf(z.record(z.string().regex(/^[a-zA-Z0-9-_]{1,40}$/), secret)).default({}),
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(maxAttemptsLimit).default(8),
  WEBHOOK_DISABLE_AFTER: isoDuration.default('P5D'),
  WEBHOOK_SECRET_KEY: z.string().refine((k) => parseSecretKey(k) !== undefined, 'must be 32 bytes in base64 (openssl rand -base64 32)').optional(),
  OUTBOUND_ALLOWED_HOSTS: allowedHosts.default([]),
  REAPER_SCHEDULE: z.string().default('0 */5 * * * *'),
  REAPER_GRACE: isoDuration.default('PT10M'),
  REAPER_DELETE: z.enum(['true', 'false']).default('true'),
  CALENDAR_FEEDS: jsonOf(z.array(feed)).default([]),
  CALENDAR_SYNC_SCHEDULE: z.string().default('0 */5 * * * *'),
  CALENDAR_LOOKAHEAD: isoDuration.default('P7D'),
});

export type Subscriber = ConfiguredSubscriber;
export type CalendarFeedConfig = z.infer<typeof feed>;

export interface IntegrationsConfig {
  subscribers: Subscriber[];
  inboundSecrets: Record<string, string>;
  webhookMaxAttempts: number;
  /** A subscriber failing this long (every attempt) is disabled. */
  webhookDisableAfterMs: number;
  /** Seals registered subscribers' signing secrets; undefined when WEBHOOK_SECRET_KEY is not set. */
  webhookSecretBox?: SecretBox;
  outbound: OutboundPolicy;
  reaper: { schedule: string; graceMs: number; deleteOrphans: boolean };
  calendar: { feeds: CalendarFeedConfig[]; schedule: string; lookaheadMs: number };
}

export function loadIntegrationsConfig(env: Record<string, string | undefined> = process.env): IntegrationsConfig {
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')));
  if (!parsed.success) {
    throw new Error(`Invalid app settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const s = parsed.data;
  const outbound: OutboundPolicy = { allowedHosts: s.OUTBOUND_ALLOWED_HOSTS };
  const badUrls = s.WEBHOOK_SUBSCRIBERS.flatMap((sub, i) => {
    const shape = checkUrlShape(sub.url, outbound);
    return shape.ok ? [] : [`WEBHOOK_SUBSCRIBERS.${i}.url: ${shape.reason} (or list its host in OUTBOUND_ALLOWED_HOSTS)`];
  });
  if (badUrls.length > 0) throw new Error(`Invalid app settings: ${badUrls.join('; ')}`);
  const key = s.WEBHOOK_SECRET_KEY ? parseSecretKey(s.WEBHOOK_SECRET_KEY) : undefined;
  return {
    subscribers: s.WEBHOOK_SUBSCRIBERS,
    inboundSecrets: s.INBOUND_WEBHOOK_SECRETS,
    webhookMaxAttempts: s.WEBHOOK_MAX_ATTEMPTS,
    webhookDisableAfterMs: Duration.fromISO(s.WEBHOOK_DISABLE_AFTER).toMillis(),
    ...(key && { webhookSecretBox: createSecretBox(key) }),
    outbound,
    reaper: { schedule: s.REAPER_SCHEDULE, graceMs: Duration.fromISO(s.REAPER_GRACE).toMillis(), deleteOrphans: s.REAPER_DELETE === 'true' },
    calendar: { feeds: s.CALENDAR_FEEDS, schedule: s.CALENDAR_SYNC_SCHEDULE, lookaheadMs: Duration.fromISO(s.CALENDAR_LOOKAHEAD).toMillis() },
  };
}

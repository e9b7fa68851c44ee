/** Registers the operator console at /api/dashboard (issue 14), with the same auth level as the API it calls. */
import { app } from '@azure/functions';
import { z } from 'zod';
import { createDashboardHandler } from '../functions/dashboard.js';
import { loadConfig } from './config.js';

const schema = z.object({
  /** Live events per AMS account (AMS default 5); the dashboard marks lanes that would exceed it. */
  AMS_LIVE_EVENT_QUOTA: z.coerce.number().int().min(1).max(1000).default(5),
});

export function registerDashboardFunctions(env: Record<string, string | undefined> = process.env): void {
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')));
  if (!parsed.success) throw new Error(`Invalid app settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const config = loadConfig(env);
  // The route must not overlap another function's: Azure matches routes in function-name order.
  app.http('dashboard', {
    route: 'dashboard',
    methods: ['GET'],
    authLevel: 'function',
    handler: createDashboardHandler({ liveEventQuota: parsed.data.AMS_LIVE_EVENT_QUOTA, defaultAccount: config.account, quotas: Object.fromEntries((config.api.capacity ?? []).map((a) => [a.accountName, a.liveEventQuota])) }),
  });
}

/**
 * Whether an account's media service can take a broadcast's settings, from its capabilities (never its name). Pure:
 * the API answers 400 naming each field a chosen (or possible) account cannot take.
 */
import { Duration } from 'luxon';
import type { BroadcastSpec, LiveEventSettings } from '../contracts/broadcast.js';
import type { MediaCapabilities } from '../contracts/media.js';
import { liveEventSettingsChange } from './liveEventDecisions.js';
import type { FieldError } from './problem.js';

type Settings = Pick<BroadcastSpec, 'liveEvent' | 'recording'> & Partial<Pick<BroadcastSpec, 'startOn' | 'idleStop'>>;

export function unsupportedSettings(capabilities: MediaCapabilities, spec: Settings): FieldError[] {
  const errors: FieldError[] = [];
  const { liveEvent, recording } = spec;
  if (!capabilities.inputProtocols.includes(liveEvent.protocol)) {
    errors.push({ field: '/liveEvent/protocol', message: `must be one of ${capabilities.inputProtocols.join(', ')} on this account` });
  }
  const options = liveEvent.streamOptions.filter((o) => !capabilities.streamOptions.includes(o));
  if (options.length > 0) errors.push({ field: '/liveEvent/streamOptions', message: `${options.join(', ')} not available on this account (allowed: ${capabilities.streamOptions.join(', ')})` });
  const archiveMs = Duration.fromISO(recording.archiveWindow).toMillis();
  if (Number.isFinite(archiveMs) && archiveMs > capabilities.maxArchiveWindowMs) {
    errors.push({ field: '/recording/archiveWindow', message: `at most ${Duration.fromMillis(capabilities.maxArchiveWindowMs).shiftTo('hours').toISO()} on this account` });
  }
  if (!capabilities.encoderEvents && spec.startOn === 'encoder') errors.push({ field: '/startOn', message: 'needs encoder events, which this account does not deliver; use "schedule"' });
  if (!capabilities.encoderEvents && spec.idleStop) errors.push({ field: '/idleStop', message: 'needs encoder events, which this account does not deliver' });
  return errors;
}

/**
 * The fields some of `accountNames` cannot take (placement may choose any of them), each message naming the accounts.
 * Accounts without known capabilities are taken as able.
 */
export function unsupportedOnAccounts(capabilities: Readonly<Record<string, MediaCapabilities>> | undefined, spec: Settings, accountNames: readonly string[]): FieldError[] {
  if (!capabilities) return [];
  const byField = new Map<string, { message: string; accounts: string[] }>();
  for (const name of accountNames) {
    const c = capabilities[name];
    if (!c) continue;
    for (const e of unsupportedSettings(c, spec)) {
      const entry = byField.get(e.field) ?? { message: e.message, accounts: [] };
      entry.accounts.push(name);
      byField.set(e.field, entry);
    }
  }
  return [...byField].map(([field, { message, accounts }]) => ({ field, message: `${message} (account ${accounts.join(', ')}${accountNames.length > 1 ? '; pin an account that supports it with "account"' : ''})` }));
}

/**
 * Why a settings change must be refused (409) on an account that cannot change an existing live event, naming the
 * settings, or undefined. Before the live event exists everything is applied at creation.
 */
export function refusedWithoutUpdate(capabilities: MediaCapabilities | undefined, current: LiveEventSettings, change: Partial<LiveEventSettings> | undefined, liveEvent: { name?: string; state?: string } | undefined): string | undefined {
  if (!capabilities || capabilities.updateLiveEvent || !change) return undefined;
  const state = liveEvent?.state ?? (liveEvent?.name ? 'Stopped' : undefined);
  const { update } = liveEventSettingsChange(current, { ...current, ...change }, state);
  if (update.length === 0) return undefined;
  return `The live event exists and this account's media service cannot change it: ${update.map((key) => `liveEvent.${key}`).join(', ')} cannot be changed now.`;
}

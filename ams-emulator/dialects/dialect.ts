/**
 * One emulator serves one provider's dialect of the AMS live-event API: ARM AMS itself ('arm', handled by
 * index.ts as before), Ravnur Media Services ('ravnur') or MK.IO ('mkio'). A dialect owns its paths, auth,
 * status codes and bodies; the resources and their state machine stay the one MediaAccount. Facts and guesses
 * come from /work/shared/media-successors.md (cited by section); what it marks unverified is a dialect option.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Clock } from '../../clock/clock.js';
import type { ApiVersions, ArmRequest, ArmResponse, Throttle } from '../armRouter.js';
import type { AccountIdentity, AccountRules, MediaAccount } from '../mediaAccount.js';

export type DialectName = 'arm' | 'ravnur' | 'mkio';

/** What a client (a test, the local stack) needs to reach the dialect as a real client would. */
export interface DialectInfo {
  name: DialectName;
  /** Ravnur: the API key `POST /auth/token` accepts together with the subscription id. */
  apiKey?: string;
  /** Ravnur: the subscription id to send to `/auth/token` (and in ARM paths). */
  subscriptionId?: string;
  /** MK.IO: a personal API token (a JWT) for the project. */
  token?: string;
  /** MK.IO: the project name (ARM's account name in ids). */
  project?: string;
  /** MK.IO: the storage account registered in the project; assets must name it. */
  storageAccountName?: string;
  /** MK.IO: the project's location (live events must be created there). */
  location?: string;
}

export interface DialectRequest {
  method: string;
  url: URL;
  /** The raw body. */
  text: string;
  headers: IncomingHttpHeaders;
  /** https origin the client used. */
  origin: string;
}

export interface DialectResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON body. */
  body?: unknown;
  /** Raw text body (instead of JSON). */
  text?: string;
  /** Destroy the connection without answering (dropped-connection fault). */
  drop?: boolean;
}

/** What the emulator lends a dialect. */
export interface DialectHost {
  clock: Clock;
  /** The secret tokens are signed with (persisted with the state, kept by reset). */
  secret(): string;
  /** Routes a request in ARM form to the named account (an unknown name meets the default account, which answers 404). */
  route(accountName: string, request: ArmRequest): ArmResponse;
  /** The named account, settled; undefined when the emulator serves no such account. */
  account(accountName: string): MediaAccount | undefined;
}

export interface ServedDialect {
  readonly info: DialectInfo;
  /** What the provider's account accepts where it differs from ARM AMS. */
  readonly rules: AccountRules;
  /** api-versions the ARM-shaped routes accept (default ARM's). */
  readonly apiVersions?: ApiVersions;
  /** The provider's own request limits per account (instead of ARM's throttling). */
  throttle?(accountName: string): Throttle | undefined;
  /** Answers every request outside the emulator's control plane. */
  handle(request: DialectRequest, host: DialectHost): DialectResponse;
  /** A token as the provider would issue it (for tests that bring a static credential). */
  token(): string;
  /** A playback path in the provider's form → the ARM form the account resolves; undefined = not this form. */
  playbackPath?(path: string, host: DialectHost): string | undefined;
}

/** A JSON or text answer (the emulator's `send`). */
export const json = (status: number, body: unknown, headers: Record<string, string> = {}): DialectResponse => ({ status, body, headers });

/** Parses a JSON request body; undefined when it is not JSON (an empty body is `{}`). */
export function parseBody(text: string): Record<string, unknown> | undefined {
  if (text.trim() === '') return {};
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export type { AccountIdentity };

import { describe, expect, it } from 'vitest';
import type { BroadcastSpec } from '../../contracts/broadcast.js';
import { readBroadcast } from '../../adapters/broadcastService.js';
import { parseExtendEvent, parseRescheduleEvent } from '../../domain/broadcastEvents.js';
import { isBroadcastId, parseCreateBroadcast } from '../../domain/broadcastRequest.js';
import { webhookBroadcastId } from '../../domain/inboundWebhook.js';
import { hasRole, parseClientPrincipal } from '../../domain/principal.js';
import { redactForReader } from '../../functions/broadcastsApi.js';
import { toBroadcastView } from '../../domain/broadcastView.js';

const roleTyp = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role';
const principalHeader = (roles: string[], extra: Record<string, unknown> = {}) =>
  Buffer.from(JSON.stringify({
    auth_typ: 'aad',
    claims: [{ typ: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name', val: 'ana@contoso.com' }, ...roles.map((val) => ({ typ: roleTyp, val }))],
    name_typ: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
    role_typ: roleTyp,
    ...extra,
  })).toString('base64');

describe('Easy Auth principal', () => {
  it('reads the app roles from the claims whose typ is role_typ', () => {
    expect(parseClientPrincipal(principalHeader(['Broadcasts.Write', 'Other.Role']))).toEqual({ name: 'ana@contoso.com', roles: ['Broadcasts.Write'] });
  });

  it('also accepts Entra\'s short "roles" claim type', () => {
    const header = Buffer.from(JSON.stringify({ auth_typ: 'aad', claims: [{ typ: 'roles', val: 'Broadcasts.Read' }] })).toString('base64');
    expect(parseClientPrincipal(header)?.roles).toEqual(['Broadcasts.Read']);
  });

  it('rejects absent, non-base64, non-JSON and wrongly shaped headers', () => {
    for (const header of [undefined, '', 'not base64!', Buffer.from('{"claims":').toString('base64'), Buffer.from('{"claims":[]}').toString('base64'), Buffer.from('[1]').toString('base64')]) {
      expect(parseClientPrincipal(header)).toBeUndefined();
    }
  });

  it('orders roles: admin ⊇ write ⊇ read', () => {
    const reader = parseClientPrincipal(principalHeader(['Broadcasts.Read']))!;
    const admin = parseClientPrincipal(principalHeader(['Broadcasts.Admin']))!;
    expect([hasRole(reader, 'Broadcasts.Read'), hasRole(reader, 'Broadcasts.Write')]).toEqual([true, false]);
    expect([hasRole(admin, 'Broadcasts.Read'), hasRole(admin, 'Broadcasts.Write'), hasRole(admin, 'Broadcasts.Admin')]).toEqual([true, true, true]);
    expect(hasRole(parseClientPrincipal(principalHeader([]))!, 'Broadcasts.Read')).toBe(false);
  });
});

describe('ids', () => {
  it('accepts only the documented charset and length', () => {
    for (const ok of ['a', 'abc-123', 'x'.repeat(29)]) expect(isBroadcastId(ok)).toBe(true);
    for (const bad of ['', '-a', 'a-', 'A', 'a%2f', 'a\\b', 'a?b', 'a#b', '..', 'a/b', 'x'.repeat(30), 'a b', 'é']) expect(isBroadcastId(bad)).toBe(false);
  });

  it('derives inbound webhook ids from the whole source:messageId (no shared prefix collisions)', () => {
    const a = webhookBroadcastId('crm', 'msg_00000001');
    const b = webhookBroadcastId('crm', 'msg_00000002');
    expect(a).not.toBe(b);
    expect(webhookBroadcastId('crm', 'msg_00000001')).toBe(a);
    expect(webhookBroadcastId('crm2', 'msg_00000001')).not.toBe(a);
    expect(isBroadcastId(a)).toBe(true);
    // Ten thousand consecutive message ids, ten thousand broadcasts.
    expect(new Set(Array.from({ length: 10_000 }, (_, i) => webhookBroadcastId('crm', `msg_${String(i).padStart(8, '0')}`))).size).toBe(10_000);
  });
});

describe('accounts from the configured pool', () => {
  const pool = [
    { subscriptionId: 's', resourceGroup: 'rg', accountName: 'main' },
    { subscriptionId: 's', resourceGroup: 'rg2', accountName: 'second' },
  ];
  const context = { now: Date.parse('2030-01-01T10:00:00Z'), defaultAccount: pool[0]!, accounts: pool, newId: () => 'x' };
  const body = { startAt: '2030-01-01T12:00:00Z', endAt: '2030-01-01T13:00:00Z' };

  it('resolves a named account to its configured reference', () => {
    const result = parseCreateBroadcast({ ...body, account: 'second' }, context);
    expect(result.ok && result.value.account).toEqual(pool[1]);
  });

  it('refuses an unknown account name and any free-form account', () => {
    const unknown = parseCreateBroadcast({ ...body, account: 'elsewhere' }, context);
    expect(unknown.ok ? [] : unknown.errors.map((e) => e.field)).toEqual(['/account']);
    const freeForm = parseCreateBroadcast({ ...body, account: { subscriptionId: 'evil', resourceGroup: 'rg', accountName: 'main' } }, context);
    expect(freeForm.ok ? [] : freeForm.errors.map((e) => e.field)).toEqual(['/account']);
  });
});

const spec: BroadcastSpec = {
  id: 'b1', startAt: '2030-01-01T12:00:00.000Z', endAt: '2030-01-01T13:00:00.000Z',
  account: { subscriptionId: 's', resourceGroup: 'rg', accountName: 'main' },
  liveEvent: { protocol: 'RTMP', inputIpAllow: [], previewIpAllow: [], encoding: { type: 'PassthroughStandard' }, useStaticHostname: false, streamOptions: [], accessToken: 'abcdefabcdefabcdefabcdefabcdefab' },
  recording: { archiveWindow: 'PT1H10M' }, keepLiveEvent: false, origin: { kind: 'api' },
};

describe('events re-validated by the orchestration', () => {
  it('accepts a valid reschedule and normalises its instants', () => {
    expect(parseRescheduleEvent({ startAt: '2030-01-01T13:00:00+01:00', title: 'new' }, spec, false)).toEqual({
      ok: true, value: { title: 'new', startAt: '2030-01-01T12:00:00.000Z', endAt: undefined, liveEvent: undefined, recording: undefined },
    });
  });

  it('refuses a ten-year end, an end before the start, unknown fields and non-objects', () => {
    for (const data of [{ endAt: '2040-01-01T12:00:00Z' }, { endAt: '2030-01-01T11:00:00Z' }, { endAt: 'tomorrow' }, { sneaky: 1 }, null, 'x', 42, []]) {
      const result = parseRescheduleEvent(data, spec, false);
      expect(result.ok, JSON.stringify(data)).toBe(false);
    }
    expect(parseExtendEvent({ endAt: '2040-01-01T12:00:00Z' }, spec)).toMatchObject({ ok: false, note: expect.stringContaining('24 hours') });
  });

  it('refuses live event settings AMS would reject, merged with the current ones', () => {
    expect(parseRescheduleEvent({ liveEvent: { inputIpAllow: ['999.1.1.1'] } }, spec, false).ok).toBe(false);
    expect(parseRescheduleEvent({ liveEvent: { inputIpAllow: ['203.0.113.0/24'] } }, spec, false)).toMatchObject({ ok: true, value: { liveEvent: { inputIpAllow: ['203.0.113.0/24'], protocol: 'RTMP' } } });
  });

  it('while live, keeps only the end', () => {
    expect(parseRescheduleEvent({ startAt: '2030-01-01T12:30:00Z', endAt: '2030-01-01T14:00:00Z' }, spec, true)).toEqual({ ok: true, value: { endAt: '2030-01-01T14:00:00.000Z' } });
    expect(parseExtendEvent({ endAt: '2030-01-01T14:00:00Z' }, spec)).toEqual({ ok: true, value: { endAt: '2030-01-01T14:00:00.000Z' } });
  });
});

describe('reading instances as broadcasts', () => {
  const instance = (input: unknown) => ({ runtimeStatus: 'Running', input, customStatus: null, output: null, createdTime: '2030-01-01T00:00:00Z', lastUpdatedTime: '2030-01-01T00:00:00Z' });

  it('reports an instance started by hand with input {} as unreadable instead of failing', () => {
    for (const input of [{}, null, { spec: {} }, { spec: { ...spec, id: '../x' } }, 'text']) expect(readBroadcast(instance(input)).ok).toBe(false);
    expect(readBroadcast(instance({ spec, policy: {} }))).toMatchObject({ ok: true, view: { id: 'b1' } });
  });

  it('hides ingest URLs and the ingest access token from readers', () => {
    const view = { ...toBroadcastView(instance({ spec })) };
    view.liveEvent = { ...view.liveEvent, ingestUrls: ['rtmp://ingest/abcdefabcdefabcdefabcdefabcdefab'] };
    const redacted = redactForReader(view);
    expect(JSON.stringify(redacted)).not.toContain('abcdefabcdefabcdefabcdefabcdefab');
    expect(redacted.liveEvent.settings.protocol).toBe('RTMP');
  });
});

describe('5xx answers', () => {
  it('turn any escaped error into problem+json with the invocation id and nothing internal', async () => {
    const { withProblemDetails } = await import('../../functions/http.js');
    const logged: unknown[] = [];
    const context = { invocationId: 'inv-123', functionName: 'f', error: (...args: unknown[]) => logged.push(args) };
    const handler = withProblemDetails(async () => {
      throw new Error('connect ECONNREFUSED 10.0.0.7:443 at /srv/app/secret-path.js');
    });
    const res = await handler({} as never, context as never);
    expect(res.status).toBe(500);
    expect(res.headers).toEqual({ 'content-type': 'application/problem+json' });
    expect(res.jsonBody).toMatchObject({ status: 500, correlationId: 'inv-123', instance: 'urn:invocation:inv-123' });
    expect(JSON.stringify(res.jsonBody)).not.toMatch(/ECONNREFUSED|secret-path|10\.0\.0\.7/);
    expect(logged).toHaveLength(1);
  });
});

// API_AUTH=entra: App Service Authentication (Easy Auth) in front, app roles checked by the app. The local
// host plays the platform's part by letting the test set x-ms-client-principal (Azure strips it from callers).
// A file of its own: the app registers its routes once per process, with the auth mode of that moment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inMinutes, startStack, type Stack } from '../support/stack.js';

const isProblem = (res: Response) => (res.headers.get('content-type') ?? '').startsWith('application/problem+json');

describe('Entra ID principals (App Service Authentication)', () => {
  let entra: Stack;
  beforeAll(async () => {
    entra = await startStack({ speed: 100, settings: { API_AUTH: 'entra', WEBSITE_AUTH_ENABLED: 'True' } });
  });
  afterAll(() => entra.close());

  const principal = (...roles: string[]) => Buffer.from(JSON.stringify({
    auth_typ: 'aad',
    claims: [{ typ: 'name', val: 'ana@contoso.com' }, ...roles.map((val) => ({ typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role', val }))],
    name_typ: 'name',
    role_typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role',
  })).toString('base64');
  const as = (roles: string[] | undefined, path: string, init: RequestInit = {}) =>
    fetch(`${entra.host.url}${path}`, { ...init, headers: { 'content-type': 'application/json', ...(roles ? { 'x-ms-client-principal': principal(...roles) } : {}) } });

  it('does not accept a function key instead of a principal', async () => {
    const res = await fetch(`${entra.host.url}/api/broadcasts`, { headers: { 'x-functions-key': entra.host.functionKey } });
    expect(res.status).toBe(401);
  });

  it('refuses callers without a principal (401) or without the role (403), as problem+json', async () => {
    const none = await as(undefined, '/api/broadcasts');
    expect(none.status).toBe(401);
    expect(isProblem(none)).toBe(true);
    const noRole = await as([], '/api/broadcasts');
    expect(noRole.status).toBe(403);
    const readerWrites = await as(['Broadcasts.Read'], '/api/broadcasts', { method: 'POST', body: JSON.stringify({ id: 'entra1', startAt: inMinutes(entra.clock, 60), endAt: inMinutes(entra.clock, 90) }) });
    expect(readerWrites.status).toBe(403);
    expect((await as(['Broadcasts.Read'], '/api/broadcasts/entra1/cancel', { method: 'POST' })).status).toBe(403);
  });

  it('shows the ingest access token to writers only', async () => {
    const token = '0123456789abcdef0123456789abcdef';
    const created = await as(['Broadcasts.Write'], '/api/broadcasts', { method: 'POST', body: JSON.stringify({ id: 'entra2', startAt: inMinutes(entra.clock, 60), endAt: inMinutes(entra.clock, 90), liveEvent: { accessToken: token } }) });
    expect(created.status).toBe(201);
    expect(await (await as(['Broadcasts.Write'], '/api/broadcasts/entra2')).text()).toContain(token);
    const asReader = await as(['Broadcasts.Read'], '/api/broadcasts/entra2');
    expect(asReader.status).toBe(200);
    expect(await asReader.text()).not.toContain(token);
    expect(await (await as(['Broadcasts.Read'], '/api/broadcasts')).text()).not.toContain(token);
  });
});

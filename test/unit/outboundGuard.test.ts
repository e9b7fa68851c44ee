// The SSRF guard: only public https destinations (or explicitly allowed hosts), redirects re-checked,
// and connections made to the address that was checked (DNS rebinding).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOutboundUrl, checkUrlShape, createGuardedFetch, guardedRequest, isPublicAddress, OutboundBlockedError, type Resolver } from '../../adapters/outboundGuard.js';
import { createSecretBox } from '../../adapters/secretBox.js';

const none = { allowedHosts: [] };

describe('isPublicAddress', () => {
  it.each([
    '127.0.0.1', '127.255.0.9', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '100.127.255.254',
    '0.0.0.0', '224.0.0.1', '239.255.255.250', '255.255.255.255', '198.18.0.1', '192.0.2.10', '::', '::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1',
    '::ffff:169.254.169.254', 'fe80::1', 'fc00::1', 'fd12:3456::1', 'ff02::1', '2001:db8::1', '64:ff9b::7f00:1', '2002:7f00:1::1', '[::1]', 'localhost', '',
  ])('refuses %s', (address) => expect(isPublicAddress(address)).toBe(false));

  it.each(['8.8.8.8', '1.1.1.1', '20.50.2.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '2a00:1450:4001:81b::200e'])('accepts %s', (address) =>
    expect(isPublicAddress(address)).toBe(true));
});

describe('checkUrlShape and checkOutboundUrl', () => {
  const resolver = (map: Record<string, string[]>): Resolver => async (host) => (map[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  it('refuses http, credentials, and literal internal addresses in any spelling', () => {
    for (const url of ['http://example.com/hook', 'https://user:pw@example.com/', 'https://127.0.0.1/', 'https://2130706433/', 'https://0x7f.1/', 'https://[::ffff:127.0.0.1]/', 'https://169.254.169.254/latest/meta-data', 'https://[::1]:8443/', 'ftp://example.com/', 'not a url']) {
      expect(checkUrlShape(url, none).ok, url).toBe(false);
    }
    expect(checkUrlShape('https://example.com/hook', none).ok).toBe(true);
  });

  it('refuses a name that resolves to any internal address, and accepts public ones', async () => {
    const dns = resolver({ 'hooks.example.com': ['93.184.215.14'], 'internal.example.com': ['10.0.0.5'], 'mixed.example.com': ['93.184.215.14', '127.0.0.1'], 'v6.example.com': ['2606:4700::6810:84e5'] });
    expect(await checkOutboundUrl('https://hooks.example.com/in', none, dns)).toBeUndefined();
    expect(await checkOutboundUrl('https://v6.example.com/in', none, dns)).toBeUndefined();
    expect(await checkOutboundUrl('https://internal.example.com/in', none, dns)).toMatch(/non-public/);
    expect(await checkOutboundUrl('https://mixed.example.com/in', none, dns)).toMatch(/non-public/);
    expect(await checkOutboundUrl('https://nowhere.example.com/in', none, dns)).toMatch(/does not resolve/);
  });

  it('lets explicitly allowed hosts through (scheme and address), by host or host:port', () => {
    expect(checkUrlShape('http://127.0.0.1:8080/hooks', { allowedHosts: ['127.0.0.1:8080'] }).ok).toBe(true);
    expect(checkUrlShape('http://127.0.0.1:8081/hooks', { allowedHosts: ['127.0.0.1:8080'] }).ok).toBe(false);
    expect(checkUrlShape('http://receiver.local:9000/', { allowedHosts: ['receiver.local'] }).ok).toBe(true);
  });
});

describe('guardedRequest', () => {
  let server: Server;
  let port = 0;
  const hits: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`);
      if (req.url === '/to-internal') return void res.writeHead(307, { location: `http://127.0.0.1:${port}/secret` }).end();
      if (req.url === '/to-metadata') return void res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end();
      if (req.url === '/to-self') return void res.writeHead(307, { location: '/ok' }).end();
      if (req.url === '/loop') return void res.writeHead(307, { location: '/loop' }).end();
      if (req.url === '/big') return void res.writeHead(500).end('internal detail '.repeat(1_000));
      res.writeHead(200).end('fine');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const localhostOnly = () => ({ allowedHosts: [`localhost:${port}`] });

  it('follows a redirect only when the next hop passes the checks too', async () => {
    // localhost:port is allowed; 127.0.0.1:port (the same server) is not: the second hop is refused before connecting.
    hits.length = 0;
    await expect(guardedRequest(`http://localhost:${port}/to-internal`, { method: 'POST', body: '{}' }, { policy: localhostOnly() })).rejects.toThrow(OutboundBlockedError);
    await expect(guardedRequest(`http://localhost:${port}/to-metadata`, {}, { policy: localhostOnly() })).rejects.toThrow(/redirect target/);
    expect(hits).toEqual(['POST /to-internal', 'GET /to-metadata']);
    const ok = await guardedRequest(`http://localhost:${port}/to-self`, { method: 'POST', body: '{}' }, { policy: localhostOnly() });
    expect(ok.status).toBe(200);
    expect(hits.slice(-1)).toEqual(['POST /ok']); // 307 keeps method and body
    await expect(guardedRequest(`http://localhost:${port}/loop`, {}, { policy: localhostOnly(), maxRedirects: 3 })).rejects.toThrow(/more than 3 redirects/);
  });

  it('connects only to the address it checked (a DNS answer that turns internal is refused)', async () => {
    hits.length = 0;
    let calls = 0;
    // First answer public (the registration check passes), then the name "rebinds" to loopback.
    const rebinding: Resolver = async () => [{ address: ++calls === 1 ? '93.184.215.14' : '127.0.0.1', family: 4 }];
    expect(await checkOutboundUrl(`https://rebind.example:${port}/x`, none, rebinding)).toBeUndefined();
    await expect(guardedRequest(`https://rebind.example:${port}/x`, {}, { policy: none, resolver: rebinding })).rejects.toThrow(/non-public/);
    expect(calls).toBe(2);
    expect(hits).toEqual([]);
  });

  it('keeps only the first bytes of an answer when asked to', async () => {
    const res = await guardedRequest(`http://localhost:${port}/big`, {}, { policy: localhostOnly(), maxBodyBytes: 64, truncate: true });
    expect(res.status).toBe(500);
    expect(res.body.length).toBe(64);
    expect(res.truncated).toBe(true);
    await expect(guardedRequest(`http://localhost:${port}/big`, {}, { policy: localhostOnly(), maxBodyBytes: 64 })).rejects.toThrow(/larger than 64 bytes/);
  });
});

describe('secretBox', () => {
  it('seals secrets so that only the key and the same subscriber id open them', () => {
    const box = createSecretBox(Buffer.alloc(32, 7));
    const secret = 'whsec_c2VjcmV0LXNpZ25pbmcta2V5LTAxMjM0NTY3';
    const sealed = box.seal(secret, 'ops');
    expect(sealed).not.toContain('c2VjcmV0LXNpZ25pbmcta2V5');
    expect(box.open(sealed, 'ops')).toBe(secret);
    expect(() => box.open(sealed, 'other')).toThrow();
    expect(() => createSecretBox(Buffer.alloc(32, 8)).open(sealed, 'ops')).toThrow();
    const [v, iv, text, tag] = sealed.split('.');
    expect(() => box.open([v, iv, `${text!.slice(0, -2)}AA`, tag].join('.'), 'ops')).toThrow();
  });
});

describe('createGuardedFetch', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer((req, res) => (req.url === '/away' ? res.writeHead(302, { location: 'http://10.0.0.1/feed.ics' }).end() : res.writeHead(200, { 'content-type': 'text/calendar' }).end('BEGIN:VCALENDAR')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('is a fetch for adapters that take one (calendar feeds), with the same checks', async () => {
    const guardedFetch = createGuardedFetch({ policy: { allowedHosts: [`127.0.0.1:${port}`] } });
    const res = await guardedFetch(`http://127.0.0.1:${port}/feed.ics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/calendar');
    expect(await res.text()).toBe('BEGIN:VCALENDAR');
    await expect(guardedFetch(`http://127.0.0.1:${port}/away`)).rejects.toThrow(OutboundBlockedError);
    await expect(guardedFetch('file:///etc/passwd')).rejects.toThrow(OutboundBlockedError);
    await expect(guardedFetch('https://192.168.0.1/feed.ics')).rejects.toThrow(/non-public/);
  });
});

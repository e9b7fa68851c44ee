/**
 * The few HTTP calls the successor gateways make (Ravnur's token endpoint, MK.IO's REST API), over node:https so a
 * private CA (the local emulator's) can be trusted per client, as the ARM client does, without a process-wide change.
 */
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';

export interface HttpAnswer {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: string;
}

export interface HttpRequest {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  headers?: Record<string, string>;
  body?: string;
}

export type HttpSend = (url: string, request: HttpRequest) => Promise<HttpAnswer>;

/** Answers larger than this are cut off (a list page of live events is far smaller). */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

export function createHttpSend(options: { ca?: string; timeoutMs?: number } = {}): HttpSend {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return (url, req) =>
    new Promise<HttpAnswer>((resolve, reject) => {
      const target = new URL(url);
      const send = target.protocol === 'http:' ? httpRequest : httpsRequest;
      const body = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
      const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
      if (body) headers['content-length'] = String(body.length);
      const call = send(target, { method: req.method, headers, ...(options.ca ? { ca: options.ca } : {}), timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
        });
        res.on('end', () => {
          const flat: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
          resolve({ status: res.statusCode ?? 0, headers: flat, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      });
      // A network failure carries its code (ECONNRESET, ETIMEDOUT, …), which classifyError treats as transient.
      call.on('timeout', () => call.destroy(Object.assign(new Error(`${req.method} ${target.origin}${target.pathname} timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      call.on('error', reject);
      call.end(body);
    });
}

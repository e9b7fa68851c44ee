/** A local webhook receiver that verifies Standard Webhooks signatures and can be taken down and up. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  id: string;
  type: string;
  data: Record<string, unknown>;
  verified: boolean;
}

export async function startWebhookReceiver(secret: string) {
  const received: ReceivedWebhook[] = [];
  let failing = false;
  let attempts = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      attempts++;
      if (failing) return void res.writeHead(503).end('down for maintenance');
      const payload = Buffer.concat(chunks).toString();
      const headers = { 'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']) };
      let verified = true;
      try {
        new Webhook(secret).verify(payload, headers);
      } catch {
        verified = false;
      }
      const body = JSON.parse(payload) as { type: string; data: Record<string, unknown> };
      received.push({ id: headers['webhook-id'], type: body.type, data: body.data, verified });
      res.writeHead(verified ? 204 : 401).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    attempts: () => attempts,
    setFailing(value: boolean) {
      failing = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

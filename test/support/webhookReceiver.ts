/** A local webhook receiver that verifies Standard Webhooks signatures; it can be taken down, or made to answer anything. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  id: string;
  type: string;
  data: Record<string, unknown>;
  verified: boolean;
}

export interface ReceiverRequest extends ReceivedWebhook {
  /** What the receiver answered. */
  status: number;
}

export async function startWebhookReceiver(secret: string) {
  const received: ReceivedWebhook[] = [];
  const requests: ReceiverRequest[] = [];
  let failing = false;
  let answer: { status: number; body: string } | undefined;
  let attempts = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      attempts++;
      const payload = Buffer.concat(chunks).toString();
      const headers = { 'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']) };
      let verified = true;
      try {
        new Webhook(secret).verify(payload, headers);
      } catch {
        verified = false;
      }
      let body: { type: string; data: Record<string, unknown> } = { type: '', data: {} };
      try {
        body = JSON.parse(payload) as typeof body;
      } catch {
        verified = false;
      }
      const status = failing ? 503 : answer ? answer.status : verified ? 204 : 401;
      requests.push({ id: headers['webhook-id'], type: body.type, data: body.data, verified, status });
      if (failing) return void res.writeHead(503).end('down for maintenance');
      if (answer) return void res.writeHead(answer.status).end(answer.body);
      received.push({ id: headers['webhook-id'], type: body.type, data: body.data, verified });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `http://${host}/hooks`,
    /** For OUTBOUND_ALLOWED_HOSTS. */
    host,
    received,
    requests,
    attempts: () => attempts,
    setFailing(value: boolean) {
      failing = value;
    },
    /** Answer every request with this status and body (undefined: back to normal). */
    answerWith(value: { status: number; body: string } | undefined) {
      answer = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Seals webhook signing secrets for durable state with AES-256-GCM and the key in WEBHOOK_SECRET_KEY
 * (32 bytes, base64). The subscriber id is authenticated with it, so a sealed secret cannot be moved to
 * another subscriber. Format: `v1.<iv>.<ciphertext>.<tag>` (base64url).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface SecretBox {
  seal(secret: string, subscriberId: string): string;
  open(sealed: string, subscriberId: string): string;
}

export function parseSecretKey(base64: string): Buffer | undefined {
  const key = Buffer.from(base64, 'base64');
  return key.length === 32 && /^[A-Za-z0-9+/]+={0,2}$/.test(base64) ? key : undefined;
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('the webhook secret key must be 32 bytes');
  return {
    seal(secret, subscriberId) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(subscriberId));
      const text = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      return ['v1', iv, text, cipher.getAuthTag()].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
    },
    open(sealed, subscriberId) {
      const [version, iv, text, tag] = sealed.split('.');
      if (version !== 'v1' || !iv || !text || !tag) throw new Error('not a sealed secret');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url')).setAAD(Buffer.from(subscriberId));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(text, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}

import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

declare module '../../graphql/context' {
  interface ContextDeps {
    /** Webhook secrets and the address policy of endpoints. Absent outside the server (scripts): endpoints cannot be managed there. */
    webhooks?: WebhookDeps;
  }
}

/** What the webhook mutations need from the server's configuration. */
export interface WebhookDeps {
  secrets: WebhookSecrets;
  /** WEBHOOK_ALLOW_HTTP_LOOPBACK: endpoints on loopback addresses, over plain http too (development and tests). */
  allowHttpLoopback: boolean;
}

/** The Standard Webhooks secret prefix: `whsec_` + base64 of the key bytes. */
export const SECRET_PREFIX = 'whsec_';
const KEY_BYTES = 32;
const VERSION = 'v1';

/**
 * Webhook signing secrets: generated here, shown once, and stored only sealed (AES-256-GCM under a key derived
 * from TOKEN_SECRET for this purpose alone), since signing needs the secret itself (a hash would not do).
 * A database dump without TOKEN_SECRET reveals no secret; changing TOKEN_SECRET makes stored secrets unreadable
 * (rotate each endpoint's secret then).
 */
export class WebhookSecrets {
  private readonly key: Buffer;

  constructor(tokenSecret: string) {
    this.key = createHmac('sha256', tokenSecret).update('webhook-secret-sealing-key/v1').digest();
  }

  /** A new secret in the Standard Webhooks form (`whsec_` + base64 of 32 random bytes). */
  generate(): string {
    return SECRET_PREFIX + randomBytes(KEY_BYTES).toString('base64');
  }

  /** `v1:<iv>:<tag>:<ciphertext>` (base64url parts). */
  seal(secret: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), ciphertext].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join(':');
  }

  /** The secret of a sealed value; throws when it was sealed under another key or altered. */
  open(sealed: string): string {
    const [version, iv, tag, ciphertext] = sealed.split(':');
    if (version !== VERSION || !iv || !tag || !ciphertext) throw new Error('webhook secret: unknown format');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }
}

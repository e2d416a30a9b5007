import { createHmac } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { NetworkRole } from '../../graphql/principal';

const ISSUER = 'peer-networks-api';
const AUDIENCE = 'peer-networks-api:member';
/** Pinned: a token with any other `alg` (including `none`) is rejected. */
const ALGORITHM = 'HS256';

export const MEMBER_TOKEN_DEFAULT_TTL = 900;
export const MEMBER_TOKEN_MIN_TTL = 60;
export const MEMBER_TOKEN_MAX_TTL = 86_400;

const isUuid = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(v);

export interface MemberTokenClaims {
  networkId: string;
  memberId: string;
  expiresAt: Date;
  /** The API key that issued the token (claim `ik`); tokens issued before issue 12 carry none. */
  issuerKeyId?: string;
  /** The highest role the token acts with (claim `role`); ADMIN for tokens without the claim (issued before issue 12). */
  roleCap: NetworkRole;
  /** True: the token runs no mutation (claim `ro`). */
  readOnly: boolean;
}

/** What a token is narrowed to at issue, besides its member. */
export interface MemberTokenGrant {
  issuerKeyId: string;
  roleCap: NetworkRole;
  readOnly: boolean;
}

const isRole = (v: unknown): v is NetworkRole => typeof v === 'string' && (Object.values(NetworkRole) as string[]).includes(v);

/**
 * Short-lived signed tokens that act as one member (JWT, HS256, issuer and audience checked).
 * The signing key is derived from TOKEN_SECRET for this one purpose, so the secret can serve others too.
 */
export class MemberTokens {
  private readonly key: Uint8Array;

  constructor(tokenSecret: string) {
    this.key = createHmac('sha256', tokenSecret).update('member-token-signing-key/v1').digest();
  }

  /** Without a grant (the server's own tokens, e.g. in tests): no issuing key, the member's full role. */
  async issue(networkId: string, memberId: string, ttlSeconds: number, grant?: MemberTokenGrant): Promise<{ token: string; expiresAt: Date }> {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + ttlSeconds;
    const token = await new SignJWT({ net: networkId, ...(grant && { ik: grant.issuerKeyId, role: grant.roleCap, ...(grant.readOnly && { ro: true }) }) })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(memberId)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .sign(this.key);
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /** The claims of a valid token; null for a bad signature, wrong issuer/audience/alg, expiry or a malformed token. */
  async verify(token: string): Promise<MemberTokenClaims | null> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, audience: AUDIENCE, algorithms: [ALGORITHM] });
      if (!isUuid(payload.sub) || !isUuid(payload.net) || typeof payload.exp !== 'number') return null;
      if (payload.ik !== undefined && !isUuid(payload.ik)) return null;
      if (payload.role !== undefined && !isRole(payload.role)) return null;
      if (payload.ro !== undefined && typeof payload.ro !== 'boolean') return null;
      return {
        networkId: payload.net,
        memberId: payload.sub,
        expiresAt: new Date(payload.exp * 1000),
        issuerKeyId: payload.ik,
        roleCap: payload.role ?? NetworkRole.ADMIN,
        readOnly: payload.ro === true,
      };
    } catch (err) {
      if (err instanceof errors.JOSEError || err instanceof TypeError) return null;
      throw err;
    }
  }
}

/**
 * One-way pseudonyms: HMAC-SHA256 under a key derived from TOKEN_SECRET for this purpose only. Stored
 * pseudonyms link to nobody without the secret (e.g. the deduplication key of anonymous feedback).
 */
export class Pseudonyms {
  private readonly key: Buffer;

  constructor(tokenSecret: string) {
    this.key = createHmac('sha256', tokenSecret).update('pseudonym-key/v1').digest();
  }

  /** The pseudonym of a tuple of strings in one namespace, e.g. `of('anonymous-feedback', networkId, sessionId, memberId)`. */
  of(namespace: string, ...parts: string[]): Buffer {
    return createHmac('sha256', this.key)
      .update([namespace, ...parts].join('\u0000'))
      .digest();
  }
}

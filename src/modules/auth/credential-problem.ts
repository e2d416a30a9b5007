import { decodeJwt } from 'jose';
import { API_KEY_PREFIX } from './api-key.service';
import type { MemberTokens } from './member-token';

/**
 * Why a credential was refused, for callers that need more than UNAUTHENTICATED: a WebSocket's close reason
 * tells the client whether to get a fresh token (EXPIRED) or to stop (the rest). Nothing here is about another
 * network: API keys are global secrets, so an unknown key is just INVALID.
 */
export type CredentialProblem = 'MISSING' | 'MALFORMED' | 'INVALID' | 'EXPIRED' | 'REVOKED';

/** The close reason (with 4403) of a WebSocket whose credential is refused, by problem. */
export const CREDENTIAL_CLOSE_REASONS: Readonly<Record<CredentialProblem, string>> = {
  MISSING: 'Missing credentials',
  MALFORMED: 'Malformed credentials',
  INVALID: 'Invalid credentials',
  EXPIRED: 'Credential expired',
  REVOKED: 'Credential revoked',
};

/** authenticate's message for a revoked API key (the only refusal that needs the database to tell apart). */
export const REVOKED_API_KEY_MESSAGE = 'This API key has been revoked';

/**
 * Whether a member token that failed verification is past its `exp`. Read without verification, on purpose:
 * a forged token with a past `exp` is called expired, which tells its sender nothing they did not write, and a
 * genuine one is told the useful thing (get a new token) instead of "invalid".
 */
export function memberTokenExpired(token: string, now = Date.now()): boolean {
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' && exp * 1000 <= now;
  } catch {
    return false;
  }
}

/** The UNAUTHENTICATED message of a member token that failed verification. */
export const memberTokenRefusal = (token: string): string => (memberTokenExpired(token) ? 'Member token expired: get a new one' : 'Invalid member token');

/**
 * Classifies a refused `Authorization` value (as readCredential reads it: `Bearer <API key | member token>`),
 * given the refusal's message. Member tokens are verified again here, so a valid token refused by the database
 * (its member was removed) is told apart from a bad one without trusting the message.
 */
export async function credentialProblem(authorization: string | undefined, refusal: string, tokens: MemberTokens): Promise<CredentialProblem> {
  if (!authorization) return 'MISSING';
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
  if (!token) return 'MALFORMED';
  if (token.startsWith(API_KEY_PREFIX)) return refusal === REVOKED_API_KEY_MESSAGE ? 'REVOKED' : 'INVALID';
  if (token.split('.').length !== 3) return 'MALFORMED';
  if (await tokens.verify(token)) return 'REVOKED';
  return memberTokenExpired(token) ? 'EXPIRED' : 'INVALID';
}

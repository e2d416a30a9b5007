import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { Logger } from '../config/logger';
import { beginTenantTransaction, type TenantTransaction } from '../db/tenant';
import { authenticate, beginOptions, credentialNetwork, readCredential, type Authenticated, type Credential } from '../modules/auth/authenticate';
import type { MemberTokens, Pseudonyms } from '../modules/auth/member-token';
import type { Principal } from '../modules/auth/principal';
import type { LiveEvents } from '../realtime/live';
import { AppError } from './errors';
import { Loaders } from './loaders';

/** What every request needs and the server builds once: the database and the token service. */
export interface ContextDeps {
  dataSource: DataSource;
  tokens: MemberTokens;
  /** Keyed hash (HMAC-SHA256 under a key derived from TOKEN_SECRET) for one-way pseudonyms, e.g. anonymous-feedback deduplication. */
  pseudonyms: Pseudonyms;
  logger: Logger;
  /** The live-update pub/sub (src/realtime). Absent outside the server (scripts, hand-built contexts): events go nowhere. */
  live?: LiveEvents;
}

/**
 * THE request context, the same for HTTP and WebSocket: no `req`/`res` in it.
 * The network comes only from the credential; all database work goes through `manager`, on one
 * transaction whose `app.network_id` is that network, so row-level security backs every query.
 */
export interface Context {
  readonly requestId: string;
  readonly networkId: string;
  readonly principal: Principal;
  /** The calling member's id for member tokens; null for API keys. */
  readonly viewerMemberId: string | null;
  /** For member tokens: when the token expires. */
  readonly credentialExpiresAt?: Date;
  readonly manager: EntityManager;
  readonly tx: TenantTransaction;
  readonly loaders: Loaders;
  readonly deps: ContextDeps;
}

export const newRequestId = (given?: string): string => (given && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID());

/**
 * Opens the request's transaction, authenticates inside it and returns the context.
 * The caller must end it with `ctx.tx.finish(…)`; on authentication failure the transaction is
 * already rolled back and released, and the GraphQL error (UNAUTHENTICATED) is thrown.
 */
export async function createContext(deps: ContextDeps, input: { authorization?: string; requestId?: string }): Promise<Context> {
  const requestId = newRequestId(input.requestId);
  let credential: Credential;
  try {
    credential = await readCredential(input.authorization, deps.tokens);
  } catch (err) {
    if (err instanceof AppError) throw err.toGraphQLError();
    throw err;
  }
  const tx = await beginTenantTransaction(deps.dataSource, credentialNetwork(credential), beginOptions(credential));
  try {
    const auth = await authenticate(tx, credential);
    return contextOf(deps, tx, auth, requestId);
  } catch (err) {
    await tx.finish('rollback');
    if (err instanceof AppError) throw err.toGraphQLError();
    throw err;
  }
}

/**
 * The context of an authenticated caller on an open transaction. Live-update deliveries (src/realtime) build one
 * per subscriber on their batch's transaction, with the batch's `sharedLoaders` as the parent of the
 * subscriber's own loaders (only viewer-independent loaders are shared: see Loaders).
 */
export function contextOf(deps: ContextDeps, tx: TenantTransaction, auth: Authenticated, requestId: string, sharedLoaders?: Loaders): Context {
  return {
    requestId,
    networkId: auth.networkId,
    principal: auth.principal,
    viewerMemberId: auth.principal.kind === 'MEMBER' ? auth.principal.memberId : null,
    credentialExpiresAt: auth.expiresAt,
    manager: tx.manager,
    tx,
    loaders: new Loaders(tx.manager, auth.networkId, sharedLoaders),
    deps,
  };
}

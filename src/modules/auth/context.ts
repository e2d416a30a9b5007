import { beginTenantTransaction, type TenantTransaction } from '../../db/tenant';
import { newRequestId, type Context, type ContextDeps } from '../../graphql/context';
import { AppError } from '../../graphql/errors';
import { Loaders } from '../../graphql/loaders';
import { apiKeyHash, authenticate, beginOptions, credentialNetwork, readCredential, type Authenticated, type Credential } from './authenticate';
import type { MemberTokens, Pseudonyms } from './member-token';

declare module '../../graphql/context' {
  /** What authentication and the features' credentials need, built once by the server (see the floor's part). */
  interface ContextDeps {
    tokens: MemberTokens;
    /** Keyed hash (HMAC-SHA256 under a key derived from TOKEN_SECRET) for one-way pseudonyms, e.g. anonymous-feedback deduplication. */
    pseudonyms: Pseudonyms;
    /** The network of API keys seen before, by the hash of their secret, so their share is known before the database is asked. */
    keyNetworks?: Map<string, string>;
  }
}

/** Keys whose network is not known yet share one pool share: a flood of unknown keys cannot crowd out the networks. */
const UNKNOWN_KEY_SHARE = 'unknown-api-key';
const MAX_REMEMBERED_KEYS = 10_000;

/** Which share of the pool a credential's transaction takes: its network's. */
function shareKey(deps: ContextDeps, credential: Credential): string {
  const known = credentialNetwork(credential);
  if (known) return known;
  return deps.keyNetworks?.get(apiKeyHash(credential)!) ?? UNKNOWN_KEY_SHARE;
}

/** After authentication, remember an API key's network (its hash → network id; never the secret). */
function rememberKeyNetwork(deps: ContextDeps, credential: Credential, networkId: string): void {
  const hash = apiKeyHash(credential);
  if (!hash || !deps.keyNetworks || deps.keyNetworks.get(hash) === networkId) return;
  if (deps.keyNetworks.size >= MAX_REMEMBERED_KEYS) deps.keyNetworks.clear();
  deps.keyNetworks.set(hash, networkId);
}

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
  const shares = deps.shares;
  const share = shares ? shareKey(deps, credential) : undefined;
  let tx: Awaited<ReturnType<typeof beginTenantTransaction>>;
  try {
    tx = await beginTenantTransaction(deps.dataSource, credentialNetwork(credential), {
      ...beginOptions(credential),
      limits: deps.limits,
      acquireShare: shares && (() => shares.acquire(share!)),
    });
  } catch (err) {
    // SERVER_BUSY: no connection in time.
    if (err instanceof AppError) throw err.toGraphQLError();
    throw err;
  }
  try {
    const auth = await authenticate(tx, credential);
    rememberKeyNetwork(deps, credential, auth.networkId);
    return contextOf(deps, tx, auth, requestId);
  } catch (err) {
    await tx.finish('rollback');
    if (err instanceof AppError) throw err.toGraphQLError();
    throw err;
  }
}

/**
 * The context of an authenticated caller on an open transaction. Live-update deliveries (src/http/websocket.ts) build one
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

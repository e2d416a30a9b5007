import { randomUUID } from 'node:crypto';
import type { Logger } from '../config/logger';
import type { PoolShares } from '../db/shares';
import type { TenantTransaction, TransactionLimits } from '../db/tenant';
import type { Loaders } from './loaders';
import type { Principal } from './principal';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * What every request needs and the server builds once: the database, the logger, the pool shares and limits here;
 * the services of the layers above are added where they are defined (TypeScript declaration merging), so that
 * this floor imports none of them: the token service, pseudonyms and remembered key networks in
 * src/modules/auth/context.ts, the live-update pub/sub in src/realtime/live.ts.
 */
export interface ContextDeps {
  dataSource: DataSource;
  logger: Logger;
  /** Each network's share of the pool (fair sharing). Absent: no share is taken (scripts, hand-built contexts). */
  shares?: PoolShares;
  /** Time limits of request transactions. Absent: none. */
  limits?: TransactionLimits;
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

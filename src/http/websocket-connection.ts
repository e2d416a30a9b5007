import { CloseCode } from 'graphql-ws';
import { CREDENTIAL_CLOSE_REASONS } from '../modules/auth/credential-problem';
import type { Principal } from '../graphql/principal';
import type { WebSocket } from 'ws';

/** A consumer that does not keep up (RFC 6455 "try again later"). */
export const SLOW_CONSUMER = 1013;

/** One graphql-ws socket's credential, as `onConnect` authenticated it (./websocket.ts). */
export interface Connection {
  authorization: string | undefined;
  /** The network and principal authenticated in `onConnect`; each delivery batch checks the principal again. */
  networkId: string;
  principal: Principal;
  /** When a member token expires (ms since the epoch). */
  expiresAt: number | undefined;
  expiryTimer: NodeJS.Timeout | undefined;
}

export const expired = (c: Connection) => c.expiresAt !== undefined && Date.now() >= c.expiresAt;
export const closeExpired = (socket: WebSocket) => socket.close(CloseCode.Forbidden, CREDENTIAL_CLOSE_REASONS.EXPIRED);
/** The key was revoked or the member removed since the socket was authenticated. */
export const closeRevoked = (socket: WebSocket) => socket.close(CloseCode.Forbidden, CREDENTIAL_CLOSE_REASONS.REVOKED);
export const closeSlowConsumer = (socket: WebSocket) => socket.close(SLOW_CONSUMER, 'Slow consumer');

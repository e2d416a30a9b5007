import { principalKey } from '../auth/authenticate';
import type { Principal } from '../../graphql/principal';
import type { WebSocket } from 'ws';

/** graphql-ws's "forbidden" close code: its client may retry later, when the credential has closed some sockets. */
export const TOO_MANY_CONNECTIONS_CODE = 4403;
export const TOO_MANY_CONNECTIONS_REASON = 'Too many connections for this credential';

/**
 * Open WebSocket connections per credential on this instance (`WS_MAX_CONNECTIONS_PER_CREDENTIAL`): each idle
 * socket costs memory and a share of the event fan-out whatever its operations cost, so one credential may hold
 * only so many. Counted from the socket's acceptance to its `close` event.
 */
export class ConnectionCounter {
  private readonly open = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Counts `socket` for the credential, or closes it (4403, a clear reason) and says false when it has `max` already. */
  admit(networkId: string, principal: Principal, socket: WebSocket): boolean {
    if (socket.readyState !== socket.OPEN) return false;
    const key = `${networkId}:${principalKey(principal)}`;
    const count = this.open.get(key) ?? 0;
    if (count >= this.max) {
      socket.close(TOO_MANY_CONNECTIONS_CODE, TOO_MANY_CONNECTIONS_REASON);
      return false;
    }
    this.open.set(key, count + 1);
    socket.once('close', () => {
      const left = (this.open.get(key) ?? 1) - 1;
      if (left > 0) this.open.set(key, left);
      else this.open.delete(key);
    });
    return true;
  }

  /** Open connections of one credential (for tests). */
  count(networkId: string, principal: Principal): number {
    return this.open.get(`${networkId}:${principalKey(principal)}`) ?? 0;
  }
}

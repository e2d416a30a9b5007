// The browser side of the token exchange. The app never sees an API key: it logs in to its OWN backend
// (server.mjs), which answers with a short-lived member token, and asks it again shortly before expiry.
// getToken() is single-flight: however many requests and sockets need a token at once, one refresh runs.

export interface Session {
  token: string;
  expiresAt: string;
  /** Seconds the token is valid from the moment the backend answered (clock-independent, unlike expiresAt). */
  expiresIn: number;
  /** When to refresh, by THIS browser's clock (set on receipt: a skewed clock does not matter). */
  refreshAt?: number;
  role: 'MEMBER' | 'COORDINATOR' | 'ADMIN';
  member: { id: string; displayName: string };
  user: { id: string; label: string };
  graphqlUrl: string;
  wsUrl: string;
}

/** Refresh this long before the token expires (at most half its life), so a request never leaves with a token about to die. */
const REFRESH_MARGIN_MS = 60_000;

let current: Session | null = null;
let inFlight: Promise<Session> | null = null;
const listeners = new Set<(s: Session | null) => void>();

function set(session: Session | null) {
  current = session;
  listeners.forEach((l) => l(session));
}

async function exchange(path: string, body?: unknown): Promise<Session> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
    credentials: 'same-origin',
  });
  if (!res.ok) throw new Error(`Sign-in failed (${((await res.json().catch(() => ({}))) as { error?: string }).error ?? res.status})`);
  const session = (await res.json()) as Session;
  return { ...session, refreshAt: Date.now() + session.expiresIn * 1000 - Math.min(REFRESH_MARGIN_MS, (session.expiresIn * 1000) / 2) };
}

export const currentSession = () => current;

export function onSessionChange(listener: (s: Session | null) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export async function listDemoUsers(): Promise<Array<{ id: string; label: string }>> {
  const res = await fetch('/auth/users');
  return (await res.json()) as Array<{ id: string; label: string }>;
}

export async function login(user: string): Promise<Session> {
  const session = await exchange('/auth/login', { user });
  set(session);
  return session;
}

export async function logout(): Promise<void> {
  await fetch('/auth/logout', { method: 'POST', credentials: 'same-origin' });
  set(null);
}

/** Forgets the token so the next getToken() fetches a new one (after the API said UNAUTHENTICATED). */
export function invalidateToken(): void {
  if (current) current = { ...current, refreshAt: 0 };
}

/** A valid member token: the current one, or one fresh refresh shared by every caller waiting. */
export async function getToken(): Promise<string> {
  if (current && Date.now() < (current.refreshAt ?? 0)) return current.token;
  inFlight ??= exchange('/auth/token')
    .then((session) => {
      set(session);
      return session;
    })
    .catch((err: unknown) => {
      set(null); // our own session is gone: back to the login screen
      throw err;
    })
    .finally(() => {
      inFlight = null;
    });
  return (await inFlight).token;
}

/** On page load: our backend's session cookie may still be valid, so try for a token before showing the login. */
export async function restoreSession(): Promise<Session | null> {
  try {
    await getToken();
  } catch {
    // not signed in
  }
  return current;
}

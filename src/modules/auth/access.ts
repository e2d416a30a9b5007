import type { Context } from '../../graphql/context';
import { forbidden } from '../../graphql/errors';
import type { NetworkRole } from '../members/member.entity';
import { ApiKeyScope } from './api-key.entity';

/**
 * Who may do something: API keys need every listed scope; member tokens need one of the listed roles.
 * Leaving a side out denies it (e.g. no `roles` → member tokens may not).
 */
export interface AccessRule {
  apiKey?: readonly ApiKeyScope[];
  roles?: readonly NetworkRole[];
}

export function isAllowed(ctx: Pick<Context, 'principal'>, rule: AccessRule): boolean {
  const p = ctx.principal;
  if (p.kind === 'API_KEY') return !!rule.apiKey && rule.apiKey.every((s) => p.scopes.has(s));
  return !!rule.roles && rule.roles.includes(p.role);
}

/** Throws FORBIDDEN, saying what is missing, unless the caller satisfies the rule. */
export function authorize(ctx: Pick<Context, 'principal'>, rule: AccessRule): void {
  if (isAllowed(ctx, rule)) return;
  const p = ctx.principal;
  if (p.kind === 'API_KEY') {
    if (!rule.apiKey) throw forbidden('API keys may not do this; use a member token');
    const missing = rule.apiKey.filter((s) => !p.scopes.has(s));
    throw forbidden(`This API key lacks the scope${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  }
  throw forbidden(
    rule.roles ? `This needs the role ${rule.roles.join(' or ')}; you are ${p.role}` : 'Member tokens may not do this; use an API key',
  );
}

/**
 * Reads the network's own settings (`network`, `viewer.network`): every credential except a key that only issues
 * member tokens (a partner's token backend reads and writes nothing with the key itself).
 */
export function authorizeNetworkRead(ctx: Pick<Context, 'principal'>): void {
  const p = ctx.principal;
  if (p.kind === 'API_KEY' && [...p.scopes].every((s) => s === ApiKeyScope.ISSUE_MEMBER_TOKENS)) {
    throw forbidden('This API key only issues member tokens; it reads nothing itself');
  }
}

/** True when the caller is this member (through a member token). */
export function isSelf(ctx: Pick<Context, 'principal'>, memberId: string): boolean {
  return ctx.principal.kind === 'MEMBER' && ctx.principal.memberId === memberId;
}

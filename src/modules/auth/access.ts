import { forbidden } from '../../graphql/errors';
import type { Context } from '../../graphql/context';
import type { ApiKeyScope, NetworkRole } from '../../graphql/principal';

/**
 * Who may do something: API keys need every listed scope; member tokens need one of the listed roles.
 * Leaving a side out denies it (e.g. no `roles` → member tokens may not).
 */
export interface AccessRule {
  apiKey?: readonly ApiKeyScope[];
  /** API keys also need at least one of these (e.g. any scope that reads or writes). */
  apiKeyOneOf?: readonly ApiKeyScope[];
  roles?: readonly NetworkRole[];
}

export function isAllowed(ctx: Pick<Context, 'principal'>, rule: AccessRule): boolean {
  const p = ctx.principal;
  if (p.kind === 'API_KEY') {
    return !!rule.apiKey && rule.apiKey.every((s) => p.scopes.has(s)) && (!rule.apiKeyOneOf || rule.apiKeyOneOf.some((s) => p.scopes.has(s)));
  }
  return !!rule.roles && rule.roles.includes(p.role);
}

/** Throws FORBIDDEN, saying what is missing, unless the caller satisfies the rule. */
export function authorize(ctx: Pick<Context, 'principal'>, rule: AccessRule): void {
  if (isAllowed(ctx, rule)) return;
  const p = ctx.principal;
  if (p.kind === 'API_KEY') {
    if (!rule.apiKey) throw forbidden('API keys may not do this; use a member token');
    const missing = rule.apiKey.filter((s) => !p.scopes.has(s));
    if (missing.length === 0 && rule.apiKeyOneOf) throw forbidden(`This API key needs one of the scopes ${rule.apiKeyOneOf.join(', ')}`);
    throw forbidden(`This API key lacks the scope${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  }
  throw forbidden(rule.roles ? `This needs the role ${rule.roles.join(' or ')}; you are ${p.role}` : 'Member tokens may not do this; use an API key');
}

/** True when the caller is this member (through a member token). */
export function isSelf(ctx: Pick<Context, 'principal'>, memberId: string): boolean {
  return ctx.principal.kind === 'MEMBER' && ctx.principal.memberId === memberId;
}

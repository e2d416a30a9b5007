import type { NetworkRole } from '../members/member.entity';
import type { ApiKeyScope } from './api-key.entity';

/** Who is calling: an integrator's API key, or one member through a member token. */
export type Principal =
  | { readonly kind: 'API_KEY'; readonly apiKeyId: string; readonly scopes: ReadonlySet<ApiKeyScope> }
  | { readonly kind: 'MEMBER'; readonly memberId: string; readonly role: NetworkRole };

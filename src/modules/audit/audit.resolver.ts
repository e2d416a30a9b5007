import { Args, Ctx, Query, Resolver } from 'type-graphql';
import { connectionType, ConnectionArgs } from '../../graphql/connection';
import type { Context } from '../../graphql/context';
import { registerNodeType } from '../../graphql/node';
import { authorize, isAllowed, type AccessRule } from '../auth/access';
import { ApiKeyScope } from '../auth/api-key.entity';
import { NetworkRole } from '../members/member.entity';
import { AuditEntry } from './audit.entity';
import { listAuditLog } from './audit.service';

export const AuditEntryConnection = connectionType(AuditEntry, 'AuditEntry');

/** Reading the audit log: ADMIN member tokens, API keys with ADMIN. */
export const READ_AUDIT: AccessRule = { apiKey: [ApiKeyScope.ADMIN], roles: [NetworkRole.ADMIN] };

registerNodeType('AuditEntry', async (ctx, ids) => {
  if (!isAllowed(ctx, READ_AUDIT)) return ids.map(() => null);
  const found = await ctx.loaders.byId(AuditEntry).loadMany(ids);
  return found.map((e) => (e instanceof AuditEntry ? e : null));
});

@Resolver(() => AuditEntry)
export class AuditResolver {
  @Query(() => AuditEntryConnection, {
    description:
      "The network's audit log, newest first: administrative changes made by the network, and partners' changes to partnerships with it. ADMIN member tokens, API keys with ADMIN.",
  })
  async auditLog(@Args() args: ConnectionArgs, @Ctx() ctx: Context) {
    authorize(ctx, READ_AUDIT);
    return listAuditLog(ctx, args);
  }
}

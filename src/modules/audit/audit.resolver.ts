import { Args, Ctx, Query, Resolver } from 'type-graphql';
import { connectionType, ConnectionArgs } from '../../graphql/connection';
import { registerNodeType } from '../../graphql/node';
import { isAllowed } from '../auth/access';
import { Allow } from '../auth/allow';
import { administerNetwork } from '../auth/rules';
import { AuditEntry } from './audit.entity';
import { listAuditLog } from './audit.service';
import type { Context } from '../../graphql/context';

export const AuditEntryConnection = connectionType(AuditEntry, 'AuditEntry');

registerNodeType('AuditEntry', async (ctx, ids) => {
  if (!isAllowed(ctx, administerNetwork)) return ids.map(() => null);
  const found = await ctx.loaders.byId(AuditEntry).loadMany(ids);
  return found.map((e) => (e instanceof AuditEntry ? e : null));
});

@Resolver(() => AuditEntry)
export class AuditResolver {
  @Allow(administerNetwork)
  @Query(() => AuditEntryConnection, {
    description:
      "The network's audit log, newest first: administrative changes made by the network, and partners' changes to partnerships with it. ADMIN member tokens, API keys with ADMIN.",
  })
  async auditLog(@Args() args: ConnectionArgs, @Ctx() ctx: Context) {
    return listAuditLog(ctx, args);
  }
}

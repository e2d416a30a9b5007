import { Args, Ctx, Query, Resolver } from 'type-graphql';
import { connectionType, ConnectionArgs } from '../../graphql/connection';
import { registerNodeType } from '../../graphql/node';
import { isAllowed } from '../auth/access';
import { Allow } from '../auth/allow';
import { administerNetwork, membersActingForThemselves } from '../auth/rules';
import { AccessLogEntryConnection } from './access-log';
import { AuditEntry } from './audit.entity';
import { AuditLogArgs } from './audit.inputs';
import { listAuditLog, listMyAccessLog } from './audit.service';
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
      "The network's audit log, newest first: administrative changes made by the network, partners' changes to partnerships with it, and one `personal_data.read` entry per operation that read members' personal data (details: operation, fields, subjectCount, requestId). Filter by action, actor, subject member and time. ADMIN member tokens, API keys with ADMIN.",
  })
  async auditLog(@Args() args: AuditLogArgs, @Ctx() ctx: Context) {
    return listAuditLog(ctx, args);
  }

  @Allow(membersActingForThemselves)
  @Query(() => AccessLogEntryConnection, {
    description:
      "Who read the caller's personal data (attendance, RSVPs, email, comments, gratitude notes, outreach, drift, exports), newest first: one entry per operation, naming readers only by network role or API key name. Member tokens only.",
  })
  async myAccessLog(@Args() args: ConnectionArgs, @Ctx() ctx: Context) {
    return listMyAccessLog(ctx, ctx.viewerMemberId!, args);
  }
}

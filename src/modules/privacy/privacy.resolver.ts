import { GraphQLJSON } from 'graphql-scalars';
import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { notFound } from '../../graphql/errors';
import { idArgument } from '../../graphql/global-id';
import { recordSensitiveRead } from '../audit/read-audit';
import { Allow } from '../auth/allow';
import { exportMembersData, exportOwnData } from '../auth/rules';
import { exportMember } from './export.service';
import type { Context } from '../../graphql/context';

@Resolver()
export class PrivacyResolver {
  @Allow(exportOwnData)
  @Query(() => GraphQLJSON, {
    description:
      'Everything the network holds about the viewer, wellbeing check-ins included, as one JSON document (format `peer-networks-member-export`, version 1; schema/member-export.schema.json). Nothing of any other member. Member tokens only.',
  })
  exportMyData(@Ctx() ctx: Context) {
    return exportMember(ctx, ctx.viewerMemberId!, 'SELF');
  }

  @Allow(exportMembersData)
  @Query(() => GraphQLJSON, {
    description:
      "Everything the network holds about a member, as `exportMyData` gives it but without wellbeing values (only their count: no one but the member sees them). NOT_FOUND for an unknown ID or another network's member. ADMIN member tokens; API keys with ADMIN and PERSONAL_DATA.",
  })
  async exportMemberData(@Arg('memberId', () => ID, { description: 'The member to export.' }) memberId: string, @Ctx() ctx: Context) {
    const id = idArgument('memberId', memberId, 'Member');
    if (!id) throw notFound('Member');
    const document = await exportMember(ctx, id, 'ADMIN');
    // An export of someone else's data is a read of personal data: one audit entry (myAccessLog shows it to them).
    recordSensitiveRead(ctx, 'Query.exportMemberData', [id]);
    return document;
  }
}

import { GraphQLJSON } from 'graphql-scalars';
import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { Allow } from '../auth/allow';
import { exportMembersData, exportOwnData } from '../auth/rules';
import { EXPORT_VERSION, exportMember, exportRequest } from './export.service';
import type { Context } from '../../graphql/context';

@Resolver()
export class PrivacyResolver {
  @Allow(exportOwnData)
  @Query(() => GraphQLJSON, {
    description: `Everything the network holds about the viewer, wellbeing check-ins included, as one JSON document (format \`peer-networks-member-export\`, version ${EXPORT_VERSION}; schema/member-export.schema.json). Nothing of any other member. The same document streams as a download from \`GET /exports/me\`, for exports too large for one answer. Member tokens only.`,
  })
  async exportMyData(@Ctx() ctx: Context) {
    const { memberId, audience } = exportRequest(ctx, null);
    return exportMember(ctx, memberId, audience);
  }

  @Allow(exportMembersData)
  @Query(() => GraphQLJSON, {
    description:
      "Everything the network holds about a member, as `exportMyData` gives it but without wellbeing values (only their count: no one but the member sees them); streamed as a download from `GET /exports/members/<memberId>`. Written to the audit log as a read of the member's data. NOT_FOUND for an unknown ID or another network's member. ADMIN member tokens; API keys with ADMIN and PERSONAL_DATA.",
  })
  async exportMemberData(@Arg('memberId', () => ID, { description: 'The member to export.' }) memberId: string, @Ctx() ctx: Context) {
    const { memberId: id, audience } = exportRequest(ctx, memberId);
    return exportMember(ctx, id, audience);
  }
}

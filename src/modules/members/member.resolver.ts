import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { connectionType } from '../../graphql/connection';
import type { Context } from '../../graphql/context';
import { idArgument } from '../../graphql/global-id';
import { registerNodeType } from '../../graphql/node';
import { authorize, isAllowed, isSelf, type AccessRule } from '../auth/access';
import { ApiKeyScope } from '../auth/api-key.entity';
import { Member, NetworkRole } from './member.entity';
import { CreateMemberInput, MembersArgs, UpdateMemberInput } from './member.inputs';
import * as members from './member.service';

export const MemberConnection = connectionType(Member, 'Member');

/** Who sees the network's member directory: coordinators and admins, and keys allowed personal data. */
const DIRECTORY: AccessRule = {
  apiKey: [ApiKeyScope.READ, ApiKeyScope.PERSONAL_DATA],
  roles: [NetworkRole.ADMIN, NetworkRole.COORDINATOR],
};
/** Who sees emails (besides the member): admins and keys allowed personal data. */
const EMAILS: AccessRule = { apiKey: [ApiKeyScope.PERSONAL_DATA], roles: [NetworkRole.ADMIN] };
/** Who sees whether a member asked not to be contacted (besides the member): those who run the network and organise outreach. */
const CONTACT_WISH: AccessRule = { apiKey: [ApiKeyScope.PERSONAL_DATA], roles: [NetworkRole.ADMIN, NetworkRole.COORDINATOR] };
/** Who sees a member's external id (besides the member): admins and keys that read. */
const EXTERNAL_IDS: AccessRule = { apiKey: [ApiKeyScope.READ], roles: [NetworkRole.ADMIN] };
/** Who sets external ids: partners' backends (API keys with WRITE), never member tokens. */
const SET_EXTERNAL_IDS: AccessRule = { apiKey: [ApiKeyScope.WRITE] };
const ADMINS: AccessRule = { apiKey: [ApiKeyScope.WRITE, ApiKeyScope.ADMIN], roles: [NetworkRole.ADMIN] };

const canSeeMember = (ctx: Context, id: string) => isSelf(ctx, id) || isAllowed(ctx, DIRECTORY);

registerNodeType('Member', async (ctx, ids) => {
  const found = await ctx.loaders.byId(Member).loadMany(ids);
  return found.map((m, i) => (m instanceof Member && canSeeMember(ctx, ids[i]) ? m : null));
});

@Resolver(() => Member)
export class MemberResolver {
  @Query(() => MemberConnection, { description: 'Members of the network, by display name. Coordinators, admins, and API keys with READ and PERSONAL_DATA.' })
  async members(@Args() args: MembersArgs, @Ctx() ctx: Context) {
    authorize(ctx, DIRECTORY);
    return members.listMembers(ctx.manager, ctx.networkId, args);
  }

  @Query(() => Member, {
    nullable: true,
    description:
      "The member with this `externalId` (a partner's own id for the user), or null. For those who see the member directory (coordinators, admins, API keys with READ and PERSONAL_DATA) and the member themself.",
  })
  async member(@Arg('externalId', { description: "The partner's own id for the member." }) externalId: string, @Ctx() ctx: Context): Promise<Member | null> {
    // Keys need the directory's scopes; a member token sees only itself unless it sees the directory.
    if (ctx.principal.kind === 'API_KEY') authorize(ctx, DIRECTORY);
    const found = await members.findMemberByExternalId(ctx.manager, ctx.networkId, externalId).catch(() => null);
    return found && canSeeMember(ctx, found.id) ? found : null;
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      "A partner's own id for the member (unique in the network), set by API keys with WRITE (`createMember`, `updateMember`). Shown to the member, ADMINs and API keys with READ; null for everyone else.",
  })
  externalId(@Root() member: Member, @Ctx() ctx: Context): string | null {
    return isSelf(ctx, member.id) || isAllowed(ctx, EXTERNAL_IDS) ? (member.externalId ?? null) : null;
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'Email address: shown to the member, to ADMINs and to API keys with PERSONAL_DATA; null for everyone else.',
  })
  email(@Root() member: Member, @Ctx() ctx: Context): string | null {
    return isSelf(ctx, member.id) || isAllowed(ctx, EMAILS) ? member.email : null;
  }

  @FieldResolver(() => Boolean, {
    nullable: true,
    description:
      'True when the member asked not to be reached out to: they are left out of `driftingMembers`. Set by the member with `updateMember`. Shown to the member, coordinators, ADMINs and API keys with PERSONAL_DATA; null for everyone else.',
  })
  async doNotContact(@Root() member: Member, @Ctx() ctx: Context): Promise<boolean | null> {
    if (!isSelf(ctx, member.id) && !isAllowed(ctx, CONTACT_WISH)) return null;
    // Members read along with other lists (e.g. memberships) may carry only their public columns.
    return member.doNotContact ?? (await ctx.loaders.byId(Member).load(member.id))?.doNotContact ?? null;
  }

  @Mutation(() => Member, { description: 'Adds a member to the network. Coordinators, admins, API keys with WRITE; a role other than MEMBER needs ADMIN.' })
  async createMember(@Arg('input', () => CreateMemberInput, { description: 'The new member.' }) input: CreateMemberInput, @Ctx() ctx: Context) {
    authorize(ctx, { apiKey: [ApiKeyScope.WRITE], roles: [NetworkRole.ADMIN, NetworkRole.COORDINATOR] });
    if (input.role && input.role !== NetworkRole.MEMBER) authorize(ctx, ADMINS);
    if (input.externalId != null) authorize(ctx, SET_EXTERNAL_IDS);
    return members.createMember(ctx.manager, ctx.networkId, input);
  }

  @Mutation(() => Member, { description: "Changes a member's profile (display name, email, the do-not-contact wish). The member themself, admins, API keys with WRITE." })
  async updateMember(
    @Arg('id', () => ID, { description: 'The member to change.' }) id: string,
    @Arg('input', () => UpdateMemberInput, { description: 'The changes.' }) input: UpdateMemberInput,
    @Ctx() ctx: Context,
  ) {
    const member = await members.findMember(ctx.manager, ctx.networkId, idArgument('id', id, 'Member'));
    if (!isSelf(ctx, member.id)) authorize(ctx, { apiKey: [ApiKeyScope.WRITE], roles: [NetworkRole.ADMIN] });
    if (input.externalId != null) authorize(ctx, SET_EXTERNAL_IDS);
    return members.updateMember(ctx.manager, member, input);
  }

  @Mutation(() => Member, { description: "Sets a member's network role. Admins and API keys with WRITE and ADMIN. The last ADMIN cannot be demoted (CONFLICT)." })
  async setMemberRole(
    @Arg('memberId', () => ID, { description: 'The member whose role changes.' }) memberId: string,
    @Arg('role', () => NetworkRole, { description: 'The new role.' }) role: NetworkRole,
    @Ctx() ctx: Context,
  ) {
    authorize(ctx, ADMINS);
    const member = await members.findMember(ctx.manager, ctx.networkId, idArgument('memberId', memberId, 'Member'));
    return members.setMemberRole(ctx.manager, member, role);
  }
}

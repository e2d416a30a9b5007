import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { connectionType } from '../../graphql/connection';
import { idArgument } from '../../graphql/global-id';
import { registerNodeType } from '../../graphql/node';
import { NetworkRole } from '../../graphql/principal';
import { recordSensitiveRead } from '../audit/read-audit';
import { authorize, isAllowed, isSelf } from '../auth/access';
import { Allow } from '../auth/allow';
import {
  changeNetworkAsAdmin,
  editAnyProfile,
  organiseNetwork,
  readContactWishes,
  readEmails,
  readExternalIds,
  readMemberDirectory,
  readPersonalData,
  setExternalIds,
  writeGroupsAndProfiles,
} from '../auth/rules';
import { Member } from './member.entity';
import { CreateMemberInput, MembersArgs, UpdateMemberInput } from './member.inputs';
import * as members from './member.service';
import type { Context } from '../../graphql/context';

export const MemberConnection = connectionType(Member, 'Member');

const canSeeMember = (ctx: Context, id: string) => isSelf(ctx, id) || isAllowed(ctx, readMemberDirectory);

registerNodeType('Member', async (ctx, ids) => {
  const found = await ctx.loaders.byId(Member).loadMany(ids);
  return found.map((m, i) => (m instanceof Member && canSeeMember(ctx, ids[i]) ? m : null));
});

@Resolver(() => Member)
export class MemberResolver {
  @Allow(readMemberDirectory)
  @Query(() => MemberConnection, { description: 'Members of the network, by display name. Coordinators, admins, and API keys with READ and PERSONAL_DATA.' })
  async members(@Args() args: MembersArgs, @Ctx() ctx: Context) {
    return members.listMembers(ctx, args);
  }

  // Keys need the directory's scopes; a member token sees only itself unless it sees the directory (below).
  @Allow(readPersonalData)
  @Query(() => Member, {
    nullable: true,
    description:
      "The member with this `externalId` (a partner's own id for the user), or null. For those who see the member directory (coordinators, admins, API keys with READ and PERSONAL_DATA) and the member themself.",
  })
  async member(@Arg('externalId', { description: "The partner's own id for the member." }) externalId: string, @Ctx() ctx: Context): Promise<Member | null> {
    const found = await members.findMemberByExternalId(ctx, externalId).catch(() => null);
    return found && canSeeMember(ctx, found.id) ? found : null;
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      "A partner's own id for the member (unique in the network), set by API keys with WRITE (`createMember`, `updateMember`). Shown to the member, ADMINs and API keys with READ; null for everyone else.",
  })
  externalId(@Root() member: Member, @Ctx() ctx: Context): string | null {
    return isSelf(ctx, member.id) || isAllowed(ctx, readExternalIds) ? (member.externalId ?? null) : null;
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'Email address: shown to the member, to ADMINs and to API keys with PERSONAL_DATA; null for everyone else.',
  })
  email(@Root() member: Member, @Ctx() ctx: Context): string | null {
    if (isSelf(ctx, member.id)) return member.email;
    if (!isAllowed(ctx, readEmails)) return null;
    if (member.email != null) recordSensitiveRead(ctx, 'Member.email', [member.id]);
    return member.email;
  }

  @FieldResolver(() => Boolean, {
    nullable: true,
    description:
      'True when the member asked not to be reached out to: they are left out of `driftingMembers`. Set by the member with `updateMember`. Shown to the member, coordinators, ADMINs and API keys with PERSONAL_DATA; null for everyone else.',
  })
  async doNotContact(@Root() member: Member, @Ctx() ctx: Context): Promise<boolean | null> {
    if (!isSelf(ctx, member.id) && !isAllowed(ctx, readContactWishes)) return null;
    // Members read along with other lists (e.g. memberships) may carry only their public columns.
    return member.doNotContact ?? (await ctx.loaders.byId(Member).load(member.id))?.doNotContact ?? null;
  }

  // A role other than MEMBER needs changeNetworkAsAdmin too; an external id, setExternalIds.
  @Allow(organiseNetwork)
  @Mutation(() => Member, { description: 'Adds a member to the network. Coordinators, admins, API keys with WRITE; a role other than MEMBER needs ADMIN.' })
  async createMember(@Arg('input', () => CreateMemberInput, { description: 'The new member.' }) input: CreateMemberInput, @Ctx() ctx: Context) {
    if (input.role && input.role !== NetworkRole.MEMBER) authorize(ctx, changeNetworkAsAdmin);
    if (input.externalId != null) authorize(ctx, setExternalIds);
    return members.createMember(ctx, input);
  }

  // Members may change their own profile; someone else's needs editAnyProfile, an external id setExternalIds.
  @Allow(writeGroupsAndProfiles)
  @Mutation(() => Member, {
    description: "Changes a member's profile (display name, email, the do-not-contact wish). The member themself, admins, API keys with WRITE.",
  })
  async updateMember(
    @Arg('id', () => ID, { description: 'The member to change.' }) id: string,
    @Arg('input', () => UpdateMemberInput, { description: 'The changes.' }) input: UpdateMemberInput,
    @Ctx() ctx: Context,
  ) {
    const member = await members.findMember(ctx, idArgument('id', id, 'Member'));
    if (!isSelf(ctx, member.id)) authorize(ctx, editAnyProfile);
    if (input.externalId != null) authorize(ctx, setExternalIds);
    return members.updateMember(ctx, member, input);
  }

  @Allow(changeNetworkAsAdmin)
  @Mutation(() => Member, {
    description: "Sets a member's network role. Admins and API keys with WRITE and ADMIN. The last ADMIN cannot be demoted (CONFLICT).",
  })
  async setMemberRole(
    @Arg('memberId', () => ID, { description: 'The member whose role changes.' }) memberId: string,
    @Arg('role', () => NetworkRole, { description: 'The new role.' }) role: NetworkRole,
    @Ctx() ctx: Context,
  ) {
    const member = await members.findMember(ctx, idArgument('memberId', memberId, 'Member'));
    return members.setMemberRole(ctx, member, role);
  }
}

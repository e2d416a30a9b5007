import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { connectionType, ConnectionArgs } from '../../graphql/connection';
import { forbidden } from '../../graphql/errors';
import { idArgument } from '../../graphql/global-id';
import { registerNodeType } from '../../graphql/node';
import { liveSubscription } from '../../realtime/subscriptions';
import { authorize, isAllowed } from '../auth/access';
import { Allow } from '../auth/allow';
import { changeNetworkAsAdmin, membersActingForThemselves, readGroups } from '../auth/rules';
import { Member } from '../members/member.entity';
import { Network } from '../networks/network.entity';
import { loadNetwork } from '../networks/network.loader';
import { SharedGroup } from '../partnerships/partnership.entity';
import { CreateJointEventInput, JointEvent, JointEventParticipant, JointEventRegistration, JointEventsArgs, NetworkCount } from './joint-event.entity';
import * as service from './joint-event.service';
import type { Context } from '../../graphql/context';
import type { TopicPayload } from '../../realtime/topics';

export const JointEventConnection = connectionType(JointEvent, 'JointEvent');
export const JointEventRegistrationConnection = connectionType(JointEventRegistration, 'JointEventRegistration');

registerNodeType('JointEvent', async (ctx, ids) => {
  if (!isAllowed(ctx, readGroups)) return ids.map(() => null);
  const found = await service.jointEventLoader(ctx).loadMany(ids);
  return found.map((e) => (e instanceof JointEvent ? e : null));
});

registerNodeType('JointEventRegistration', (ctx, ids) => service.loadOwnRegistrations(ctx, ids));

/**
 * Who may follow a joint event live: whoever may read it (any member, API keys with READ, of a network
 * taking part), while the network still takes part (see followsJointEvent). The event's database id.
 */
const jointEventLive = liveSubscription('jointEventChanged', 'jointEventId', async (ctx, jointEventId) => {
  authorize(ctx, readGroups);
  const event = await service.findVisibleJointEvent(ctx, idArgument('jointEventId', jointEventId, 'JointEvent'));
  if (!(await service.followsJointEvent(ctx, event))) throw forbidden('Your network no longer takes part in this joint event');
  return event.id;
});

@Resolver(() => JointEvent)
export class JointEventResolver {
  @Allow(readGroups)
  @Subscription(() => JointEvent, {
    description:
      "The joint event changed: invitations and answers, registrations, cancellation, a partner's withdrawal. Every network taking part gets it, each with its own view (its own registrations in detail, the others' as counts). Any member, API keys with READ; another network's event: NOT_FOUND; a network that declined or was withdrawn no longer sees the event (NOT_FOUND, like another network's), one whose partnership with the host was revoked stops receiving (FORBIDDEN when subscribing).",
    subscribe: jointEventLive.subscribe,
  })
  jointEventChanged(
    @Arg('jointEventId', () => ID, { description: 'The joint event to follow.' }) jointEventId: string,
    @Root() _event: TopicPayload<'jointEventChanged'>,
    @Ctx() ctx: Context,
  ): Promise<JointEvent> {
    return jointEventLive.deliver(ctx, jointEventId, (id) => service.findVisibleJointEvent(ctx, id));
  }

  @Allow(readGroups)
  @Query(() => JointEventConnection, {
    description:
      'Joint events your network hosts, is invited to or takes part in, soonest first; not those it declined or was withdrawn from (a revoked partnership). Any member; API keys with READ.',
  })
  jointEvents(@Args() args: JointEventsArgs, @Ctx() ctx: Context) {
    return service.listJointEvents(ctx, args);
  }

  @Allow(changeNetworkAsAdmin)
  @Mutation(() => JointEvent, {
    description:
      'Creates a joint event hosted by your network with some of its own groups; invite partner networks next. `startsAt` must be in the future and `endsAt` after it (else BAD_USER_INPUT). ADMIN member tokens, API keys with ADMIN and WRITE.',
  })
  createJointEvent(@Arg('input', () => CreateJointEventInput, { description: 'The event.' }) input: CreateJointEventInput, @Ctx() ctx: Context) {
    return service.createJointEvent(ctx, input);
  }

  @Allow(changeNetworkAsAdmin)
  @Mutation(() => JointEventParticipant, {
    description:
      'Invites a partner network to a joint event your network hosts; needs an ACTIVE partnership sharing JOINT_EVENTS. ADMIN member tokens, API keys with ADMIN and WRITE of the host.',
  })
  inviteToJointEvent(
    @Arg('jointEventId', () => ID, { description: 'The joint event.' }) jointEventId: string,
    @Arg('networkId', () => ID, { description: 'The partner network to invite.' }) networkId: string,
    @Ctx() ctx: Context,
  ) {
    return service.inviteToJointEvent(ctx, idArgument('jointEventId', jointEventId, 'JointEvent'), idArgument('networkId', networkId, 'Network'));
  }

  @Allow(changeNetworkAsAdmin)
  @Mutation(() => JointEventParticipant, {
    description:
      "Accepts (with some of your own network's groups) or declines an invitation to a joint event. Once declined, the event is no longer visible to your network. ADMIN member tokens, API keys with ADMIN and WRITE of the invited network.",
  })
  respondToJointEventInvitation(
    @Arg('jointEventId', () => ID, { description: 'The joint event.' }) jointEventId: string,
    @Arg('accept', { description: 'True to take part, false to decline.' }) accept: boolean,
    @Arg('groupIds', () => [ID], { nullable: true, description: "Your own network's groups taking part (at least one when accepting)." })
    groupIds: string[] | null,
    @Ctx() ctx: Context,
  ) {
    return service.respondToInvitation(ctx, idArgument('jointEventId', jointEventId, 'JointEvent'), accept, groupIds);
  }

  @Allow(membersActingForThemselves)
  @Mutation(() => JointEventRegistration, {
    description:
      "Registers you for a joint event: you must be an active member of one of your network's groups taking part, and there must be room over all networks. Member tokens only.",
  })
  registerForJointEvent(
    @Arg('jointEventId', () => ID, { description: 'The joint event.' }) jointEventId: string,
    @Arg('shareIdentity', { defaultValue: false, description: "Let the other networks' admins see your display name (never more)." })
    shareIdentity: boolean,
    @Ctx() ctx: Context,
  ) {
    return service.registerForJointEvent(ctx, idArgument('jointEventId', jointEventId, 'JointEvent'), shareIdentity);
  }

  @Allow(changeNetworkAsAdmin)
  @Mutation(() => JointEvent, {
    description: 'Cancels a SCHEDULED joint event your network hosts. ADMIN member tokens, API keys with ADMIN and WRITE.',
  })
  cancelJointEvent(@Arg('id', () => ID, { description: 'The joint event.' }) id: string, @Ctx() ctx: Context) {
    return service.cancelJointEvent(ctx, idArgument('id', id, 'JointEvent'));
  }

  @FieldResolver(() => Network, { description: 'The network hosting the event.' })
  host(@Root() e: JointEvent, @Ctx() ctx: Context): Promise<Network> {
    return loadNetwork(ctx, e.hostNetworkId);
  }

  @FieldResolver(() => [JointEventParticipant], {
    description:
      'Every network invited, with where it stands (the host first). The host sees them all; an invited network sees the event only while INVITED or ACCEPTED.',
  })
  participants(@Root() e: JointEvent, @Ctx() ctx: Context) {
    return service.participantsLoader(ctx).load(e.id);
  }

  @FieldResolver(() => [NetworkCount], { description: 'Registrations per participating network: counts only, for every party.' })
  registrationCounts(@Root() e: JointEvent, @Ctx() ctx: Context) {
    return service.countsLoader(ctx).load(e.id);
  }

  @FieldResolver(() => JointEventRegistrationConnection, {
    description:
      "Registrations you may name: your own network's (ADMIN/COORDINATOR and API keys with READ and PERSONAL_DATA: all of them; members: their own), plus, for the former, the display names of other networks' members who consented.",
  })
  registrations(@Root() e: JointEvent, @Args() args: ConnectionArgs, @Ctx() ctx: Context) {
    return service.listRegistrations(ctx, e, args);
  }

  @FieldResolver(() => JointEventRegistration, { nullable: true, description: 'Your own registration, if you are registered (member tokens).' })
  viewerRegistration(@Root() e: JointEvent, @Ctx() ctx: Context) {
    return service.viewerRegistrationLoader(ctx).load(e.id);
  }
}

@Resolver(() => JointEventParticipant)
export class JointEventParticipantResolver {
  @FieldResolver(() => Network, { description: 'The participating network.' })
  network(@Root() p: JointEventParticipant, @Ctx() ctx: Context): Promise<Network> {
    return loadNetwork(ctx, p.networkId);
  }

  @FieldResolver(() => [SharedGroup], { description: 'The groups this network brings (what they are about; no member data).' })
  groups(@Root() p: JointEventParticipant, @Ctx() ctx: Context) {
    return service.participantGroupsLoader(ctx).load(`${p.jointEventId}:${p.networkId}`);
  }
}

@Resolver(() => JointEventRegistration)
export class JointEventRegistrationResolver {
  @FieldResolver(() => JointEvent, { description: 'The joint event.' })
  async jointEvent(@Root() r: JointEventRegistration, @Ctx() ctx: Context): Promise<JointEvent> {
    return service.findVisibleJointEvent(ctx, r.jointEventId);
  }

  @FieldResolver(() => Member, { nullable: true, description: "The member: only for your own network's registrations." })
  member(@Root() r: JointEventRegistration, @Ctx() ctx: Context) {
    if (!r.memberId || r.networkId !== ctx.networkId) return null;
    return ctx.loaders.byId(Member).load(r.memberId);
  }

  @FieldResolver(() => Network, { description: "The registering member's network." })
  network(@Root() r: JointEventRegistration, @Ctx() ctx: Context): Promise<Network> {
    return loadNetwork(ctx, r.networkId);
  }
}

@Resolver(() => NetworkCount)
export class NetworkCountResolver {
  @FieldResolver(() => Network, { description: 'The network counted.' })
  network(@Root() c: NetworkCount, @Ctx() ctx: Context): Promise<Network> {
    return loadNetwork(ctx, c.networkId);
  }
}

import { Args, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { ConnectionArgs, connectionType, emptyConnection, loadNestedConnection } from '../../graphql/connection';
import { forbidden } from '../../graphql/errors';
import { idArgument } from '../../graphql/global-id';
import { registerNodeType } from '../../graphql/node';
import { recordListRead } from '../audit/read-audit';
import { Allow } from '../auth/allow';
import { membersActingForThemselves } from '../auth/rules';
import { isGroupMember } from '../groups/group.access';
import { Member } from '../members/member.entity';
import { canSeeSession, findVisibleSession } from '../sessions/session.access';
import { Session } from '../sessions/session.entity';
import { GratitudeNote } from './gratitude-note.entity';
import { AddGratitudeNoteArgs } from './gratitude.inputs';
import * as gratitude from './gratitude.service';
import type { Context } from '../../graphql/context';

export const GratitudeNoteConnection = connectionType(GratitudeNote, 'GratitudeNote');

async function canSeeNote(ctx: Context, note: GratitudeNote): Promise<boolean> {
  const session = await ctx.loaders.byId(Session).load(note.sessionId);
  return session != null && (await canSeeSession(ctx, session)) && gratitude.seesGratitude(ctx, session.groupId);
}

registerNodeType('GratitudeNote', async (ctx, ids) => {
  const found = await ctx.loaders.byId(GratitudeNote).loadMany(ids);
  return Promise.all(found.map(async (n) => (n instanceof GratitudeNote && (await canSeeNote(ctx, n)) ? n : null)));
});

@Resolver(() => GratitudeNote)
export class GratitudeResolver {
  @FieldResolver(() => Session, { description: 'The session the note was shared at.' })
  async session(@Root() note: GratitudeNote, @Ctx() ctx: Context): Promise<Session> {
    return (await ctx.loaders.byId(Session).load(note.sessionId))!;
  }

  @FieldResolver(() => Member, { nullable: true, description: 'Who shared it; null for anonymous notes (no author is stored).' })
  async author(@Root() note: GratitudeNote, @Ctx() ctx: Context): Promise<Member | null> {
    return note.authorMemberId == null ? null : ctx.loaders.byId(Member).load(note.authorMemberId);
  }

  @Allow(membersActingForThemselves)
  @Mutation(() => GratitudeNote, {
    description:
      "Shares a gratitude note at a LIVE or COMPLETED session (otherwise CONFLICT), optionally anonymously. Member tokens only; ACTIVE members of the session's group (otherwise FORBIDDEN).",
  })
  async addGratitudeNote(@Args() args: AddGratitudeNoteArgs, @Ctx() ctx: Context): Promise<GratitudeNote> {
    const { session, group } = await findVisibleSession(ctx, idArgument('sessionId', args.sessionId, 'Session'));
    if (!(await isGroupMember(ctx, group.id))) throw forbidden('Only ACTIVE members of the group can share gratitude notes');
    return gratitude.addNote(ctx, session, ctx.viewerMemberId!, args.text, args.anonymous === true);
  }
}

@Resolver(() => Session)
export class SessionGratitudeResolver {
  @FieldResolver(() => GratitudeNoteConnection, {
    description:
      "Gratitude notes shared at the session, in the order they were shared. Visible to the group's ACTIVE members, facilitators, coordinators, admins and API keys with READ and PERSONAL_DATA; empty for others.",
  })
  async gratitudeNotes(@Root() session: Session, @Args() args: ConnectionArgs, @Ctx() ctx: Context) {
    if (!(await gratitude.seesGratitude(ctx, session.groupId))) return emptyConnection<GratitudeNote>();
    const list = await loadNestedConnection(ctx, { spec: gratitude.gratitudeSpec(ctx.manager), parentId: session.id, args });
    // Anonymous notes have no author to name (and must stay unlinkable): only named authors are subjects.
    return recordListRead(ctx, 'Session.gratitudeNotes', list, (n) => n.authorMemberId);
  }
}

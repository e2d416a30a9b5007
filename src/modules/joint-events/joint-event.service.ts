import { randomUUID } from 'node:crypto';
import DataLoader from 'dataloader';
import { rowMapper, selectList } from '../../db/rows';
import { execute, queryEntities, queryMaybeOne, queryOne, queryRows, type Row } from '../../db/sql';
import {
  emptyConnection,
  exactTimeKey,
  loadNestedConnection,
  paginate,
  type Connection,
  type ConnectionArgs,
  type NestedConnectionSpec,
} from '../../graphql/connection';
import { badInput, conflict, forbidden, invalidArgument, notFound, type FieldError } from '../../graphql/errors';
import { idArgument, toGlobalId } from '../../graphql/global-id';
import { publishOnCommit } from '../../realtime/live';
import { audit, auditBothParties } from '../audit/audit.service';
import { isAllowed } from '../auth/access';
import { readMemberDirectory } from '../auth/rules';
import { activePartnershipSql, partnershipWith } from '../partnerships/partnership.access';
import {
  PartnershipScope,
  PartnershipStatus,
  SHARED_GROUP_COLUMNS,
  toSharedGroup,
  type SharedGroup,
  type SharedGroupRow,
} from '../partnerships/partnership.entity';
import { SessionStatus } from '../sessions/session.entity';
import { emitWebhookEvent } from '../webhooks/webhook.emit';
import { WebhookEventType } from '../webhooks/webhook.types';
import {
  JointEvent,
  JointEventParticipant,
  JointEventRegistration,
  NetworkCount,
  ParticipationStatus,
  type CreateJointEventInput,
  type JointEventsArgs,
} from './joint-event.entity';
import type { Context } from '../../graphql/context';
import type { EntityManager } from 'typeorm';

/**
 * Joint events. Every query says explicitly that the caller's network is a party (the host, or a participant
 * while INVITED or ACCEPTED: `JOINT_EVENT_PARTY_SQL`), and row-level security agrees. For a network that
 * declined or was withdrawn, the event is NOT_FOUND like any other network's. Registrations are read only for
 * the caller's own network; other networks' registrations only through `app_joint_event_counts` /
 * `app_joint_event_identities`.
 */

/**
 * Is the caller's network (`$1`) a party to joint event `e`: its host, or invited to it and not (yet) declined
 * or withdrawn? The same rule as `app_joint_event_party` (migrations/1764500000000-JointEventAccess.ts), which
 * row-level security and the counts/identities functions apply: a DECLINED or WITHDRAWN network sees nothing
 * of the event, as if never invited. Written out here so that the index on participants serves the lists.
 */
export const JOINT_EVENT_PARTY_SQL = `(e.host_network_id = $1 OR EXISTS (SELECT 1 FROM joint_event_participants pp
  WHERE pp.joint_event_id = e.id AND pp.network_id = $1 AND pp.status IN ('INVITED', 'ACCEPTED')))`;
const PARTY = JOINT_EVENT_PARTY_SQL;

const eventColumns = (manager: EntityManager): string => selectList(manager.connection, JointEvent, 'e');
const mapEvent = (manager: EntityManager) => rowMapper(manager.connection, JointEvent);
const mapParticipant = (manager: EntityManager) => rowMapper(manager.connection, JointEventParticipant);
/** A registration with the member's display name: `r` the registration, `m` the member. */
const REGISTRATION_COLUMNS = 'r.id, r.joint_event_id, r.network_id, r.member_id, m.display_name, r.registered_at';
/** A registration row with the member's `display_name` (not a column of the registration). */
type RegistrationRow = Row & { display_name: string | null };
function mapRegistration(manager: EntityManager): (r: RegistrationRow) => JointEventRegistration {
  const map = rowMapper(manager.connection, JointEventRegistration);
  return (r) => Object.assign(map(r), { displayName: r.display_name });
}

/**
 * The loaders below use only the transaction and the network (the party rule, row-level security), never the
 * viewer: in a live-update batch every subscriber of the network shares them (src/graphql/loaders.ts).
 */
const VIEWER_INDEPENDENT = { viewerIndependent: true };

/** May the caller see its own network's registrations by name (not only the viewer's own)? */
export const seesNetworkRegistrations = (ctx: Context): boolean => isAllowed(ctx, readMemberDirectory);

/** Joint events the caller's network is a party to, by id; null otherwise. */
export function jointEventLoader(ctx: Context): DataLoader<string, JointEvent | null> {
  return ctx.loaders.keyed(
    'joint-events-by-id',
    (manager, networkId) => {
      return new DataLoader<string, JointEvent | null>(async (ids) => {
        const events = await queryEntities(manager, JointEvent, `SELECT ${eventColumns(manager)} FROM joint_events e WHERE e.id = ANY($2) AND ${PARTY}`, [
          networkId,
          ids,
        ]);
        const byId = new Map(events.map((e) => [e.id, e]));
        return ids.map((id) => byId.get(id) ?? null);
      });
    },
    VIEWER_INDEPENDENT,
  );
}

export async function findVisibleJointEvent(ctx: Context, id: string | undefined): Promise<JointEvent> {
  const event = id ? await jointEventLoader(ctx).load(id) : null;
  if (!event) throw notFound('JointEvent');
  return event;
}

/** Participants of each event (host included), the host first. */
export function participantsLoader(ctx: Context): DataLoader<string, JointEventParticipant[]> {
  return ctx.loaders.keyed(
    'joint-event-participants',
    (manager, networkId) => {
      return new DataLoader<string, JointEventParticipant[]>(async (ids) => {
        const participants = await queryEntities(
          manager,
          JointEventParticipant,
          `SELECT p.joint_event_id, p.network_id, p.status, p.responded_at FROM joint_event_participants p
         JOIN joint_events e ON e.id = p.joint_event_id
         WHERE p.joint_event_id = ANY($2) AND ${PARTY}
         ORDER BY (p.network_id = e.host_network_id) DESC, p.invited_at, p.network_id`,
          [networkId, ids],
        );
        const out = new Map<string, JointEventParticipant[]>(ids.map((id) => [id, []]));
        for (const p of participants) out.get(p.jointEventId)!.push(p);
        return ids.map((id) => out.get(id)!);
      });
    },
    VIEWER_INDEPENDENT,
  );
}

/** The groups each participant brings, keyed `event:network`. */
export function participantGroupsLoader(ctx: Context): DataLoader<string, SharedGroup[]> {
  return ctx.loaders.keyed(
    'joint-event-groups',
    (manager, networkId) => {
      return new DataLoader<string, SharedGroup[]>(async (keys) => {
        const eventIds = [...new Set(keys.map((k) => k.split(':')[0]))];
        const rows = await queryRows<SharedGroupRow & { joint_event_id: string }>(
          manager,
          `SELECT jg.joint_event_id, ${SHARED_GROUP_COLUMNS}
         FROM joint_event_groups jg
         JOIN joint_events e ON e.id = jg.joint_event_id
         JOIN groups g ON g.network_id = jg.network_id AND g.id = jg.group_id
         WHERE jg.joint_event_id = ANY($2) AND ${PARTY}
         ORDER BY g.name, g.id`,
          [networkId, eventIds],
        );
        const out = new Map<string, SharedGroup[]>();
        for (const r of rows) {
          const key = `${r.joint_event_id}:${r.network_id}`;
          const list = out.get(key) ?? [];
          list.push(toSharedGroup(r));
          out.set(key, list);
        }
        return keys.map((k) => out.get(k) ?? []);
      });
    },
    VIEWER_INDEPENDENT,
  );
}

/** Registrations per participating network (counts only), for any party. */
export function countsLoader(ctx: Context): DataLoader<string, NetworkCount[]> {
  return ctx.loaders.keyed(
    'joint-event-counts',
    (manager) => {
      return new DataLoader<string, NetworkCount[]>(async (ids) => {
        const rows = await queryRows<{ joint_event_id: string; network_id: string; count: number }>(
          manager,
          `SELECT e.id AS joint_event_id, c.network_id, c.count
         FROM unnest($1::uuid[]) AS e(id) CROSS JOIN LATERAL app_joint_event_counts(e.id) c
         ORDER BY c.network_id`,
          [ids],
        );
        const out = new Map<string, NetworkCount[]>(ids.map((id) => [id, []]));
        for (const r of rows) {
          out.get(r.joint_event_id)!.push(Object.assign(new NetworkCount(), { networkId: r.network_id, count: r.count }));
        }
        return ids.map((id) => out.get(id)!);
      });
    },
    VIEWER_INDEPENDENT,
  );
}

/** The viewer's own active registration for each event (member tokens only). */
export function viewerRegistrationLoader(ctx: Context): DataLoader<string, JointEventRegistration | null> {
  return ctx.loaders.keyed('joint-event-viewer-registration', (manager, networkId) => {
    return new DataLoader<string, JointEventRegistration | null>(async (ids) => {
      if (ctx.principal.kind !== 'MEMBER') return ids.map(() => null);
      const registrations = (
        await queryRows<RegistrationRow>(
          manager,
          `SELECT ${REGISTRATION_COLUMNS}
         FROM joint_event_registrations r JOIN members m ON m.network_id = r.network_id AND m.id = r.member_id
         WHERE r.network_id = $1 AND r.member_id = $2 AND r.joint_event_id = ANY($3) AND r.cancelled_at IS NULL`,
          [networkId, ctx.principal.memberId, ids],
        )
      ).map(mapRegistration(manager));
      const byEvent = new Map(registrations.map((r) => [r.jointEventId, r]));
      return ids.map((id) => byEvent.get(id) ?? null);
    });
  });
}

/** Own-network registrations by id, for `node`: visible to the member themself, managers, READ+PERSONAL_DATA keys. */
export async function loadOwnRegistrations(ctx: Context, ids: readonly string[]): Promise<Array<JointEventRegistration | null>> {
  const registrations = (
    await queryRows<RegistrationRow>(
      ctx.manager,
      `SELECT ${REGISTRATION_COLUMNS}
     FROM joint_event_registrations r JOIN members m ON m.network_id = r.network_id AND m.id = r.member_id
     WHERE r.network_id = $1 AND r.id = ANY($2)`,
      [ctx.networkId, ids],
    )
  ).map(mapRegistration(ctx.manager));
  const byId = new Map(registrations.map((r) => [r.id, r]));
  const all = seesNetworkRegistrations(ctx);
  return ids.map((id) => {
    const r = byId.get(id);
    if (!r) return null;
    return all || (ctx.principal.kind === 'MEMBER' && ctx.principal.memberId === r.memberId) ? r : null;
  });
}

/**
 * `JointEvent.registrations` for many events in one statement: the caller's own network's registrations
 * (the member's own only, for plain members) and, for those who see their network's, other networks'
 * consenting members by display name (`app_joint_event_identities`, a function: never the rows).
 */
const registrationSpecs = new Map<boolean, NestedConnectionSpec<JointEventRegistration, RegistrationRow>>();
function registrationSpec(manager: EntityManager, withIdentities: boolean): NestedConnectionSpec<JointEventRegistration, RegistrationRow> {
  let spec = registrationSpecs.get(withIdentities);
  if (!spec) {
    const map = mapRegistration(manager);
    const registered = exactTimeKey('x.registered_at');
    const identities = withIdentities
      ? `UNION ALL SELECT i.registration_id, parent.id, i.network_id, NULL::uuid, i.display_name, i.registered_at
         FROM app_joint_event_identities(parent.id) i`
      : '';
    spec = {
      tag: 'joint-event-registrations',
      from: `(SELECT ${REGISTRATION_COLUMNS}
              FROM joint_event_registrations r JOIN members m ON m.network_id = r.network_id AND m.id = r.member_id
              WHERE r.network_id = $1 AND r.joint_event_id = parent.id AND r.cancelled_at IS NULL
              ${identities}) x`,
      alias: 'x',
      fromChecksNetwork: true,
      select: `x.*, ${registered.select}`,
      parent: 'x.joint_event_id',
      ownerColumn: 'x.member_id',
      sort: [registered.sort, { sql: 'x.id', value: (r) => r.id }],
      map: (row) => registered.keep(map(row), row),
    };
    registrationSpecs.set(withIdentities, spec);
  }
  return spec;
}

export function listRegistrations(ctx: Context, event: JointEvent, args: ConnectionArgs): Promise<Connection<JointEventRegistration>> {
  const all = seesNetworkRegistrations(ctx);
  if (!all && ctx.principal.kind !== 'MEMBER') return Promise.resolve(emptyConnection<JointEventRegistration>());
  return loadNestedConnection(ctx, { spec: registrationSpec(ctx.manager, all), parentId: event.id, args, ownRowsOnly: !all });
}

export function listJointEvents(ctx: Context, args: JointEventsArgs): Promise<Connection<JointEvent>> {
  const params: unknown[] = [ctx.networkId];
  const where = [PARTY];
  if (args.from) where.push(`e.starts_at >= $${params.push(args.from)}`);
  if (args.to) where.push(`e.starts_at < $${params.push(args.to)}`);
  return paginate<JointEvent>(
    ctx.manager,
    { select: eventColumns(ctx.manager), from: 'joint_events e', where, params, map: mapEvent(ctx.manager) },
    args,
    [
      { sql: 'e.starts_at', value: (e) => e.startsAt },
      { sql: 'e.id', value: (e) => e.id },
    ],
    'joint-events',
  );
}

/** Own, unarchived groups by global ID; anything else is BAD_USER_INPUT on its position. */
async function ownGroups(ctx: Context, globalIds: string[], path: Array<string | number>): Promise<string[]> {
  const ids = globalIds.map((g, i) => idArgument([...path, i], g, 'Group'));
  const known = ids.filter((id): id is string => !!id);
  const rows = known.length
    ? await queryRows<{ id: string }>(ctx.manager, `SELECT id FROM groups WHERE network_id = $1 AND id = ANY($2) AND archived_at IS NULL`, [
        ctx.networkId,
        known,
      ])
    : [];
  const found = new Set(rows.map((r) => r.id));
  const bad = ids.map((id, i) => (id && found.has(id) ? null : i)).filter((i): i is number => i !== null);
  if (bad.length) {
    throw badInput(
      'Only groups of your own network can take part',
      bad.map((i) => ({ path: [...path, i], message: 'is not a group of your network' })),
    );
  }
  return [...new Set(ids as string[])];
}

/** Writes a change to the event to both networks' audit logs (the other's through their partnership, if any). */
async function auditBoth(ctx: Context, other: string, action: string, event: JointEvent, details: Record<string, unknown>): Promise<void> {
  const p = await partnershipWith(ctx, other);
  await auditBothParties(ctx, other, p?.id ?? null, {
    action,
    targetType: 'JointEvent',
    targetId: event.id,
    details: { ...details, jointEventId: toGlobalId('JointEvent', event.id) },
  });
}

/**
 * `jointEventChanged` for these events to every network with a part in them (host, invited, whatever their
 * answer) that the caller can see, once the transaction commits; each network's subscribers then read the
 * event with their own view. The caller sees the participants only while it is a party (INVITED, ACCEPTED or
 * host): a change that ends its part (declining, a revocation) announces before making it.
 */
export async function announceJointEventChanges(ctx: Context, eventIds: string[]): Promise<void> {
  if (eventIds.length === 0) return;
  const parties = await queryRows<{ joint_event_id: string; network_id: string }>(
    ctx.manager,
    `SELECT joint_event_id, network_id FROM joint_event_participants WHERE joint_event_id = ANY($1)`,
    [eventIds],
  );
  publishOnCommit(
    ctx,
    'jointEventChanged',
    parties.map((p) => ({ networkId: p.network_id, jointEventId: p.joint_event_id })),
  );
  // The same parties' webhook endpoints: the event's ID only (each re-reads it with its own view).
  for (const id of new Set(eventIds)) {
    const networks = parties.filter((p) => p.joint_event_id === id).map((p) => p.network_id);
    if (networks.length)
      await emitWebhookEvent(ctx, WebhookEventType.JOINT_EVENT_UPDATED, { type: 'JointEvent', id }, { id: toGlobalId('JointEvent', id) }, networks);
  }
}

/**
 * On a revoked partnership: ends the partner's part in the future joint events between the two networks
 * (`app_withdraw_partner`, whose rule the first statement reads). Their parties are announced first: once
 * withdrawn, a revoking partner no longer sees the events it left. Answers how many parts ended.
 */
export async function withdrawPartnerFromJointEvents(ctx: Context, partner: string): Promise<number> {
  const left = await queryRows<{ id: string }>(
    ctx.manager,
    `SELECT e.id FROM joint_events e
     WHERE e.host_network_id IN ($1, $2) AND e.starts_at > now() AND e.status = 'SCHEDULED'
       AND EXISTS (SELECT 1 FROM joint_event_participants l
                   WHERE l.joint_event_id = e.id AND l.status IN ('INVITED', 'ACCEPTED')
                     AND l.network_id = CASE WHEN e.host_network_id = $1 THEN $2::uuid ELSE $1::uuid END)`,
    [ctx.networkId, partner],
  );
  await announceJointEventChanges(
    ctx,
    left.map((e) => e.id),
  );
  const { withdrawn } = await queryOne<{ withdrawn: number }>(ctx.manager, `SELECT app_withdraw_partner($1) AS withdrawn`, [partner]);
  return withdrawn;
}

/**
 * Whether the caller's network still takes part in the event for live updates: the host always; another
 * network while its part is not WITHDRAWN (row-level security then hides the event anyway) and its
 * partnership with the host is ACTIVE (a revocation also ends the updates of past events it still sees).
 */
export async function followsJointEvent(ctx: Context, event: JointEvent): Promise<boolean> {
  if (event.hostNetworkId === ctx.networkId) return true;
  const { follows } = await queryOne<{ follows: boolean }>(
    ctx.manager,
    `SELECT EXISTS (SELECT 1 FROM joint_event_participants p WHERE p.joint_event_id = $1 AND p.network_id = $2 AND p.status <> 'WITHDRAWN')
        AND ${activePartnershipSql('$2', '$3')} AS follows`,
    [event.id, ctx.networkId, event.hostNetworkId],
  );
  return follows;
}

export async function createJointEvent(ctx: Context, input: CreateJointEventInput): Promise<JointEvent> {
  // A joint event is planned ahead: registration closes when it starts, so one in the past could never be used.
  const timeErrors: FieldError[] = [];
  if (input.startsAt.getTime() <= Date.now()) timeErrors.push({ path: ['input', 'startsAt'], message: 'must be in the future' });
  if (input.endsAt.getTime() <= input.startsAt.getTime()) timeErrors.push({ path: ['input', 'endsAt'], message: 'must be after startsAt' });
  if (timeErrors.length === 1) throw invalidArgument(timeErrors[0].path, timeErrors[0].message);
  if (timeErrors.length) throw badInput(`Invalid input: ${timeErrors.map((f) => `${f.path.join('.')} ${f.message}`).join('; ')}`, timeErrors);
  const groupIds = await ownGroups(ctx, input.hostGroupIds, ['input', 'hostGroupIds']);
  // No RETURNING: the SELECT policy (`app_joint_event_party`) cannot see a row inserted by the same statement.
  const id = randomUUID();
  await execute(
    ctx.manager,
    `INSERT INTO joint_events (id, host_network_id, title, description, starts_at, ends_at, format, location, online_url, capacity)
     VALUES ($10, $1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      ctx.networkId,
      input.title.trim(),
      input.description ?? null,
      input.startsAt,
      input.endsAt,
      input.format,
      input.location ?? null,
      input.onlineUrl ?? null,
      input.capacity ?? null,
      id,
    ],
  );
  const event = mapEvent(ctx.manager)(
    await queryOne(ctx.manager, `SELECT ${eventColumns(ctx.manager)} FROM joint_events e WHERE e.id = $1 AND e.host_network_id = $2`, [id, ctx.networkId]),
  );
  await execute(ctx.manager, `INSERT INTO joint_event_participants (joint_event_id, network_id, status, responded_at) VALUES ($1, $2, 'ACCEPTED', now())`, [
    event.id,
    ctx.networkId,
  ]);
  await execute(ctx.manager, `INSERT INTO joint_event_groups (joint_event_id, network_id, group_id) SELECT $1, $2, unnest($3::uuid[])`, [
    event.id,
    ctx.networkId,
    groupIds,
  ]);
  await audit(ctx, {
    action: 'joint_event.created',
    targetType: 'JointEvent',
    targetId: event.id,
    details: { title: event.title, groups: groupIds.map((g) => toGlobalId('Group', g)) },
  });
  jointEventLoader(ctx).prime(event.id, event);
  await announceJointEventChanges(ctx, [event.id]);
  return event;
}

/** The event, when the caller's network hosts it: NOT_FOUND for non-parties, FORBIDDEN for other parties. */
async function findHostedEvent(ctx: Context, id: string | undefined): Promise<JointEvent> {
  const event = await findVisibleJointEvent(ctx, id);
  if (event.hostNetworkId !== ctx.networkId) throw forbidden('Only the host network can change this joint event');
  return event;
}

export async function inviteToJointEvent(ctx: Context, eventId: string | undefined, networkId: string | undefined): Promise<JointEventParticipant> {
  const event = await findHostedEvent(ctx, eventId);
  if (!networkId) throw notFound('Network');
  const partnership = networkId === ctx.networkId ? null : await partnershipWith(ctx, networkId);
  if (!partnership) throw notFound('Network');
  if (partnership.status !== PartnershipStatus.ACTIVE || !partnership.scopes.includes(PartnershipScope.JOINT_EVENTS)) {
    throw forbidden('Invitations need an ACTIVE partnership with this network that shares JOINT_EVENTS');
  }
  if (event.status !== SessionStatus.SCHEDULED) throw conflict(`This joint event is ${event.status}, not SCHEDULED`);
  const row = await queryMaybeOne(
    ctx.manager,
    `INSERT INTO joint_event_participants (joint_event_id, network_id) VALUES ($1, $2)
     ON CONFLICT DO NOTHING RETURNING joint_event_id, network_id, status, responded_at`,
    [event.id, networkId],
  );
  if (!row) throw conflict('This network is already invited to this joint event');
  await auditBoth(ctx, networkId, 'joint_event.invited', event, {});
  await announceJointEventChanges(ctx, [event.id]);
  return mapParticipant(ctx.manager)(row);
}

export async function respondToInvitation(
  ctx: Context,
  eventId: string | undefined,
  accept: boolean,
  groupGlobalIds: string[] | null | undefined,
): Promise<JointEventParticipant> {
  const event = await findVisibleJointEvent(ctx, eventId);
  const part = await queryMaybeOne<{ status: ParticipationStatus }>(
    ctx.manager,
    `SELECT status FROM joint_event_participants WHERE joint_event_id = $1 AND network_id = $2 FOR UPDATE`,
    [event.id, ctx.networkId],
  );
  if (part?.status !== ParticipationStatus.INVITED) {
    throw conflict(`Your network's part in this joint event is ${part?.status ?? 'not an invitation'}, not INVITED`);
  }
  let groupIds: string[] = [];
  if (accept) {
    if (!groupGlobalIds?.length) throw invalidArgument('groupIds', 'choose at least one of your groups when accepting');
    groupIds = await ownGroups(ctx, groupGlobalIds, ['groupIds']);
  }
  // Who hears of it, read while the caller is still a party: once it has declined, it sees no participant any more.
  await announceJointEventChanges(ctx, [event.id]);
  const updated = await queryOne(
    ctx.manager,
    `UPDATE joint_event_participants SET status = $3, responded_at = now() WHERE joint_event_id = $1 AND network_id = $2
     RETURNING joint_event_id, network_id, status, responded_at`,
    [event.id, ctx.networkId, accept ? ParticipationStatus.ACCEPTED : ParticipationStatus.DECLINED],
  );
  if (groupIds.length) {
    await execute(ctx.manager, `INSERT INTO joint_event_groups (joint_event_id, network_id, group_id) SELECT $1, $2, unnest($3::uuid[])`, [
      event.id,
      ctx.networkId,
      groupIds,
    ]);
  }
  await auditBoth(ctx, event.hostNetworkId, accept ? 'joint_event.accepted' : 'joint_event.declined', event, {
    groups: groupIds.map((g) => toGlobalId('Group', g)),
  });
  return mapParticipant(ctx.manager)(updated);
}

export async function registerForJointEvent(ctx: Context, eventId: string | undefined, shareIdentity: boolean): Promise<JointEventRegistration> {
  if (ctx.principal.kind !== 'MEMBER') throw forbidden('API keys may not do this; use a member token');
  const memberId = ctx.principal.memberId;
  const event = await findVisibleJointEvent(ctx, eventId);
  const { allowed } = await queryOne<{ allowed: boolean }>(
    ctx.manager,
    `SELECT EXISTS (
       SELECT 1 FROM joint_event_participants p
       JOIN joint_event_groups jg ON jg.joint_event_id = p.joint_event_id AND jg.network_id = p.network_id
       JOIN memberships ms ON ms.network_id = jg.network_id AND ms.group_id = jg.group_id
       WHERE p.joint_event_id = $1 AND p.network_id = $2 AND p.status = 'ACCEPTED'
         AND ms.member_id = $3 AND ms.status = 'ACTIVE') AS allowed`,
    [event.id, ctx.networkId, memberId],
  );
  if (!allowed) throw forbidden("Only active members of your network's groups taking part in this joint event can register");
  // One registration at a time per event, over all networks. A row lock on the event would do for the host
  // only (row-level security lets only the host lock it), so every party takes the same advisory lock.
  await execute(ctx.manager, `SELECT pg_advisory_xact_lock(hashtextextended('joint_event:' || $1::text, 0))`, [event.id]);
  const current = await queryOne<{ status: SessionStatus; capacity: number | null; started: boolean }>(
    ctx.manager,
    `SELECT status, capacity, starts_at <= now() AS started FROM joint_events WHERE id = $1`,
    [event.id],
  );
  if (current.status !== SessionStatus.SCHEDULED) throw conflict(`This joint event is ${current.status}, not SCHEDULED`);
  // Registration closes when the event starts: past events keep their counts (also once a partnership is
  // revoked, which withdraws the partner from future events only).
  if (current.started) throw conflict('This joint event has already started');
  const existing = await queryMaybeOne<{ id: string; cancelled_at: Date | null }>(
    ctx.manager,
    `SELECT id, cancelled_at FROM joint_event_registrations WHERE network_id = $1 AND joint_event_id = $2 AND member_id = $3`,
    [ctx.networkId, event.id, memberId],
  );
  if (existing && existing.cancelled_at == null) throw conflict('You are already registered for this joint event');
  if (current.capacity != null) {
    const { total } = await queryOne<{ total: number }>(ctx.manager, `SELECT coalesce(sum(count), 0)::int AS total FROM app_joint_event_counts($1)`, [
      event.id,
    ]);
    if (total >= current.capacity) throw conflict('This joint event is full');
  }
  const returning = `RETURNING id, joint_event_id, network_id, member_id, registered_at`;
  const row = existing
    ? await queryOne(
        ctx.manager,
        `UPDATE joint_event_registrations SET cancelled_at = NULL, share_identity = $2, registered_at = now() WHERE id = $1 ${returning}`,
        [existing.id, shareIdentity],
      )
    : await queryOne(
        ctx.manager,
        `INSERT INTO joint_event_registrations (joint_event_id, network_id, member_id, share_identity) VALUES ($1, $2, $3, $4) ${returning}`,
        [event.id, ctx.networkId, memberId, shareIdentity],
      );
  const { display_name } = await queryOne<{ display_name: string }>(ctx.manager, `SELECT display_name FROM members WHERE network_id = $1 AND id = $2`, [
    ctx.networkId,
    memberId,
  ]);
  await audit(ctx, { action: 'joint_event.registered', targetType: 'JointEvent', targetId: event.id, details: { shareIdentity } });
  await announceJointEventChanges(ctx, [event.id]);
  return mapRegistration(ctx.manager)({ ...row, display_name });
}

export async function cancelJointEvent(ctx: Context, id: string | undefined): Promise<JointEvent> {
  const event = await findHostedEvent(ctx, id);
  const row = await queryMaybeOne(
    ctx.manager,
    `UPDATE joint_events e SET status = 'CANCELLED', cancelled_at = now()
     WHERE id = $1 AND host_network_id = $2 AND status = 'SCHEDULED' RETURNING ${eventColumns(ctx.manager)}`,
    [event.id, ctx.networkId],
  );
  if (!row) throw conflict(`This joint event is ${event.status}, not SCHEDULED`);
  const cancelled = mapEvent(ctx.manager)(row);
  await audit(ctx, { action: 'joint_event.cancelled', targetType: 'JointEvent', targetId: event.id, details: { title: event.title } });
  jointEventLoader(ctx).clear(event.id).prime(event.id, cancelled);
  await announceJointEventChanges(ctx, [event.id]);
  return cancelled;
}

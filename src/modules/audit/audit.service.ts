import { rowMapper, selectList } from '../../db/rows';
import { execute } from '../../db/sql';
import { type Connection, type ConnectionArgs, exactTimeKey, paginate } from '../../graphql/connection';
import { idArgument, toGlobalId } from '../../graphql/global-id';
import { loadNetwork } from '../networks/network.loader';
import { AccessLogEntry, ReaderKind } from './access-log';
import { AuditEntry } from './audit.entity';
import type { Row } from '../../db/sql';
import type { Context } from '../../graphql/context';
import type { NetworkRole } from '../../graphql/principal';

/** The action of a read-audit entry (./read-audit.ts): one per operation that read members' personal data. */
export const SENSITIVE_READ = 'personal_data.read';

/** What a change writes to the audit log. `details` must never hold secrets or member data beyond IDs. */
export interface AuditRecord {
  action: string;
  targetType?: string | null;
  /** The target's database id (a uuid). */
  targetId?: string | null;
  details?: Record<string, unknown> | null;
}

/** Who the caller is, as the log names them: `member:<Member global ID>` or `api_key:<ApiKey global ID>`. */
export function auditActor(ctx: Pick<Context, 'principal'>): string {
  const p = ctx.principal;
  return p.kind === 'API_KEY' ? `api_key:${toGlobalId('ApiKey', p.apiKeyId)}` : `member:${toGlobalId('Member', p.memberId)}`;
}

/** Writes an entry into the caller's own network's audit log. */
export async function audit(ctx: Context, record: AuditRecord): Promise<void> {
  await execute(ctx.manager, `INSERT INTO audit_log (network_id, actor, action, target_type, target_id, details) VALUES ($1, $2, $3, $4, $5, $6::jsonb)`, [
    ctx.networkId,
    auditActor(ctx),
    record.action,
    record.targetType ?? null,
    record.targetId ?? null,
    record.details == null ? null : JSON.stringify(record.details),
  ]);
}

/**
 * Writes an entry about a partnership into the *other* party's audit log (the database function checks that
 * the caller's network is a party). The target is the partnership.
 */
export async function auditPartner(ctx: Context, partnershipId: string, action: string, details?: Record<string, unknown> | null): Promise<void> {
  await execute(ctx.manager, `SELECT app_audit_partner($1, $2, $3, $4::jsonb)`, [
    partnershipId,
    auditActor(ctx),
    action,
    details == null ? null : JSON.stringify(details),
  ]);
}

/**
 * Writes a change that concerns another network to both networks' audit logs: the caller's own and, when
 * there is a partnership between them, the other's (`auditPartner`). In each log `partnerSlug` names the other network.
 */
export async function auditBothParties(
  ctx: Context,
  otherNetworkId: string,
  partnershipId: string | null,
  record: AuditRecord & { details: Record<string, unknown> },
): Promise<void> {
  const [own, other] = await Promise.all([loadNetwork(ctx, ctx.networkId), loadNetwork(ctx, otherNetworkId)]);
  await audit(ctx, { ...record, details: { ...record.details, partnerSlug: other.slug } });
  if (partnershipId) await auditPartner(ctx, partnershipId, record.action, { ...record.details, partnerSlug: own.slug });
}

/** Filters of the audit log (all optional, combined with AND). */
export interface AuditLogFilter {
  action?: string | null;
  /** A Member or ApiKey global ID. */
  actorId?: string | null;
  /** A Member global ID. */
  subjectMemberId?: string | null;
  from?: Date | null;
  to?: Date | null;
}

/** The caller's network's audit log, newest first, filtered. */
export async function listAuditLog(ctx: Context, args: ConnectionArgs & AuditLogFilter): Promise<Connection<AuditEntry>> {
  const manager = ctx.manager;
  const map = rowMapper(manager.connection, AuditEntry);
  const key = exactTimeKey('a.at', { newestFirst: true });
  const where = ['a.network_id = $1'];
  const params: unknown[] = [ctx.networkId];
  const param = (v: unknown) => `$${params.push(v)}`;
  if (args.action != null) where.push(`a.action = ${param(args.action)}`);
  // The log names actors by global ID with their kind (auditActor): the ID given matches either kind.
  if (args.actorId != null) where.push(`a.actor IN (${param(`member:${args.actorId}`)}, ${param(`api_key:${args.actorId}`)})`);
  if (args.subjectMemberId != null) {
    const memberId = idArgument('subjectMemberId', args.subjectMemberId, 'Member');
    // Another type's ID is about no member: an empty list, as an unknown member's.
    where.push(memberId ? `a.subject_member_ids @> ARRAY[${param(memberId)}]::uuid[]` : 'false');
  }
  if (args.from != null) where.push(`a.at >= ${param(args.from)}`);
  if (args.to != null) where.push(`a.at < ${param(args.to)}`);
  return paginate<AuditEntry>(
    manager,
    {
      select: `${selectList(manager.connection, AuditEntry, 'a')}, ${key.select}`,
      from: 'audit_log a',
      where,
      params,
      map: (row) => key.keep(map(row), row),
    },
    args,
    [key.sort, { sql: 'a.id', value: (e) => e.id }],
    'audit-log',
  );
}

interface AccessLogRow extends Row {
  id: string;
  at: Date;
  details: { fields?: string[]; readerKind?: string; readerRole?: string; apiKeyName?: string | null } | null;
}

/** Reads of the calling member's personal data by others, newest first, without the readers' identities. */
export async function listMyAccessLog(ctx: Context, memberId: string, args: ConnectionArgs): Promise<Connection<AccessLogEntry>> {
  const key = exactTimeKey('a.at', { newestFirst: true });
  return paginate<AccessLogEntry, AccessLogRow>(
    ctx.manager,
    {
      select: `a.id, a.at, a.details, ${key.select}`,
      from: 'audit_log a',
      where: ['a.network_id = $1', 'a.action = $2', 'a.subject_member_ids @> ARRAY[$3]::uuid[]'],
      params: [ctx.networkId, SENSITIVE_READ, memberId],
      map: (row) =>
        key.keep(
          Object.assign(new AccessLogEntry(), {
            id: row.id,
            at: row.at,
            fields: row.details?.fields ?? [],
            readerKind: row.details?.readerKind === 'API_KEY' ? ReaderKind.API_KEY : ReaderKind.MEMBER,
            readerRole: (row.details?.readerRole as NetworkRole | undefined) ?? null,
            apiKeyName: row.details?.apiKeyName ?? null,
          }),
          row,
        ),
    },
    args,
    [key.sort, { sql: 'a.id', value: (e) => e.id }],
    'access-log',
  );
}

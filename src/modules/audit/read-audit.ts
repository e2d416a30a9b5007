import { getOperationAST, type DocumentNode } from 'graphql';
import { execute } from '../../db/sql';
import { ApiKey } from '../auth/api-key.entity';
import { auditActor, SENSITIVE_READ } from './audit.service';
import type { Connection } from '../../graphql/connection';
import type { Context } from '../../graphql/context';
import type { ApolloServerPlugin } from '@apollo/server';

/** What one operation read so far: the field coordinates (e.g. `Session.attendance`) and the members read about. */
interface ReadCollector {
  readonly fields: Set<string>;
  readonly subjects: Set<string>;
}

// Keyed by the request context (one per operation, HTTP and WebSocket alike), so that nothing lives past it.
const collectors = new WeakMap<Context, ReadCollector>();
/**
 * The operations of one transaction that read others' data: one for an HTTP request, up to one per subscriber for a
 * live-update delivery batch (its subscribers share a transaction). Their entries are written by ONE statement just
 * before COMMIT, rather than one round trip per subscriber.
 */
const pendingEntries = new WeakMap<Context['tx'], Array<{ ctx: Context; collector: ReadCollector }>>();
const operationNames = new WeakMap<Context, string>();

/**
 * Notes that the operation read `field` (a schema coordinate such as `Session.attendance`, `Member.email`) about
 * these members. Nothing is written now: the operation's one entry is written just before its COMMIT, in its own
 * transaction (so a read that rolls back leaves no entry, and no read commits without one). The caller's own
 * data is not an access to log; a read that leaves no other member (after that) writes nothing.
 * Pass only identifiable subjects: never the author of anonymous feedback or an anonymous note.
 */
export function recordSensitiveRead(ctx: Context, field: string, subjectIds: Iterable<string | null | undefined>): void {
  const subjects = [...subjectIds].filter((id): id is string => !!id && id !== ctx.viewerMemberId);
  if (subjects.length === 0) return;
  let collector = collectors.get(ctx);
  if (!collector) {
    collector = { fields: new Set(), subjects: new Set() };
    collectors.set(ctx, collector);
    let entries = pendingEntries.get(ctx.tx);
    if (!entries) {
      const all: Array<{ ctx: Context; collector: ReadCollector }> = [];
      entries = all;
      pendingEntries.set(ctx.tx, all);
      ctx.tx.beforeCommit(() => writeReadAudits(all));
    }
    entries.push({ ctx, collector });
  }
  collector.fields.add(field);
  for (const id of subjects) collector.subjects.add(id);
}

/** Records a read of the nodes of a list (one page of a connection), each about the member `subjectOf` names. */
export function recordListRead<T>(ctx: Context, field: string, list: Connection<T>, subjectOf: (node: T) => string | null | undefined): Connection<T> {
  recordSensitiveRead(
    ctx,
    field,
    list.edges.map((e) => subjectOf(e.node)),
  );
  return list;
}

/**
 * Whether the operation read other members' personal data: its answer may only be sent once its entry is committed
 * (the HTTP and WebSocket layers withhold it when the COMMIT did not happen: no read without its record).
 */
export function readPersonalData(ctx: Context): boolean {
  return collectors.has(ctx);
}

/**
 * Names the operation whose reads are collected, for its entry: the client's operation name, else the name the
 * document gives its (only) operation (graphql-ws clients often send the document alone).
 */
export function nameReadOperation(ctx: Context, operationName: string | null | undefined, document?: DocumentNode): void {
  const name = operationName || (document && getOperationAST(document, operationName)?.name?.value);
  if (name) operationNames.set(ctx, name);
}

/** Gives each HTTP operation's read-audit entry the operation's name. */
export function readAuditPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operationName }) {
          nameReadOperation(contextValue, operationName);
        },
      };
    },
  };
}

/**
 * The entries of a transaction's operations, one per operation: who read (with their role or key name, which
 * `myAccessLog` shows the members read about instead of the reader's identity), which fields, how many members, and
 * the request id. One INSERT for all of them (a delivery batch may hold a thousand).
 */
async function writeReadAudits(entries: Array<{ ctx: Context; collector: ReadCollector }>): Promise<void> {
  const rows = await Promise.all(
    entries.map(async ({ ctx, collector }) => {
      const p = ctx.principal;
      const reader =
        p.kind === 'API_KEY'
          ? {
              readerKind: 'API_KEY',
              // Through the request's loaders: a delivery batch of one key's subscriptions reads the key once.
              apiKeyName: (await ctx.loaders.byId(ApiKey).load(p.apiKeyId))?.name ?? null,
            }
          : { readerKind: 'MEMBER', readerRole: p.role };
      const details = {
        operation: operationNames.get(ctx) ?? null,
        fields: [...collector.fields].sort(),
        subjectCount: collector.subjects.size,
        requestId: ctx.requestId,
        ...reader,
      };
      return { actor: auditActor(ctx), details, subjects: [...collector.subjects] };
    }),
  );
  const [{ ctx }] = entries;
  await execute(
    ctx.manager,
    `INSERT INTO audit_log (network_id, actor, action, details, subject_member_ids)
     SELECT $1, e.actor, $2, e.details, ARRAY(SELECT jsonb_array_elements_text(e.subjects))::uuid[]
     FROM ROWS FROM (jsonb_to_recordset($3::jsonb) AS (actor text, details jsonb, subjects jsonb)) WITH ORDINALITY AS e(actor, details, subjects, n)
     ORDER BY e.n`,
    [ctx.networkId, SENSITIVE_READ, JSON.stringify(rows)],
  );
}

import { queryMaybeOne, queryRows } from '../../db/sql';
import { conflict, forbidden } from '../../graphql/errors';
import { ConsentPurpose, Consent } from './consent.types';
import type { Scope } from '../../db/tenant';

interface ConsentRow {
  purpose: ConsentPurpose;
  given_at: Date;
  withdrawn_at: Date | null;
}

const COLUMNS = 'purpose, given_at, withdrawn_at';

function toConsent(row: ConsentRow): Consent {
  return Object.assign(new Consent(), { purpose: row.purpose, givenAt: row.given_at, withdrawnAt: row.withdrawn_at, active: row.withdrawn_at === null });
}

/** Records the member's consent; giving it again while it holds changes nothing and returns the current grant. */
export async function giveConsent(scope: Scope, memberId: string, purpose: ConsentPurpose): Promise<Consent> {
  const { manager, networkId } = scope;
  // The partial unique index allows one current grant: a concurrent second grant inserts nothing and reads the first.
  const inserted = await queryMaybeOne<ConsentRow>(
    manager,
    `INSERT INTO consents (network_id, member_id, purpose) VALUES ($1, $2, $3)
     ON CONFLICT (network_id, member_id, purpose) WHERE withdrawn_at IS NULL DO NOTHING RETURNING ${COLUMNS}`,
    [networkId, memberId, purpose],
  );
  return toConsent(inserted ?? (await currentConsent(scope, memberId, purpose))!);
}

/**
 * Withdraws the member's current consent. Withdrawing again returns the last withdrawn grant unchanged; a purpose
 * never consented to is CONFLICT (there is nothing to withdraw).
 */
export async function withdrawConsent(scope: Scope, memberId: string, purpose: ConsentPurpose): Promise<Consent> {
  const { manager, networkId } = scope;
  const withdrawn = await queryMaybeOne<ConsentRow>(
    manager,
    `UPDATE consents SET withdrawn_at = greatest(now(), given_at)
     WHERE network_id = $1 AND member_id = $2 AND purpose = $3 AND withdrawn_at IS NULL RETURNING ${COLUMNS}`,
    [networkId, memberId, purpose],
  );
  if (withdrawn) return toConsent(withdrawn);
  const [last] = await listConsents(scope, memberId, purpose);
  if (!last) throw conflict(`No consent to ${purpose} was given, so there is none to withdraw`);
  return last;
}

async function currentConsent(scope: Scope, memberId: string, purpose: ConsentPurpose): Promise<ConsentRow | undefined> {
  return queryMaybeOne<ConsentRow>(
    scope.manager,
    `SELECT ${COLUMNS} FROM consents WHERE network_id = $1 AND member_id = $2 AND purpose = $3 AND withdrawn_at IS NULL`,
    [scope.networkId, memberId, purpose],
  );
}

/** The member's grants, newest first (all purposes, or one). */
export async function listConsents(scope: Scope, memberId: string, purpose?: ConsentPurpose): Promise<Consent[]> {
  const rows = await queryRows<ConsentRow>(
    scope.manager,
    `SELECT ${COLUMNS} FROM consents WHERE network_id = $1 AND member_id = $2 AND ($3::text IS NULL OR purpose = $3)
     ORDER BY given_at DESC, id DESC`,
    [scope.networkId, memberId, purpose ?? null],
  );
  return rows.map(toConsent);
}

/**
 * Refuses (FORBIDDEN) unless the member's consent to `purpose` holds. The row is share-locked, so a withdrawal
 * running at the same time waits for this transaction: no record is written after the withdrawal committed.
 */
export async function requireConsent(scope: Scope, memberId: string, purpose: ConsentPurpose): Promise<void> {
  const row = await queryMaybeOne(
    scope.manager,
    `SELECT 1 FROM consents WHERE network_id = $1 AND member_id = $2 AND purpose = $3 AND withdrawn_at IS NULL FOR SHARE`,
    [scope.networkId, memberId, purpose],
  );
  if (!row) throw forbidden(`This needs your consent: call giveConsent(purpose: ${purpose}) first (you can withdraw it at any time with withdrawConsent)`);
}

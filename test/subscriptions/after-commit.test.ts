import { beginTenantTransaction } from '../../src/db/tenant';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork } from '../helpers/factories';

/**
 * The transaction side of "after commit only": work queued with `afterCommit` runs once COMMIT succeeded,
 * never after a rollback, and not for a savepoint that rolled back (a failing field of a multi-mutation
 * operation). Real PostgreSQL transactions, no mocks.
 */

let app: TestApp;
let networkId: string;
beforeAll(async () => {
  app = await startTestApp();
  networkId = (await createTestNetwork(app)).id;
});
afterAll(() => app.stop());

const open = () => beginTenantTransaction(app.db.dataSource, networkId);

test('runs after COMMIT, in order, and not before', async () => {
  const tx = await open();
  const ran: string[] = [];
  tx.afterCommit(() => ran.push('first'));
  tx.afterCommit(() => ran.push('second'));
  await tx.manager.query('SELECT 1');
  expect(ran).toEqual([]);
  await tx.finish('commit');
  expect(ran).toEqual(['first', 'second']);
  await tx.finish('commit');
  expect(ran).toEqual(['first', 'second']);
});

test('a rollback, or a commit turned into one by rollbackOnly, runs nothing', async () => {
  const ran: string[] = [];
  const rolledBack = await open();
  rolledBack.afterCommit(() => ran.push('rolled back'));
  await rolledBack.finish('rollback');

  const failed = await open();
  failed.afterCommit(() => ran.push('failed single mutation'));
  failed.rollbackOnly();
  await failed.finish('commit');
  expect(ran).toEqual([]);
});

test('what a rolled-back savepoint queued is dropped; what the savepoints around it queued stays', async () => {
  const tx = await open();
  const ran: string[] = [];
  await tx.savepoint(async () => tx.afterCommit(() => ran.push('a')));
  await expect(
    tx.savepoint(async () => {
      tx.afterCommit(() => ran.push('b (failed)'));
      throw new Error('the second mutation fails');
    }),
  ).rejects.toThrow('the second mutation fails');
  await tx.savepoint(async () => tx.afterCommit(() => ran.push('c')));
  await tx.finish('commit');
  expect(ran).toEqual(['a', 'c']);
});

test('a failing COMMIT runs nothing', async () => {
  const tx = await open();
  const ran: string[] = [];
  tx.afterCommit(() => ran.push('never'));
  // An error inside the transaction aborts it: PostgreSQL answers COMMIT with a rollback.
  await expect(tx.manager.query('SELECT 1/0')).rejects.toThrow();
  await tx.finish('commit').catch(() => undefined);
  expect(ran).toEqual([]);
});

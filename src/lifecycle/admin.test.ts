import { describe, expect, it } from 'vitest';
import { createFixedClock } from '../core/clock.js';
import { createSqliteStores } from '../storage/sql/index.js';
import { openSqlite } from '../storage/sqlite/database.js';
import { createAccountAdmin } from './admin.js';

const T = 1_800_000_000_000;
const BY = { actor: 'admin_token', ip: '192.0.2.1', userAgent: 'console/1' };

async function setup() {
  const handle = await openSqlite(':memory:');
  const stores = createSqliteStores(handle.db);
  const clock = createFixedClock(T);
  const steps: string[] = [];
  let ended: string[] = ['s1'];
  const admin = createAccountAdmin({
    users: stores.accounts,
    roles: stores.roles,
    events: stores.events,
    accounts: { forgetUser: (id) => steps.push(`forget ${id}`) },
    endSessions: async (userId, reason) => {
      steps.push(`end ${userId} ${reason}`);
      return ended;
    },
    countSessions: async () => 0,
    settleRevocations: async () => {
      // The account must still be there while other instances read the revocations.
      const present = (await stores.accounts.findUserById('u1')) !== null;
      steps.push(`settle (account ${present ? 'present' : 'gone'})`);
    },
    clock,
  });
  await stores.accounts.createUser({
    id: 'u1',
    email: 'u1@example.com',
    passwordHash: '$argon2id$x',
    createdAtMs: T,
    updatedAtMs: T,
  });
  return {
    admin,
    stores,
    steps,
    endNothing: () => {
      ended = [];
    },
    close: handle.close,
  };
}

describe('createAccountAdmin', () => {
  it('delete: sessions end, then the revocations settle while the account is there, then it goes', async () => {
    const { admin, stores, steps, close } = await setup();
    expect(await admin.deleteUser('u1', BY)).toEqual({ endedSessions: 1 });
    expect(steps).toEqual(['end u1 account_deleted', 'settle (account present)', 'forget u1']);
    expect(await stores.accounts.findUserById('u1')).toBeNull();
    const events = await stores.events.pageEvents({ userId: 'u1', limit: 10 });
    expect(
      events.map(({ type, ip, userAgent, actor }) => ({ type, ip, userAgent, actor })),
    ).toEqual([{ type: 'account_deleted', ip: null, userAgent: null, actor: 'admin_token' }]);
    await close();
  });

  it('delete without sessions waits for nothing', async () => {
    const { admin, steps, endNothing, close } = await setup();
    endNothing();
    expect(await admin.deleteUser('u1', BY)).toEqual({ endedSessions: 0 });
    expect(steps).toEqual(['end u1 account_deleted', 'forget u1']);
    await close();
  });

  it('an unknown user is ERR_USER_NOT_FOUND for every action, and nothing is recorded', async () => {
    const { admin, stores, steps, close } = await setup();
    for (const action of [
      () => admin.showUser('nobody'),
      () => admin.disableUser('nobody', BY),
      () => admin.enableUser('nobody', BY),
      () => admin.signOutUser('nobody', BY),
      () => admin.deleteUser('nobody', BY),
      () => admin.setRole('nobody', 'editor', true, BY),
    ])
      await expect(action()).rejects.toMatchObject({ code: 'ERR_USER_NOT_FOUND' });
    expect(steps).toEqual([]);
    expect(await stores.events.listEvents({ limit: 10 })).toEqual([]);
    await close();
  });

  it('disable sets the flag before ending sessions, once; enable clears it, once', async () => {
    const { admin, stores, steps, close } = await setup();
    expect(await admin.disableUser('u1', BY)).toEqual({ changed: true, endedSessions: 1 });
    expect((await stores.accounts.findUserById('u1'))?.disabledAtMs).toBe(T);
    expect(await admin.disableUser('u1', BY)).toEqual({ changed: false, endedSessions: 1 });
    expect(steps).toEqual(['end u1 account_disabled', 'end u1 account_disabled']);
    expect(await admin.enableUser('u1', BY)).toEqual({ changed: true });
    expect(await admin.enableUser('u1', BY)).toEqual({ changed: false });
    expect((await stores.accounts.findUserById('u1'))?.disabledAtMs ?? null).toBeNull();
    const types = (await stores.events.pageEvents({ userId: 'u1', limit: 10 })).map((e) => [
      e.type,
      e.actor,
      e.ip,
    ]);
    expect(types.sort()).toEqual([
      ['account_disabled', 'admin_token', '192.0.2.1'],
      ['account_enabled', 'admin_token', '192.0.2.1'],
    ]);
    await close();
  });
});

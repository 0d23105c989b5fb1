import { describe, expect, it } from 'vitest';
import { createFixedClock } from '../core/clock.js';
import { systemRandom } from '../core/random.js';
import { createSqlStores } from '../storage/sql/index.js';
import { openSqlite } from '../storage/sqlite/database.js';
import { createAccountService } from './service.js';

describe('account service', () => {
  it('answers findUser from memory for the cache lifetime, then reads storage again', async () => {
    const sqlite = await openSqlite(':memory:');
    try {
      const stores = createSqlStores(sqlite.db, 'sqlite');
      let reads = 0;
      const store = {
        ...stores.accounts,
        findUserById: (id: string) => {
          reads++;
          return stores.accounts.findUserById(id);
        },
      };
      const clock = createFixedClock(1_000_000);
      const accounts = createAccountService({
        store,
        limits: stores.limits,
        events: stores.events,
        passwordParams: { memoryKiB: 19_456, iterations: 2, parallelism: 1 },
        dummyHash: 'x',
        clock,
        random: systemRandom,
        userCacheTtlMs: 30_000,
      });
      const user = await accounts.signup('c@x.io', 'cache password', null);
      expect(await accounts.findUser(user.id)).toEqual(user);
      expect(await accounts.findUser(user.id)).toEqual(user);
      expect(reads).toBe(1);
      clock.advanceMs(30_000);
      expect(await accounts.findUser(user.id)).toEqual(user);
      expect(reads).toBe(2);
      expect(await accounts.findUser('missing')).toBeNull();
      expect(await accounts.findUser('missing')).toBeNull();
      expect(reads).toBe(4);
    } finally {
      await sqlite.close();
    }
  });

  it('refuses a disabled account only after its password matched, and signs it in once enabled', async () => {
    const sqlite = await openSqlite(':memory:');
    try {
      const stores = createSqlStores(sqlite.db, 'sqlite');
      const clock = createFixedClock(1_000_000);
      const accounts = createAccountService({
        store: stores.accounts,
        limits: stores.limits,
        events: stores.events,
        passwordParams: { memoryKiB: 19_456, iterations: 2, parallelism: 1 },
        dummyHash: 'x',
        clock,
        random: systemRandom,
      });
      const user = await accounts.signup('d@x.io', 'disabled password', null);
      expect(await stores.accounts.setUserDisabled(user.id, clock.nowMs(), clock.nowMs())).toBe(
        true,
      );
      const codeOf = (password: string) =>
        accounts.authenticate('d@x.io', password, '192.0.2.1').then(
          () => 'signed in',
          (error: { code: string }) => error.code,
        );
      expect(await codeOf('wrong password 1')).toBe('ERR_AUTH_INVALID_CREDENTIALS');
      expect(await codeOf('disabled password')).toBe('ERR_AUTH_ACCOUNT_DISABLED');
      expect(await stores.accounts.setUserDisabled(user.id, null, clock.nowMs())).toBe(true);
      expect(await codeOf('disabled password')).toBe('signed in');
      expect(await stores.accounts.setUserDisabled('missing', null, clock.nowMs())).toBe(false);
    } finally {
      await sqlite.close();
    }
  });
});

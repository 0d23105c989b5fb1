import { describe, expect, it } from 'vitest';
import { createFixedClock, systemRandom } from '../core/index.js';
import { createSqliteStores } from '../storage/sql/index.js';
import { openSqlite } from '../storage/sqlite/database.js';
import { createMailDelivery, planRetryMs } from './delivery.js';
import type { MailMessage } from './message.js';
import { type MailTransport, MailTransportError } from './transport.js';

describe('planRetryMs', () => {
  it('5 s after the first failure, doubling, at most 15 minutes', () => {
    expect([1, 2, 3, 4].map(planRetryMs)).toEqual([5000, 10_000, 20_000, 40_000]);
    expect(planRetryMs(8)).toBe(640_000);
    expect(planRetryMs(9)).toBe(900_000);
    expect(planRetryMs(1000)).toBe(900_000);
  });
});

describe('createMailDelivery over the SQLite outbox', () => {
  const message: MailMessage = {
    id: 'm1',
    to: 'a@example.com',
    subject: 's',
    text: 't',
    html: 'h',
  };

  it('a failed message waits for its backoff, is never dropped, and is marked sent once accepted', async () => {
    const handle = await openSqlite(':memory:');
    try {
      const stores = createSqliteStores(handle.db);
      const clock = createFixedClock(1_000_000);
      let up = false;
      const sent: string[] = [];
      const transport: MailTransport = {
        async send(m) {
          if (!up) throw new MailTransportError('ECONNREFUSED');
          sent.push(m.id);
        },
        close() {},
      };
      const delivery = createMailDelivery({
        outbox: stores.outbox,
        transport,
        clock,
        random: systemRandom,
      });
      await stores.outbox.enqueue(message, clock.nowMs());
      expect(await delivery.deliverDue()).toBe(0);
      expect(await stores.outbox.countPending()).toBe(1);
      up = true;
      clock.advanceMs(4999);
      expect(await delivery.deliverDue()).toBe(0);
      clock.advanceMs(1);
      expect(await delivery.deliverDue()).toBe(1);
      expect(sent).toEqual(['m1']);
      expect(await stores.outbox.countPending()).toBe(0);
      // Sent: never claimed again, and its bodies are gone from storage.
      clock.advanceMs(3_600_000);
      expect(await delivery.deliverDue()).toBe(0);
      const row = await handle.db.selectFrom('outbox').selectAll().executeTakeFirstOrThrow();
      expect(row).toMatchObject({ text_body: '', html_body: '', attempts: 2, last_error: null });
    } finally {
      await handle.close();
    }
  });

  it('a pass told to stop ends after the message in hand and gives the rest back, due at once', async () => {
    const handle = await openSqlite(':memory:');
    try {
      const stores = createSqliteStores(handle.db);
      const clock = createFixedClock(1_000_000);
      const sent: string[] = [];
      const transport: MailTransport = {
        async send(m) {
          sent.push(m.id);
        },
        close() {},
      };
      for (const id of ['a', 'b', 'c'])
        await stores.outbox.enqueue({ ...message, id }, clock.nowMs());
      const one = createMailDelivery({
        outbox: stores.outbox,
        transport,
        clock,
        random: systemRandom,
      });
      expect(await one.deliverDue(() => sent.length > 0)).toBe(1);
      expect(await stores.outbox.countPending()).toBe(2);
      // Another instance takes them at once, without waiting for the first one's lease.
      const two = createMailDelivery({
        outbox: stores.outbox,
        transport,
        clock,
        random: systemRandom,
      });
      expect(await two.deliverDue()).toBe(2);
      expect([...sent].sort()).toEqual(['a', 'b', 'c']);
    } finally {
      await handle.close();
    }
  });
});

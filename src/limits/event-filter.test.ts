import { describe, expect, it } from 'vitest';
import { AuthError } from '../core/index.js';
import { parseEventFilter, SECURITY_EVENT_TYPES } from './event-filter.js';

const bounds = { defaultLimit: 100, maxLimit: 1000 };

/** The reason and message of the ERR_REQUEST_INVALID that parsing `text` throws. */
function refusal(text: Parameters<typeof parseEventFilter>[0]) {
  try {
    parseEventFilter(text, bounds);
  } catch (error) {
    if (error instanceof AuthError && error.code === 'ERR_REQUEST_INVALID')
      return { reason: error.details?.reason, message: error.message };
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(text)}`);
}

describe('parseEventFilter', () => {
  it('reads every field into the store query, leaving absent ones out', () => {
    expect(parseEventFilter({}, bounds)).toEqual({ limit: 100 });
    expect(
      parseEventFilter(
        {
          userId: 'u1',
          type: 'login',
          since: '2026-11-01',
          until: '2026-11-02T12:00:00.123456+01:00',
          limit: '7',
        },
        bounds,
      ),
    ).toEqual({
      userId: 'u1',
      type: 'login',
      sinceMs: Date.UTC(2026, 10, 1),
      untilMs: Date.UTC(2026, 10, 2, 11, 0, 0, 123),
      limit: 7,
    });
    expect(parseEventFilter({ limit: '1000' }, bounds).limit).toBe(1000);
  });

  it('accepts every event type', () => {
    for (const type of SECURITY_EVENT_TYPES)
      expect(parseEventFilter({ type }, bounds).type).toBe(type);
  });

  it('names the field and the rule of what it refuses', () => {
    expect(refusal({ type: 'everything' })).toEqual({
      reason: 'type',
      message: expect.stringMatching(/^type must be one of signup, login, /),
    });
    for (const since of ['yesterday', '2026-13-45T99:00:00Z', '2026-11-01T12:00', '1700000000'])
      expect(refusal({ since }), since).toEqual({
        reason: 'since',
        message: 'since must be an ISO 8601 time, e.g. 2026-11-01T12:00:00Z',
      });
    expect(refusal({ until: '2026-02-30T00:00:00Z x' }).reason).toBe('until');
    for (const limit of ['0', '1001', '1e3', '-1', '1.5', '', ' 5', '99999999999999999999'])
      expect(refusal({ limit }), limit).toEqual({
        reason: 'limit',
        message: 'limit must be a whole number from 1 to 1000',
      });
  });
});

import type { LimitPolicy, LimitState } from './policy.js';

export type { LimitState } from './policy.js';

export interface LimitStore {
  getLimit(key: string): Promise<LimitState | null>;
  /**
   * Atomically records one failure for `key` at `nowMs` (the state becomes
   * `planFailure(current, nowMs, policy)`) and returns the new state: concurrent failures all count.
   */
  recordFailure(key: string, nowMs: number, policy: LimitPolicy): Promise<LimitState>;
  deleteLimit(key: string): Promise<void>;
}

export interface SecurityEvent {
  readonly type: 'refresh_reuse' | 'login_failed' | 'login_rate_limited' | 'password_changed';
  readonly userId: string | null;
  readonly sessionId: string | null;
  readonly ip: string | null;
  readonly atMs: number;
}

export interface SecurityEventStore {
  recordEvent(event: SecurityEvent): Promise<void>;
}

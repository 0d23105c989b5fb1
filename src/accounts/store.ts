/** What the account service needs from storage. */
export interface UserRecord {
  readonly id: string;
  readonly email: string;
  readonly passwordHash: string;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  /** When the owner proved the address; null or absent: not verified. */
  readonly emailVerifiedAtMs?: number | null;
}

export interface AccountStore {
  /** Inserts a user; false when the email is taken. */
  createUser(user: UserRecord): Promise<boolean>;
  findUserByEmail(email: string): Promise<UserRecord | null>;
  findUserById(id: string): Promise<UserRecord | null>;
  updatePasswordHash(userId: string, passwordHash: string, nowMs: number): Promise<void>;
  /**
   * Marks the address verified, only while `email` is still the account's; false when it is not
   * (or the account is gone).
   */
  markEmailVerified(userId: string, email: string, nowMs: number): Promise<boolean>;
}

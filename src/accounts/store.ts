/** What the account service needs from storage. */
export interface UserRecord {
  readonly id: string;
  readonly email: string;
  readonly passwordHash: string;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

export interface AccountStore {
  /** Inserts a user; false when the email is taken. */
  createUser(user: UserRecord): Promise<boolean>;
  findUserByEmail(email: string): Promise<UserRecord | null>;
  findUserById(id: string): Promise<UserRecord | null>;
  updatePasswordHash(userId: string, passwordHash: string, nowMs: number): Promise<void>;
}

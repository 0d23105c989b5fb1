/** What the account service needs from storage. */
export interface UserRecord {
  readonly id: string;
  readonly email: string;
  readonly passwordHash: string;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  /** When the owner proved the address; null or absent: not verified. */
  readonly emailVerifiedAtMs?: number | null;
  /** When an operator disabled the account; null or absent: enabled. */
  readonly disabledAtMs?: number | null;
}

/** One page of users for an operator (`gatehouse users list`), ordered by email. */
export interface UserListQuery {
  /** Only users whose email contains this text (already lower-cased). */
  readonly emailContains?: string;
  /** Only users whose email sorts after this one (the last email of the previous page). */
  readonly afterEmail?: string;
  readonly limit: number;
}

export interface AccountStore {
  /** Inserts a user; false when the email is taken. */
  createUser(user: UserRecord): Promise<boolean>;
  findUserByEmail(email: string): Promise<UserRecord | null>;
  findUserById(id: string): Promise<UserRecord | null>;
  /**
   * Sets the password hash; with `whileEmail`, only while that is still the account's address
   * (a reset link proves the inbox it was sent to, not whichever address the account has now).
   * False when nothing was set.
   */
  updatePasswordHash(
    userId: string,
    passwordHash: string,
    nowMs: number,
    whileEmail?: string,
  ): Promise<boolean>;
  /**
   * Marks the address verified, only while `email` is still the account's; false when it is not
   * (or the account is gone).
   */
  markEmailVerified(userId: string, email: string, nowMs: number): Promise<boolean>;
  /**
   * Disables the account (`disabledAtMs`) or enables it again (null), in one conditional write:
   * true only for the call that changed it; false when it already was so, or there is no such
   * account (of many parallel calls, one sees true). Its sessions are the caller's to end
   * (through the session service).
   */
  setUserDisabled(userId: string, disabledAtMs: number | null, nowMs: number): Promise<boolean>;
  /**
   * Gives the account a new address, verified at `verifiedAtMs` (the owner followed a link sent
   * to it): `taken` when another account has it (checked in the statement, and a concurrent
   * change caught by the unique index), `gone` when there is no such account.
   *
   * With `unlessUndoneSinceMs` (confirming a change): `undone`, and nothing changes, when an
   * `undo_email_change` link of the account was spent at or after that time; checked while
   * holding the account, so an undo racing the confirmation always ends with its address.
   */
  changeEmail(
    userId: string,
    email: string,
    verifiedAtMs: number,
    nowMs: number,
    unlessUndoneSinceMs?: number,
  ): Promise<'changed' | 'taken' | 'gone' | 'undone'>;
  listUsers(query: UserListQuery): Promise<UserRecord[]>;
  /**
   * Deletes the account and its personal data in one transaction: sessions, refresh tokens, email
   * links, roles, security events, queued messages to its address. End its sessions first (and
   * let the servers' revocation poll read them: it reads session rows). False when there was no
   * such account, or another call deleted it first (of parallel calls, one sees true).
   */
  deleteUser(userId: string): Promise<boolean>;
}

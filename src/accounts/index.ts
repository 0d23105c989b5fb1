/** gatehouse accounts: sign-up, password login with throttling, password change, and their store. */
export { parseEmail } from './email.js';
export {
  type AccountService,
  type AccountServiceOptions,
  createAccountService,
  type PublicUser,
} from './service.js';
export type { AccountStore, UserListQuery, UserRecord } from './store.js';
export { reserveAll, type ThrottleKey } from './throttle.js';

/** gatehouse accounts: sign-up, password login with throttling, password change, and their store. */
export {
  type AccountService,
  type AccountServiceOptions,
  createAccountService,
} from './service.js';
export type { AccountStore, UserRecord } from './store.js';

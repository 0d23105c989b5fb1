/** gatehouse lifecycle: email verification and password reset by single-use links. */
export {
  type AccountLifecycle,
  type AccountLifecycleOptions,
  createAccountLifecycle,
  type RequestMeta,
} from './service.js';
export type { EmailTokenPurpose, EmailTokenRecord, EmailTokenStore } from './store.js';

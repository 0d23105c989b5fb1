/** gatehouse lifecycle: email verification, password reset, email change and deletion by single-use links and re-authentication; the operator's admin actions. */
export {
  type AccountAdmin,
  type AccountAdminOptions,
  type AdminActor,
  type AdminUserView,
  createAccountAdmin,
  type UserRoleStore,
} from './admin.js';
export {
  type AccountLifecycle,
  type AccountLifecycleOptions,
  createAccountLifecycle,
  type RequestMeta,
} from './service.js';
export type { EmailTokenPurpose, EmailTokenRecord, EmailTokenStore } from './store.js';

/** gatehouse refresh tokens: rotation with reuse detection and grace replay, and their store. */
export {
  type AccessExtras,
  createRefreshService,
  type RefreshBinding,
  type RefreshService,
  type TokenPair,
} from './service.js';
export type { RefreshRecord, RefreshStore } from './store.js';

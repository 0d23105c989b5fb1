/** gatehouse/passwords: argon2id hashing, verification and parameter upgrades. */
export {
  createDummyHash,
  hashPassword,
  needsRehash,
  OWASP_MINIMUM,
  type PasswordHashParams,
  verifyPassword,
} from './hash.js';
export { createWorkQueue, type WorkQueue, type WorkQueueOptions } from './queue.js';

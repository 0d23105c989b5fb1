/**
 * The storage module's public face: what the server and the CLI use. Opening storage picks the
 * backends from configuration (SQLite or PostgreSQL, optionally Redis); the rest of the folder
 * (the SQL and Redis stores, migrations, the schema) is internal.
 */
export { type DatabaseConfig, type OpenStorage, openStorage } from './open.js';
export type { RedisHandle } from './redis/client.js';
export { sharedReplayCache } from './redis/dpop-replay.js';
export { type RevocationFeed, startRevocationFeed } from './redis/revocation-feed.js';
export type { Stores } from './stores.js';

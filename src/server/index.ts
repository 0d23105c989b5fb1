/** gatehouse/server: the auth server as a library (build the app, or start it listening). */
export { type AppDeps, BODY_LIMIT_BYTES, buildApp, type GatehouseApp } from './app.js';
export { configFromEnv, type Env, parseDurationSeconds, type ServerConfig } from './config.js';
export { loadServerKeys, loadSigningKeys } from './keys.js';
export { type RunningServer, startServer } from './start.js';

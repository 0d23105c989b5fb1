/** gatehouse/server: the auth server as a library (build an instance, or start it listening). */
export {
  configFromEnv,
  configWarnings,
  createServerConfig,
  type DpopMode,
  ENV_VARIABLES,
  type Env,
  parseDurationSeconds,
  type ServerConfig,
  type ServerOptions,
} from './config.js';
export { type CreateServerOptions, createServer, type GatehouseServer } from './create-server.js';
export { BODY_LIMIT_BYTES, type GatehouseApp } from './http.js';
export type { ServerContext } from './services.js';
export { loadServerKeys, loadSigningKeys } from './signing-keys.js';
export { type RunningServer, startServer } from './start.js';

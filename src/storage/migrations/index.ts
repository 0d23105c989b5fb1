/**
 * Migrations, in order, for every SQL backend (SQLite and PostgreSQL): portable column types only
 * (text, bigint, integer), no autoincrement. One file per migration; a released migration is
 * frozen: change the schema with a new file. The keys below are the names recorded in each
 * database's migration table: never rename one, or existing databases no longer match.
 */
import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './0001-initial.js';
import * as signingKeys from './0002-signing-keys.js';
import * as keyActivationSessionClient from './0003-key-activation-session-client.js';
import * as securityEventUserAgent from './0004-security-event-user-agent.js';
import * as dpop from './0005-dpop.js';
import * as clientsRolesScopes from './0006-clients-roles-scopes.js';
import * as email from './0008-email.js';
import * as userDisabled from './0009-user-disabled.js';
import * as authorizationCodes from './0010-authorization-codes.js';
import * as eventActor from './0011-event-actor.js';

export const migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_signing_keys': signingKeys,
  '0003_key_activation_session_client': keyActivationSessionClient,
  '0004_security_event_user_agent': securityEventUserAgent,
  '0005_dpop': dpop,
  '0006_clients_roles_scopes': clientsRolesScopes,
  '0008_email': email,
  '0009_user_disabled': userDisabled,
  '0010_authorization_codes': authorizationCodes,
  '0011_event_actor': eventActor,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

/**
 * 0003_key_activation_session_client: when a rotated signing key may start signing (it is
 * published first: README, key rotation), and the OAuth client a token session was granted to
 * (a refresh token stays bound to its client, RFC 6749 section 6). Both nullable: keys stored
 * before sign from their creation, and sessions started before are bound to no client.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('signing_keys').addColumn('activate_at', 'bigint').execute();
  await db.schema.alterTable('sessions').addColumn('client_id', 'text').execute();
}

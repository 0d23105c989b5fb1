/**
 * The revocation feed for resource servers (GET /v1/revocations): the sessions whose access
 * tokens must be refused before their `exp`, as `SHA-256(sid)` with the moment until which to
 * refuse them, read with a cursor so that a follower (@gatehouse/middleware with
 * `followRevocations`) fetches only what is new. Public like the JWKS: a hash of a session id
 * is useless to a thief. Served from this instance's revocation registry, which learns the other
 * instances' revocations through Redis pub/sub at once and through the storage poll
 * (GATEHOUSE_REVOCATION_SYNC_INTERVAL) in any case.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody, RevocationFeed, RevocationFeedQuery } from '../schemas.js';
import type { ServerContext } from '../services.js';

/**
 * How often a follower should poll, in seconds: the middleware's default, which with the
 * instances' own propagation makes the end-to-end bound (README, Protecting your own API).
 */
export const FEED_POLL_INTERVAL_SECONDS = 2;

export function revocationRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/revocations',
      {
        schema: {
          tags: ['discovery'],
          summary:
            'Revocation feed for resource servers: SHA-256(sid) and the time until which to refuse the tokens of that session',
          querystring: RevocationFeedQuery,
          response: { 200: RevocationFeed, 400: ErrorBody },
        },
      },
      async (request) => {
        const page = ctx.revocations.feed(request.query.cursor);
        // Cache-Control: no-store, as every answer (http.ts onSend): a cached page is a stale one.
        return {
          cursor: page.cursor,
          snapshot: page.snapshot,
          more: page.more,
          poll_interval: FEED_POLL_INTERVAL_SECONDS,
          // Entries last the current lifetime (+1 s): a token older than that, issued under a
          // longer lifetime before a restart, is covered by no entry, so followers refuse it by
          // age as this server does (access/tokens.ts, maxTokenAge).
          max_token_age: ctx.access.profile.ttlSeconds,
          // Whole seconds, rounded up: refusing a little longer is safe, a little shorter is not.
          entries: page.entries.map((entry) => ({
            sid_hash: entry.sidHash,
            until: Math.ceil(entry.untilMs / 1000),
          })),
        };
      },
    );
  };
}

/**
 * The admin API (/v1/admin/*): an operator finds, disables, enables, signs out and deletes
 * accounts, gives and takes roles, and reads the security events. Registered only when
 * GATEHOUSE_ADMIN_TOKEN is set (otherwise every path is 404, as /metrics without its token); every
 * request must carry `Authorization: Bearer <GATEHOUSE_ADMIN_TOKEN>`, compared in constant time.
 * Every change is recorded as a security event whose actor is `admin_token`, and takes effect on
 * the next request: the sessions it ends are in the revocation list at once.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { UserRecord } from '../../accounts/index.js';
import { AuthError } from '../../core/index.js';
import type { AdminActor } from '../../lifecycle/index.js';
import {
  type EventFilterText,
  parseEventFilter,
  type StoredSecurityEvent,
} from '../../limits/index.js';
import { createMetricsTokenCheck } from '../metrics.js';
import {
  AdminAction,
  AdminEventsPage,
  AdminEventsQuery,
  AdminRoleParams,
  AdminRoles,
  AdminUserDetail,
  AdminUserParams,
  AdminUsersPage,
  AdminUsersQuery,
  ErrorBody,
} from '../schemas.js';
import type { ServerContext } from '../services.js';

/** The actor every admin-API event names. */
export const ADMIN_TOKEN_ACTOR = 'admin_token';

const iso = (ms: number) => new Date(ms).toISOString();

const userView = (user: UserRecord, roles: readonly string[]) => ({
  id: user.id,
  email: user.email,
  email_verified: (user.emailVerifiedAtMs ?? null) !== null,
  disabled: (user.disabledAtMs ?? null) !== null,
  disabled_at: user.disabledAtMs == null ? null : iso(user.disabledAtMs),
  created_at: iso(user.createdAtMs),
  roles: [...roles],
});

const eventView = (event: StoredSecurityEvent) => ({
  id: event.id,
  type: event.type,
  at: iso(event.atMs),
  user_id: event.userId,
  session_id: event.sessionId,
  ip: event.ip,
  user_agent: event.userAgent,
  actor: event.actor,
});

const invalid = (message: string, reason: string) =>
  new AuthError('ERR_REQUEST_INVALID', message, { reason });

/** `limit` of a query: digits already checked by the schema; the range here. */
function limitOf(text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const limit = Number(text);
  if (limit > max) throw invalid(`The limit must be from 1 to ${max}.`, 'limit');
  return limit;
}

const encodeCursor = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
function decodeCursor(cursor: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid('The cursor is not one we gave.', 'cursor');
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

/** An event cursor: `<ms>.<id>` of the last event of a page. */
function decodeEventCursor(cursor: string): { atMs: number; id: string } {
  const match = /^(\d{1,16})\.([A-Za-z0-9_-]{1,64})$/.exec(decodeCursor(cursor));
  if (match === null) throw invalid('The cursor is not one we gave.', 'cursor');
  return { atMs: Number(match[1]), id: match[2] as string };
}

/** The events filter of a query; its errors name the query field. */
function eventFilterOf(text: EventFilterText) {
  try {
    return parseEventFilter(text, { defaultLimit: 100, maxLimit: 1000 });
  } catch (error) {
    if (error instanceof AuthError && error.code === 'ERR_REQUEST_INVALID')
      throw invalid(`The query field ${error.message}.`, String(error.details?.reason));
    throw error;
  }
}

const security = [{ adminToken: [] }];
const errors = { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 503: ErrorBody };

export function adminRoutes(ctx: ServerContext, adminToken: string): FastifyPluginAsyncTypebox {
  const tokenMatches = createMetricsTokenCheck(adminToken);
  /** The actor of a request, after its token was checked. */
  const actorOf = (request: FastifyRequest): AdminActor => {
    if (!tokenMatches(request.headers.authorization))
      throw new AuthError('ERR_AUTH_UNAUTHENTICATED', 'admin token missing or wrong', {
        reason: 'admin token',
        presented: request.headers.authorization !== undefined,
      });
    const agent = request.headers['user-agent'];
    return {
      actor: ADMIN_TOKEN_ACTOR,
      ip: request.ip,
      userAgent: typeof agent === 'string' ? agent : null,
    };
  };
  const viewOf = async (userId: string) => {
    const { user, roles } = await ctx.admin.showUser(userId);
    return userView(user, roles);
  };

  return async (app) => {
    // The token is checked before validation: a caller without it learns nothing of the schemas.
    app.addHook('preValidation', async (request) => {
      actorOf(request);
    });

    app.get(
      '/v1/admin/users',
      {
        schema: {
          tags: ['admin'],
          summary: 'List users by email, a page at a time; ?email= keeps emails containing it',
          security,
          querystring: AdminUsersQuery,
          response: { 200: AdminUsersPage, ...errors },
        },
      },
      async (request) => {
        const limit = limitOf(request.query.limit, 50, 1000);
        const email = request.query.email?.trim().normalize('NFKC').toLowerCase();
        const after =
          request.query.cursor === undefined ? undefined : decodeCursor(request.query.cursor);
        const page = await ctx.admin.listUsers({
          ...(email === undefined || email === '' ? {} : { emailContains: email }),
          ...(after === undefined ? {} : { afterEmail: after }),
          limit,
        });
        const last = page.at(-1);
        return {
          users: page.map(({ user, roles }) => userView(user, roles)),
          next_cursor:
            page.length === limit && last !== undefined ? encodeCursor(last.user.email) : null,
        };
      },
    );

    app.get(
      '/v1/admin/users/:id',
      {
        schema: {
          tags: ['admin'],
          summary: 'One user, with its roles and count of active sessions',
          security,
          params: AdminUserParams,
          response: { 200: AdminUserDetail, ...errors },
        },
      },
      async (request) => {
        const { user, roles, activeSessions } = await ctx.admin.showUser(request.params.id);
        return { user: userView(user, roles), active_sessions: activeSessions };
      },
    );

    app.post(
      '/v1/admin/users/:id/disable',
      {
        schema: {
          tags: ['admin'],
          summary:
            'Disable the account: sign-in refused (account_disabled), every session ended at once',
          security,
          params: AdminUserParams,
          response: { 200: AdminAction, ...errors },
        },
      },
      async (request) => {
        const { changed, endedSessions } = await ctx.admin.disableUser(
          request.params.id,
          actorOf(request),
        );
        return { changed, ended_sessions: endedSessions, user: await viewOf(request.params.id) };
      },
    );

    app.post(
      '/v1/admin/users/:id/enable',
      {
        schema: {
          tags: ['admin'],
          summary: 'Enable a disabled account again (its ended sessions stay ended)',
          security,
          params: AdminUserParams,
          response: { 200: AdminAction, ...errors },
        },
      },
      async (request) => {
        const { changed } = await ctx.admin.enableUser(request.params.id, actorOf(request));
        return { changed, ended_sessions: 0, user: await viewOf(request.params.id) };
      },
    );

    app.post(
      '/v1/admin/users/:id/sign-out',
      {
        schema: {
          tags: ['admin'],
          summary: 'End every session of the user now, without disabling the account',
          security,
          params: AdminUserParams,
          response: { 200: AdminAction, ...errors },
        },
      },
      async (request) => {
        const { endedSessions } = await ctx.admin.signOutUser(request.params.id, actorOf(request));
        return { changed: endedSessions > 0, ended_sessions: endedSessions };
      },
    );

    app.delete(
      '/v1/admin/users/:id',
      {
        schema: {
          tags: ['admin'],
          summary:
            'Delete the account and its personal data; its sessions end first (the answer waits one revocation poll interval and a second when it had any)',
          security,
          params: AdminUserParams,
          response: { 200: AdminAction, ...errors },
        },
      },
      async (request) => {
        const { endedSessions } = await ctx.admin.deleteUser(request.params.id, actorOf(request));
        return { changed: true, ended_sessions: endedSessions };
      },
    );

    for (const present of [true, false]) {
      const route = {
        schema: {
          tags: ['admin'],
          summary: present
            ? 'Give the user a role (GATEHOUSE_ROLE_SCOPES says what it opens)'
            : 'Take a role away from the user',
          security,
          params: AdminRoleParams,
          response: { 200: AdminRoles, ...errors },
        },
      };
      const handler = async (request: FastifyRequest<{ Params: { id: string; role: string } }>) => {
        const { changed, roles } = await ctx.admin.setRole(
          request.params.id,
          request.params.role,
          present,
          actorOf(request),
        );
        return { changed, roles: [...roles] };
      };
      if (present) app.put('/v1/admin/users/:id/roles/:role', route, handler);
      else app.delete('/v1/admin/users/:id/roles/:role', route, handler);
    }

    app.get(
      '/v1/admin/events',
      {
        schema: {
          tags: ['admin'],
          summary:
            'Security events, newest first, a page at a time; filter by user, type and time (inclusive)',
          security,
          querystring: AdminEventsQuery,
          response: { 200: AdminEventsPage, ...errors },
        },
      },
      async (request) => {
        const { query } = request;
        const filter = eventFilterOf({
          userId: query.user_id,
          type: query.type,
          since: query.since,
          until: query.until,
          limit: query.limit,
        });
        const { limit } = filter;
        const events = await ctx.admin.listEvents({
          ...filter,
          ...(query.cursor === undefined ? {} : { after: decodeEventCursor(query.cursor) }),
        });
        const last = events.at(-1);
        return {
          events: events.map(eventView),
          next_cursor:
            events.length === limit && last !== undefined
              ? encodeCursor(`${last.atMs}.${last.id}`)
              : null,
        };
      },
    );
  };
}

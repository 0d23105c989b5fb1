/** Request and response schemas: one source for validation, TypeScript types and OpenAPI. */
import { Type } from '@fastify/type-provider-typebox';
import { HTTP_ERROR_CODES } from './http-errors.js';

export const ErrorBody = Type.Object(
  {
    error: Type.Enum([...HTTP_ERROR_CODES], {
      type: 'string',
      description: 'A code of docs/http-errors.md: stable, for programs.',
    }),
    error_description: Type.String({
      description: 'What was wrong and what to change, for people: never a value that was sent.',
    }),
  },
  { $id: 'ErrorBody', description: 'Every error: an RFC 6749 style code and a human description.' },
);

const Email = Type.String({
  minLength: 3,
  maxLength: 320,
  description:
    'The account email: trimmed, NFKC, lower-cased; no invisible characters or empty domain labels, at most 254 characters.',
});
const Password = Type.String({
  minLength: 1,
  maxLength: 1024,
  description: '8 to 256 characters (checked after NFKC normalisation).',
});

export const Credentials = Type.Object(
  { email: Email, password: Password },
  { additionalProperties: false },
);

export const User = Type.Object({
  id: Type.String(),
  email: Type.String(),
  email_verified: Type.Boolean({
    description: 'Whether the owner followed the verification link sent to the address.',
  }),
});

/** An address to send a link to (reset, verification): answered the same whether it has an account. */
export const EmailRequest = Type.Object({ email: Email }, { additionalProperties: false });

const LinkToken = Type.String({
  minLength: 1,
  maxLength: 256,
  description: 'The token of the link (after #token= in the address the message gave).',
});

export const VerifyEmail = Type.Object({ token: LinkToken }, { additionalProperties: false });

export const ResetPassword = Type.Object(
  { token: LinkToken, new_password: Password },
  { additionalProperties: false },
);

/** The same answer whether or not the address has an account. */
export const MailAccepted = Type.Object(
  { status: Type.Literal('accepted') },
  {
    description:
      'Accepted: when the address has an account (for a reset) or an unverified one (for verification), a link is on its way.',
  },
);

/** A signed-in user asks to move the account to another address (the current password again). */
export const ChangeEmail = Type.Object(
  { password: Password, new_email: Email },
  { additionalProperties: false },
);

/** The undo link of an email change; optionally a new password in the same step. */
export const UndoEmailChange = Type.Object(
  {
    token: LinkToken,
    new_password: Type.Optional(
      Type.String({
        ...Password,
        description:
          'Optional: also replace the password (whoever changed the address knew it). 8 to 256 characters.',
      }),
    ),
  },
  { additionalProperties: false },
);

/** Deleting one's own account: the current password again. */
export const DeleteAccount = Type.Object({ password: Password }, { additionalProperties: false });

export const ChangePassword = Type.Object(
  { current_password: Password, new_password: Password },
  { additionalProperties: false },
);

export const Logout = Type.Object(
  { scope: Type.Optional(Type.Union([Type.Literal('global'), Type.Literal('session')])) },
  { additionalProperties: false },
);

/** RFC 6749 section 3.2: unknown parameters are ignored at the token endpoint. */
export const TokenRequest = Type.Object(
  {
    grant_type: Type.Optional(Type.String({ maxLength: 64 })),
    username: Type.Optional(Type.String({ maxLength: 320 })),
    password: Type.Optional(Type.String({ maxLength: 1024 })),
    refresh_token: Type.Optional(Type.String({ maxLength: 512 })),
    // The authorization_code grant (RFC 6749 4.1.3, RFC 7636 4.5).
    code: Type.Optional(Type.String({ maxLength: 512 })),
    redirect_uri: Type.Optional(Type.String({ maxLength: 2048 })),
    code_verifier: Type.Optional(Type.String({ maxLength: 256 })),
    client_id: Type.Optional(Type.String({ maxLength: 128 })),
    // client_secret_post (RFC 6749 2.3.1); the value is never logged.
    client_secret: Type.Optional(Type.String({ maxLength: 512 })),
    scope: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: true },
);

export const TokenResponse = Type.Object({
  access_token: Type.String(),
  // DPoP when the request came with a DPoP proof: the access token is bound to its key.
  token_type: Type.Union([Type.Literal('Bearer'), Type.Literal('DPoP')]),
  expires_in: Type.Integer(),
  // Absent only from a code grant of a client not registered for the refresh_token grant.
  refresh_token: Type.Optional(Type.String()),
  refresh_token_expires_in: Type.Optional(Type.Integer()),
  // The granted scopes, space-separated (RFC 6749 5.1); absent when none were granted.
  scope: Type.Optional(Type.String()),
  // OpenID Connect Core 3.1.3.3: the code grant's answer when openid was granted.
  id_token: Type.Optional(Type.String()),
});

/** RFC 7009 section 2.1. */
export const RevokeRequest = Type.Object(
  {
    token: Type.Optional(Type.String({ maxLength: 4096 })),
    token_type_hint: Type.Optional(Type.String({ maxLength: 64 })),
    client_id: Type.Optional(Type.String({ maxLength: 128 })),
    // A confidential client authenticates (RFC 7009 section 2.1); the value is never logged.
    client_secret: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: true },
);

export const SessionView = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('cookie'), Type.Literal('token')]),
  created_at: Type.String({ format: 'date-time' }),
  last_used_at: Type.String({ format: 'date-time' }),
  expires_at: Type.String({ format: 'date-time' }),
  user_agent: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  current: Type.Boolean(),
});

export const SessionIdParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);

export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  429: ErrorBody,
  503: ErrorBody,
};

/** GET /v1/revocations: the cursor the previous answer gave, if any. */
export const RevocationFeedQuery = Type.Object(
  {
    cursor: Type.Optional(
      Type.String({
        maxLength: 128,
        description:
          'The cursor of the previous answer, as given (opaque). Absent, or from another instance or start: the full snapshot.',
      }),
    ),
  },
  { additionalProperties: true },
);

export const RevocationFeed = Type.Object(
  {
    cursor: Type.String({ description: 'Send it back as ?cursor= to read only what is new.' }),
    snapshot: Type.Boolean({
      description:
        'True when the cursor was absent, of another instance or of an earlier start: the entries (with the pages that follow while more) are every live revocation, not only the new ones.',
    }),
    more: Type.Boolean({ description: 'More entries wait: read again at once with cursor.' }),
    poll_interval: Type.Integer({ description: 'Suggested seconds between two reads.' }),
    max_token_age: Type.Integer({
      description:
        'Seconds after its iat beyond which the issuer refuses an access token whatever its exp (the current access-token lifetime): a follower refuses older tokens too, so a token issued under a longer lifetime before a restart cannot outlive the entries that guard it.',
    }),
    entries: Type.Array(
      Type.Object({
        sid_hash: Type.String({
          description: 'base64url(SHA-256(sid)) of a revoked session, 43 characters.',
        }),
        until: Type.Integer({
          description:
            'Epoch seconds until which access tokens with that sid must be refused (by then they have expired).',
        }),
      }),
    ),
  },
  { $id: 'RevocationFeed' },
);

/** RFC 7662 section 2.1 (client_id and client_secret: client_secret_post). */
export const IntrospectionRequest = Type.Object(
  {
    token: Type.Optional(Type.String({ maxLength: 4096 })),
    token_type_hint: Type.Optional(Type.String({ maxLength: 64 })),
    client_id: Type.Optional(Type.String({ maxLength: 128 })),
    client_secret: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: true },
);

/** RFC 7662 section 2.2: an inactive token is `{ "active": false }` and nothing else. */
export const IntrospectionResponse = Type.Object(
  {
    active: Type.Boolean(),
    scope: Type.Optional(Type.String()),
    client_id: Type.Optional(Type.String()),
    sub: Type.Optional(Type.String()),
    sid: Type.Optional(Type.String()),
    jti: Type.Optional(Type.String()),
    iss: Type.Optional(Type.String()),
    aud: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
    exp: Type.Optional(Type.Number()),
    iat: Type.Optional(Type.Number()),
    token_type: Type.Optional(
      Type.Union([Type.Literal('Bearer'), Type.Literal('DPoP')], {
        description: 'Access tokens only: DPoP when the token is bound to a key (cnf).',
      }),
    ),
    cnf: Type.Optional(
      Type.Object(
        { jkt: Type.Optional(Type.String()) },
        { additionalProperties: true, description: 'The confirmation claim, as in the token.' },
      ),
    ),
  },
  { $id: 'IntrospectionResponse' },
);

// --- The admin API (/v1/admin/*, on when GATEHOUSE_ADMIN_TOKEN is set) -------------------------

const IsoTime = Type.String({ format: 'date-time' });
// Query strings are not coerced (ajv coerceTypes: false): a number arrives as digits.
const PageLimit = (max: number, fallback: number) =>
  Type.Optional(
    Type.String({
      pattern: '^[1-9][0-9]{0,3}$',
      description: `At most this many, 1 to ${max} (default ${fallback}).`,
    }),
  );
const Cursor = Type.Optional(
  Type.String({
    minLength: 1,
    maxLength: 512,
    description: 'The next_cursor of the previous page, as given (opaque).',
  }),
);

export const AdminUser = Type.Object(
  {
    id: Type.String(),
    email: Type.String(),
    email_verified: Type.Boolean(),
    disabled: Type.Boolean(),
    disabled_at: Type.Union([IsoTime, Type.Null()]),
    created_at: IsoTime,
    roles: Type.Array(Type.String()),
  },
  { $id: 'AdminUser' },
);

export const AdminUsersQuery = Type.Object(
  {
    email: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 320,
        description: 'Only users whose email contains this text (compared lower-cased, literally).',
      }),
    ),
    limit: PageLimit(1000, 50),
    cursor: Cursor,
  },
  { additionalProperties: false },
);

export const AdminUsersPage = Type.Object({
  users: Type.Array(AdminUser),
  next_cursor: Type.Union([Type.String(), Type.Null()], {
    description: 'Send it back as ?cursor= for the next page; null on the last page.',
  }),
});

export const AdminUserDetail = Type.Object({
  user: AdminUser,
  active_sessions: Type.Integer(),
});

export const AdminUserParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);

export const AdminRoleParams = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64 }),
    role: Type.String({
      pattern: '^[A-Za-z0-9_.:-]{1,64}$',
      description: 'A role name: 1 to 64 of letters, digits, _ . : -',
    }),
  },
  { additionalProperties: false },
);

export const AdminAction = Type.Object({
  changed: Type.Boolean({ description: 'False when the account already was in that state.' }),
  ended_sessions: Type.Integer({ description: 'Sessions this action ended.' }),
  user: Type.Optional(AdminUser),
});

export const AdminRoles = Type.Object({
  changed: Type.Boolean(),
  roles: Type.Array(Type.String()),
});

export const AdminEventsQuery = Type.Object(
  {
    user_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    type: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    since: Type.Optional(
      Type.String({ format: 'date-time', description: 'Only events at or after (ISO 8601).' }),
    ),
    until: Type.Optional(
      Type.String({ format: 'date-time', description: 'Only events at or before (ISO 8601).' }),
    ),
    limit: PageLimit(1000, 100),
    cursor: Cursor,
  },
  { additionalProperties: false },
);

export const AdminEvent = Type.Object({
  id: Type.String(),
  type: Type.String(),
  at: IsoTime,
  user_id: Type.Union([Type.String(), Type.Null()]),
  session_id: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  user_agent: Type.Union([Type.String(), Type.Null()]),
  actor: Type.Union([Type.String(), Type.Null()], {
    description: 'Who acted when not the user: admin_token for the admin API; null otherwise.',
  }),
});

export const AdminEventsPage = Type.Object({
  events: Type.Array(AdminEvent),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});

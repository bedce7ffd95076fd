/**
 * Valibot schemas of the Worker's inputs, and the parser that turns a failed check into a 400.
 *
 * Messages are written here rather than taken from valibot's defaults, because the defaults quote
 * the received value, which can be message content, and the worker logs each message.
 */

import * as v from 'valibot';
import { WorkerError } from './errors.js';

const USER_ID_REQUIRED = 'The "userId" query parameter is required, such as /negotiate?userId=alice.';

/** Query of `GET /negotiate`: `userId` and an optional comma-separated `groups` list. */
export const NegotiateQuery = v.object(
  {
    userId: v.pipe(v.string(USER_ID_REQUIRED), v.nonEmpty('The "userId" query parameter must not be empty.')),
    groups: v.optional(
      v.pipe(
        v.string(),
        v.transform((list) => list.split(',')),
        v.check(
          (names) => names.every((name) => name !== ''),
          'The "groups" query parameter must be a comma-separated list of non-empty group names, such as groups=room-1,room-2.',
        ),
      ),
    ),
  },
  // The query is always an object of strings, so the only object-level issue is a missing userId.
  USER_ID_REQUIRED,
);

const JsonObject = v.custom<Record<string, unknown>>(
  (input) => typeof input === 'object' && input !== null && !Array.isArray(input),
  'Expected a JSON object.',
);

/**
 * Body of `POST /broadcast`. `group` and `userId` are mutually exclusive: the request would
 * otherwise be ambiguous between the group, the user, and the user's connections in the group.
 */
export const BroadcastBody = v.pipe(
  v.unknown(),
  v.check(
    (input) => v.is(JsonObject, input),
    'The body must be a JSON object, such as {"message": "hello", "group": "room-1"}.',
  ),
  v.strictObject(
    {
      message: v.union([v.string(), JsonObject], 'The "message" field must be a string or a JSON object.'),
      group: v.optional(
        v.pipe(
          v.string('The "group" field must be a string.'),
          v.nonEmpty('The "group" field must not be empty. Leave it out to send to all.'),
        ),
      ),
      userId: v.optional(
        v.pipe(
          v.string('The "userId" field must be a string.'),
          v.nonEmpty('The "userId" field must not be empty. Leave it out to send to all.'),
        ),
      ),
    },
    describeObjectIssue,
  ),
  v.check(
    (body) => body.group === undefined || body.userId === undefined,
    'Pass either "group" or "userId", not both. Send one request per target.',
  ),
);

/**
 * Returns the parsed input.
 *
 * @throws {WorkerError} 400 `INVALID_REQUEST` with every issue as `{ path, message }`.
 */
export function parseInput<Schema extends v.GenericSchema>(schema: Schema, input: unknown): v.InferOutput<Schema> {
  const result = v.safeParse(schema, input);
  if (result.success) {
    return result.output;
  }

  const issues = result.issues.map((issue) => ({ path: v.getDotPath(issue), message: issue.message }));
  const message = issues.map((issue) => issue.message).join(' ');
  throw new WorkerError(400, 'INVALID_REQUEST', message, { issues });
}

// The message does not name an unknown key, because the key comes from the request and the
// message is logged. The response names the key in `issues[].path` instead.
function describeObjectIssue(issue: v.StrictObjectIssue): string {
  if (issue.expected === 'never') {
    return 'The body has an unknown field. It accepts only "message", "group" and "userId".';
  }

  return `The ${issue.expected} field is required.`;
}

// Turns one text frame into a typed Command, or a ProtocolError that says exactly what is wrong.
// This is the only place JSON shapes are checked; handlers receive typed values.
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { CommandSchemas, Envelope, GuestHelloParams, TokenHelloParams, type Command, type Verb } from '../../protocol/messages.js';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import { exceedsBounds, type JsonBounds } from '../limits/json-bounds.js';
import { mayHoldLoneSurrogate, wellFormedDeep } from '../../protocol/text.js';

/** Generous for protocol v1 (depth 1, at most 5 fields); the server passes its configured bounds. */
export const DEFAULT_JSON_BOUNDS: JsonBounds = { maxDepth: 8, maxFields: 64 };

const envelopeCheck = TypeCompiler.Compile(Envelope);
const verbChecks = new Map<string, TypeCheck<TSchema>>(Object.entries(CommandSchemas).map(([verb, schema]) => [verb, TypeCompiler.Compile(schema)]));
const guestHelloCheck = TypeCompiler.Compile(GuestHelloParams);
const tokenHelloCheck = TypeCompiler.Compile(TokenHelloParams);

export interface Decoded {
  /** The request id, when the frame had a usable one, so that even a refusal can answer it. */
  id?: string | number;
  command?: Command;
  error?: ProtocolError;
}

export function decodeFrame(text: string, bounds: JsonBounds = DEFAULT_JSON_BOUNDS): Decoded {
  const exceeded = exceedsBounds(text, bounds);
  if (exceeded === 'depth') {
    return { error: new ProtocolError(ErrorCode.BadFrame, `frame nests deeper than ${bounds.maxDepth} levels`) };
  }
  if (exceeded === 'fields') {
    return { error: new ProtocolError(ErrorCode.BadFrame, `frame has more than ${bounds.maxFields} fields and elements`) };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: new ProtocolError(ErrorCode.BadFrame, 'frame is not valid JSON') };
  }
  // Every text a client sends (messages, edits, topics, nicks, ...) is made well-formed here, once
  // (protocol/text.ts); the scan for a surrogate escape keeps the walk off the common frame.
  if (mayHoldLoneSurrogate(text)) value = wellFormedDeep(value);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { error: new ProtocolError(ErrorCode.BadFrame, 'frame must be a JSON object') };
  }
  const record = value as Record<string, unknown>;
  const rawId = record['id'];
  const id = typeof rawId === 'number' || typeof rawId === 'string' ? rawId : undefined;
  const withId = (decoded: Omit<Decoded, 'id'>): Decoded => (id === undefined ? decoded : { ...decoded, id });

  if (!envelopeCheck.Check(value)) return withId({ error: firstError(envelopeCheck, value) });
  const { type } = value;
  let check = verbChecks.get(type);
  if (check === undefined) {
    return withId({ error: new ProtocolError(ErrorCode.UnknownType, `unknown type "${type}"`, 'type') });
  }
  // The verb schemas allow extra fields, so the frame object itself is checked and used as the
  // parameters: `id` and `type` ride along unread. Copying it and deleting those two would turn
  // every request into a slow dictionary-mode object on the hot path.
  if (type === 'hello') {
    // hello is a union (guest or token); checking the branch its fields pick makes errors name the field.
    if ('nick' in record && 'token' in record) {
      return withId({ error: new ProtocolError(ErrorCode.BadRequest, 'hello takes exactly one of nick or token', 'token') });
    }
    check = 'token' in record ? tokenHelloCheck : guestHelloCheck;
  }
  if (!check.Check(record)) return withId({ error: firstError(check, record) });
  // The schema check above is what makes this cast true.
  const command = { type: type as Verb, params: record } as Command;
  if (id !== undefined) command.id = id;
  return withId({ command });
}

function firstError(check: TypeCheck<TSchema>, value: unknown): ProtocolError {
  const first = check.Errors(value).First();
  if (first === undefined) return new ProtocolError(ErrorCode.BadRequest, 'invalid request');
  const field = first.path.replace(/^\//, '').replace(/\//g, '.');
  const label = field === '' ? 'request' : field;
  return new ProtocolError(ErrorCode.BadRequest, `${label}: ${first.message}`, field === '' ? undefined : field);
}

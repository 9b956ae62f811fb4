// Requests of the server API are checked by TypeBox's compiled checks, as WebSocket frames are
// (session/decode.ts): no coercion, so `{"text": ["x"]}` is refused on both rather than quietly
// turned into "x" (Fastify's Ajv default). Only the path and query, which are strings by nature,
// are converted to the schema's numbers first, and only from numbers written out as such.
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { Kind, type TSchema } from '@sinclair/typebox';
import type { FastifySchemaCompiler } from 'fastify';
import { ErrorCode, ProtocolError } from '../../../protocol/errors.js';

export const typeboxValidator: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = TypeCompiler.Compile(schema);
  const converts = httpPart === 'querystring' || httpPart === 'params';
  const part = httpPart ?? 'body';
  return (data: unknown) => {
    const unwritten = converts ? numberNotWritten(schema, data) : undefined;
    if (unwritten !== undefined)
      return { error: new ProtocolError(ErrorCode.BadRequest, `${part}.${unwritten}: expected a number written in digits`, unwritten) };
    const value = converts ? Value.Convert(schema, data) : data;
    if (check.Check(value)) return { value };
    const first = check.Errors(value).First();
    const field = first?.path.replace(/^\//, '').replaceAll('/', '.') ?? '';
    const where = field === '' ? part : `${part}.${field}`;
    return { error: new ProtocolError(ErrorCode.BadRequest, `${where}: ${first?.message ?? 'invalid'}`, field === '' ? undefined : field) };
  };
};

const WRITTEN = { Integer: /^-?\d+$/, Number: /^-?\d+(\.\d+)?$/ } as const;

/**
 * The first field of a query or path whose schema is a number but whose text is not digits:
 * TypeBox's conversion reads `1e400`, `2.5` and `true` as the integers 1, 2 and 1, which would take
 * `?limit=1e400` as `limit=1` instead of refusing it.
 */
function numberNotWritten(schema: TSchema, data: unknown): string | undefined {
  const properties = (schema as { properties?: Record<string, TSchema> }).properties;
  if (properties === undefined || typeof data !== 'object' || data === null) return undefined;
  for (const [field, text] of Object.entries(data)) {
    const kind = properties[field]?.[Kind] as unknown;
    if (typeof text !== 'string' || (kind !== 'Integer' && kind !== 'Number')) continue;
    if (!WRITTEN[kind].test(text)) return field;
  }
  return undefined;
}

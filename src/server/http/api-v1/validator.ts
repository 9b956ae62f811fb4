// Requests of the server API are checked by TypeBox's compiled checks, as WebSocket frames are
// (session/decode.ts): no coercion, so `{"text": ["x"]}` is refused on both rather than quietly
// turned into "x" (Fastify's Ajv default). Only the path and query, which are strings by nature,
// are converted to the schema's numbers first.
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import type { FastifySchemaCompiler } from 'fastify';
import { ErrorCode, ProtocolError } from '../../../protocol/errors.js';

export const typeboxValidator: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = TypeCompiler.Compile(schema);
  const converts = httpPart === 'querystring' || httpPart === 'params';
  const part = httpPart ?? 'body';
  return (data: unknown) => {
    const value = converts ? Value.Convert(schema, data) : data;
    if (check.Check(value)) return { value };
    const first = check.Errors(value).First();
    const field = first?.path.replace(/^\//, '').replaceAll('/', '.') ?? '';
    const where = field === '' ? part : `${part}.${field}`;
    return { error: new ProtocolError(ErrorCode.BadRequest, `${where}: ${first?.message ?? 'invalid'}`, field === '' ? undefined : field) };
  };
};

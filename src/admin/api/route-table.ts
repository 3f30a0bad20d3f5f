import type { Context } from 'koa';
import type { z } from 'zod';
import type { AdminScope } from '../../clients/admin-resource.js';
import type { Actor, AdminDeps } from '../service/index.js';
import { zodProblem } from './problem.js';

/** What a handler answers: a JSON body (or none), its ETag, or JSON lines streamed out. */
export interface ApiResult {
  status: 200 | 201 | 204;
  body?: unknown;
  etag?: string;
  /** `application/x-ndjson` lines, written as they come (the audit export). */
  lines?: AsyncIterable<string>;
}

export interface HandlerInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** The If-Match header (routes with `ifMatch: true` get here only with one). */
  ifMatch: string | undefined;
  actor: Actor;
  /** The admin scopes the calling token holds now (a client cannot grant more than it has). */
  scopes: ReadonlySet<string>;
  deps: AdminDeps;
  ctx: Context;
}

type AnyObject = z.ZodType<Record<string, unknown>>;

export interface RouteDef<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** OpenAPI style, below /admin/api/v1: `/users/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  tag: 'Users' | 'Clients' | 'Resources' | 'Audit';
  scope: AdminScope;
  params?: P;
  query?: Q;
  body?: B;
  /** PATCH/DELETE of a mutable resource: If-Match required (428 without, 412 when stale). */
  ifMatch?: boolean;
  /** The success answer, for the document. */
  response: { status: 200 | 201 | 204; description: string; schema?: z.ZodType; etag?: boolean; contentType?: string };
  handle(input: HandlerInput<z.output<P>, z.output<Q>, z.output<B>>): Promise<ApiResult>;
}

/** A route with its types erased, as the table holds it. */
export interface ApiRoute {
  method: RouteDef<AnyObject, AnyObject, z.ZodType>['method'];
  path: string;
  operationId: string;
  summary: string;
  tag: RouteDef<AnyObject, AnyObject, z.ZodType>['tag'];
  scope: AdminScope;
  params?: AnyObject;
  query?: AnyObject;
  body?: z.ZodType;
  ifMatch?: boolean;
  response: RouteDef<AnyObject, AnyObject, z.ZodType>['response'];
  /** Validates the raw input with the route's schemas (400 problem on failure), then runs it. */
  handle(input: HandlerInput<unknown, unknown, unknown>): Promise<ApiResult>;
}

function parse<S extends z.ZodType>(schema: S | undefined, value: unknown, where: 'body' | 'query' | 'path'): z.output<S> | undefined {
  if (!schema) return undefined;
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw zodProblem(parsed.error, where);
  return parsed.data;
}

/**
 * Declares one route: the one definition both mount.ts (Koa handlers, validation) and
 * openapi.ts (the document) read, so a route cannot exist in one and not the other.
 */
export function route<P extends AnyObject, Q extends AnyObject, B extends z.ZodType>(def: RouteDef<P, Q, B>): ApiRoute {
  const { handle, ...rest } = def;
  return {
    ...rest,
    handle: (input) =>
      handle({
        ...input,
        params: parse(def.params, input.params, 'path') as z.output<P>,
        query: parse(def.query, input.query, 'query') as z.output<Q>,
        body: parse(def.body, input.body, 'body') as z.output<B>,
      }),
  };
}

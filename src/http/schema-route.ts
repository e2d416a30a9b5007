import { createHash } from 'node:crypto';
import { printSchemaSdl } from '../app/schema';
import type { RequestHandler } from 'express';

/** Where the client schema is served, in every environment (production too): no credential needed. */
export const SCHEMA_PATH = '/schema.graphql';

/**
 * GET /schema.graphql: the client contract, exactly `schema/schema.graphql` (`npm run schema` writes that file with the
 * same function): the public API without federation's internals (`_service`, `_entities`, `_Any`, link directives),
 * which stay in `_service { sdl }` for routers. Printed once per process; a strong ETag lets clients and codegen
 * revalidate cheaply (304), and `no-cache` makes them revalidate after a deploy.
 */
export function schemaRoute(): RequestHandler {
  let printed: Promise<{ sdl: string; etag: string }> | undefined;
  return async (_req, res, next) => {
    try {
      printed ??= printSchemaSdl().then((sdl) => ({ sdl, etag: `"${createHash('sha256').update(sdl).digest('base64url').slice(0, 32)}"` }));
      const { sdl, etag } = await printed;
      res.set({ 'Cache-Control': 'no-cache', ETag: etag, 'X-Content-Type-Options': 'nosniff' });
      // text/plain so that a browser shows it; express answers 304 itself when If-None-Match matches the ETag.
      res.type('text/plain; charset=utf-8').send(sdl);
    } catch (err) {
      next(err);
    }
  };
}

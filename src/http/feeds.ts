import { createHash } from 'node:crypto';
import cors from 'cors';
import express, { type Request, type Response } from 'express';
import { AppError } from '../graphql/errors';
import { readCalendarFeed } from '../modules/feeds/calendar';
import { readMeetingFeed } from '../modules/feeds/meetings';
import type { Config } from '../config/config';
import type { Logger } from '../config/logger';
import type { PublicFeedDeps } from '../modules/feeds/public-transaction';
import type { RateLimiter } from '../modules/rate-limits/rate-limiter';

/**
 * The public feeds, outside GraphQL (no Authorization header: calendar apps and meeting finders cannot send one):
 *
 * - `GET /feeds/calendar/<token>.ics`: a member's calendar feed, `text/calendar`; unknown, revoked or no longer
 *   permitted tokens are 404, all alike.
 * - `GET /feeds/<network-slug>/meetings.json`: the network's publicly listed groups in the Meeting Guide format, with
 *   ETag and Last-Modified (304 for If-None-Match / If-Modified-Since); open to any origin (CORS `*`).
 *
 * Each is rate limited with the API's leaky buckets (src/modules/rate-limits), FEEDS_RATE_LIMIT_PER_MINUTE requests per
 * minute per calendar token and per client address and network for the meeting feed; over it: 429 with Retry-After.
 * The token is never logged.
 */
export function feedsRouter(deps: PublicFeedDeps, rateLimiter: RateLimiter, config: Config, logger: Logger): express.Router {
  const router = express.Router();
  const perMinute = config.feedsRateLimitPerMinute;
  const policy = { max: perMinute, restoreRate: perMinute / 60 };

  /** False (and 429 sent) when the bucket is empty. */
  async function admit(res: Response, key: string): Promise<boolean> {
    if (perMinute === 0) return true;
    const { allowed, retryAfter } = await rateLimiter.takeRequest(key, policy);
    if (allowed) return true;
    res.status(429).set('retry-after', String(retryAfter)).type('text/plain').send('Too many requests for this feed; retry later\n');
    return false;
  }

  /** Busy or timed out (503, retry in a second), else 500 and a log line naming the route only. */
  function fail(res: Response, route: string, err: unknown): void {
    if (err instanceof AppError && (err.code === 'SERVER_BUSY' || err.code === 'TIMEOUT')) {
      res.status(503).set('retry-after', '1').type('text/plain').send('Busy; retry in a second\n');
      return;
    }
    logger.error('feed failed', { route, error: err instanceof Error ? err.message : String(err) });
    res.status(500).type('text/plain').send('Internal error\n');
  }

  const notFound = (res: Response) => res.status(404).type('text/plain').send('Not found\n');

  router.get('/feeds/calendar/:file', async (req: Request<{ file: string }>, res) => {
    const file = req.params.file;
    const token = file.endsWith('.ics') ? file.slice(0, -4) : '';
    // The bucket is the token's (by its hash): calendar services fetch many people's feeds from a few addresses.
    if (!(await admit(res, `cal:${createHash('sha256').update(token).digest('hex').slice(0, 32)}`))) return;
    try {
      const calendar = await readCalendarFeed(deps, token);
      if (calendar === null) return void notFound(res);
      res.status(200).set({ 'content-type': 'text/calendar; charset=utf-8', 'cache-control': 'private, no-cache', 'x-robots-tag': 'noindex' }).send(calendar);
    } catch (err) {
      fail(res, 'calendar', err);
    }
  });

  router.get(
    '/feeds/:slug/meetings.json',
    cors({ origin: '*', methods: ['GET', 'HEAD'], maxAge: config.corsMaxAgeSeconds }),
    async (req: Request<{ slug: string }>, res) => {
      const slug = req.params.slug;
      if (!(await admit(res, `mtg:${slug.slice(0, 63)}:${req.ip ?? req.socket.remoteAddress ?? ''}`))) return;
      try {
        const feed = await readMeetingFeed(deps, slug);
        if (feed === null) return void notFound(res);
        // Finders may cache for five minutes, then revalidate cheaply (304 without a body).
        res.set({ etag: feed.etag, 'last-modified': feed.lastModified.toUTCString(), 'cache-control': 'public, max-age=300' });
        // `req.fresh`: If-None-Match against the ETag (it takes precedence), else If-Modified-Since against Last-Modified.
        if (req.fresh) return void res.status(304).end();
        res.status(200).type('application/json; charset=utf-8').send(feed.body);
      } catch (err) {
        fail(res, 'meetings', err);
      }
    },
  );

  return router;
}

import { purgeExpired } from './retention.purge';
import type { Logger } from '../../config/logger';
import type { DataSource } from 'typeorm';

/** The first purge after start waits at most this long (a deployment restarting more often than the interval still purges). */
const FIRST_RUN_DELAY_MS = 60_000;

export interface RetentionJob {
  /** Stops the schedule; waits for a running purge to end at its next batch. */
  stop(): Promise<void>;
}

/**
 * Runs the retention purge every `intervalMs` (0: never), over `networks` (ids; absent: all). Instances may all run it: the purge's batches skip
 * rows another instance holds (SKIP LOCKED), so they share the work instead of repeating it.
 */
export function startRetentionJob(dataSource: DataSource, logger: Logger, intervalMs: number, networks?: readonly string[]): RetentionJob {
  if (intervalMs <= 0) return { stop: () => Promise.resolve() };
  let stopped = false;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout;
  const schedule = (ms: number) => {
    timer = setTimeout(run, ms);
    timer.unref();
  };
  const run = () => {
    running = (async () => {
      try {
        const purged = await purgeExpired(dataSource, { networks, stopped: () => stopped });
        if (purged.size) logger.info('retention purge', { networks: purged.size });
      } catch (err) {
        logger.error('retention purge failed', { error: (err as Error).message });
      }
    })();
    void running.then(() => {
      if (!stopped) schedule(intervalMs);
    });
  };
  schedule(Math.min(intervalMs, FIRST_RUN_DELAY_MS));
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

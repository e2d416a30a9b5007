import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import autocannon from 'autocannon';

/** One load run: POST the items to the URL in turn (each request takes the next item), for `duration` seconds. */
export interface LoadJob {
  url: string;
  connections: number;
  duration: number;
  items: Array<{ authorization: string; body: string }>;
  /** Requests per second over all connections (open loop); unset: each connection sends as fast as it is answered. */
  overallRate?: number;
}

export interface LoadResult {
  requests: number;
  reqPerSec: number;
  latencyAvg: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  non2xx: number;
  /** 2xx responses whose body has "errors" (GraphQL errors). */
  graphqlErrors: number;
  socketErrors: number;
  timeouts: number;
  /** The first failing response (status and start of the body), for the report. */
  firstError?: string;
  /** Responses per HTTP status. */
  statusCounts: Record<string, number>;
  /** Failing responses per the first error's `extensions.code` (SERVER_BUSY, TIMEOUT, …). */
  errorCodes: Record<string, number>;
}

/** Failing responses of a run: non-2xx, 2xx with GraphQL errors, socket errors, timeouts. */
export const failures = (r: LoadResult): number => r.non2xx + r.graphqlErrors + r.socketErrors + r.timeouts;

async function run(job: LoadJob): Promise<LoadResult> {
  let next = 0;
  let graphqlErrors = 0;
  let firstError: string | undefined;
  const statusCounts: Record<string, number> = {};
  const errorCodes: Record<string, number> = {};
  const opts = {
    url: job.url,
    connections: job.connections,
    duration: job.duration,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    ...(job.overallRate ? { overallRate: job.overallRate } : {}),
    requests: [
      {
        setupRequest(req: any) {
          const item = job.items[next++ % job.items.length];
          return { ...req, headers: { ...req.headers, authorization: item.authorization }, body: item.body };
        },
        onResponse(status: number, body: string) {
          const ok = status >= 200 && status < 300;
          const failed = !ok || body.includes('"errors"');
          statusCounts[status] = (statusCounts[status] ?? 0) + 1;
          if (ok && failed) graphqlErrors++;
          if (failed) {
            const code = /"code":"(\w+)"/.exec(body)?.[1] ?? `HTTP ${status}`;
            errorCodes[code] = (errorCodes[code] ?? 0) + 1;
            if (firstError === undefined) firstError = `HTTP ${status}: ${body.slice(0, 600)}`;
          }
        },
      } as any,
    ],
  };
  // Inside a worker thread autocannon returns raw histograms; aggregate them as it does on the main thread.
  const raw: any = await autocannon(opts as any);
  const result: any = raw.latency?.p50 === undefined ? (autocannon as any).aggregateResult([raw], opts) : raw;
  const completed: number = raw.totalCompletedRequests ?? raw.requests.total;
  const seconds: number = raw.duration;
  return {
    requests: completed,
    reqPerSec: completed / seconds,
    latencyAvg: result.latency.average,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    graphqlErrors,
    socketErrors: result.errors,
    timeouts: result.timeouts,
    firstError,
    statusCounts,
    errorCodes,
  };
}

/**
 * Runs a job in a worker thread: the load generator gets its own event loop (and core), so it does not
 * steal time from the server's. Works under ts-node and compiled.
 */
export function runInWorker(job: LoadJob): Promise<LoadResult> {
  const file = __filename;
  const code = file.endsWith('.ts')
    ? `require('ts-node').register({ transpileOnly: true }); require(${JSON.stringify(file)});`
    : `require(${JSON.stringify(file)});`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: { benchLoadJob: job } });
    worker.once('message', (msg: { ok: boolean; result?: LoadResult; error?: string }) => {
      void worker.terminate();
      if (msg.ok) resolve(msg.result!);
      else reject(new Error(msg.error));
    });
    worker.once('error', reject);
  });
}

if (!isMainThread && workerData?.benchLoadJob) {
  run(workerData.benchLoadJob as LoadJob).then(
    (result) => parentPort!.postMessage({ ok: true, result }),
    (err: Error) => parentPort!.postMessage({ ok: false, error: err.stack ?? String(err) }),
  );
}

// Graceful shutdown (Điều 10.1: restarts lose nothing). On SIGTERM or SIGINT: stop accepting connections, let the
// requests in flight finish, let running jobs finish, then exit 0. A deadline bounds it (a hung request must not
// keep a node from restarting: exit 1), and a second signal exits at once.
import type { FastifyInstance } from 'fastify';
import type { OpsLogger } from './alerts.ts';

/**
 * Once closing has begun, answers say `Connection: close`: a keep-alive connection that carried a request in flight
 * is then closed when it is answered, instead of holding the shutdown until the keep-alive timeout (72 s).
 */
export function registerConnectionDraining(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  // A callback hook: see request-id.ts.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
}

export function exitGracefullyOnSignals(stop: () => Promise<void>, opts: { timeoutMs: number; log: OpsLogger }): void {
  const { log } = opts;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal, timeout_s: opts.timeoutMs / 1000 }, 'shutting down: finishing requests in flight and running jobs');
    const deadline = setTimeout(() => {
      log.error({ timeout_s: opts.timeoutMs / 1000 }, 'shutdown did not finish in time: exiting anyway');
      process.exit(1);
    }, opts.timeoutMs);
    deadline.unref();
    stop().then(() => {
      log.info({}, 'shut down cleanly');
      process.exit(0);
    }, (err: Error) => {
      log.error({ err: err.message }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/**
 * A 24/7 server outlives a library's stray promise: pg-boss, for one, lets a job's `fail` call reject unobserved
 * when the database restarts under it. Such a rejection is logged and the process keeps serving; the database
 * connection pools recover by themselves. (Our own code awaits what it starts.)
 */
export function surviveStrayRejections(log: OpsLogger): void {
  process.on('unhandledRejection', (reason) => {
    log.error({ err: reason instanceof Error ? reason.message : String(reason) }, 'unhandled rejection (kept running)');
  });
}

// A worker process of its own (`tsx importers/pipeline/run-worker.ts`): runs import jobs beside or instead of the
// worker that `npm start` runs in-process. Same settings as the server (DATABASE_URL / APP_DATABASE_URL, DATA_DIR).
import { loadConfig } from '../../server/config.ts';
import { Database, resolveDatabase } from '../../server/db/database.ts';
import { startJobs } from '../../server/jobs/boss.ts';
import { startImportWorker } from './worker.ts';

/** `--name=value` arguments: how quickly this worker looks for (and takes over) jobs of a dead worker. */
function argument(name: string): number | undefined {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split('=')[1]) : undefined;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const urls = await resolveDatabase(config);
  const db = new Database(urls.appUrl, 10);
  const boss = await startJobs(urls.appUrl, { work: true });
  const worker = await startImportWorker({
    boss, db, dataDir: config.DATA_DIR, pollingIntervalSeconds: 0.5,
    recoverEverySeconds: argument('recover-every') ?? 10, orphanGraceSeconds: argument('orphan-grace') ?? 15,
    cleanup: { cron: config.IMPORT_CLEANUP_CRON, maxAgeHours: config.IMPORT_PREVIEW_MAX_AGE_HOURS },
    log: (msg, extra) => console.log(JSON.stringify({ msg, ...extra })),
  });
  console.log(JSON.stringify({ msg: 'import worker started', pid: process.pid }));
  const stop = async () => {
    await worker.stop();
    await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    await db.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});

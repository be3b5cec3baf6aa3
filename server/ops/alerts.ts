// Alerts of operations (a failed backup or restore drill, a failed copy off the machine, no verified backup for too long): logged, recorded in
// ops.alerts for the operator's admin page, and sent through the configured hooks — ALERT_COMMAND (a shell command
// such as `mail -s "…" ops@…` that gets the message on stdin and in ALERT_MESSAGE) and ALERT_WEBHOOK_URL (a JSON
// POST). A hook that fails is logged and noted on the alert; it never hides the alert itself.
import os from 'node:os';
import type pg from 'pg';
import type { Config } from '../config.ts';
import { runShellCommand } from './run-command.ts';

export interface OpsLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface Alert {
  kind: 'backup_failed' | 'drill_failed' | 'backup_sync_failed' | 'retention_failed' | 'backup_stale';
  message: string;
  details?: Record<string, unknown>;
  backupId?: string;
}

type HookSettings = Pick<Config, 'ALERT_COMMAND' | 'ALERT_WEBHOOK_URL' | 'PUBLIC_URL'>;

export async function deliverAlert(settings: HookSettings, alert: Alert, at: Date): Promise<Record<string, string>> {
  const delivery: Record<string, string> = {};
  const text = `[Cao Bằng GIS${settings.PUBLIC_URL ? ` ${settings.PUBLIC_URL}` : ''}, ${os.hostname()}] ${alert.message}`;
  const tasks: Promise<void>[] = [];
  if (settings.ALERT_COMMAND) {
    tasks.push(runShellCommand(settings.ALERT_COMMAND, {
      env: { ALERT_KIND: alert.kind, ALERT_MESSAGE: text, ALERT_AT: at.toISOString() },
      input: `${text}\n\n${JSON.stringify(alert.details ?? {}, null, 2)}\n`,
      timeoutMs: 30_000,
    }).then((r) => {
      delivery.command = r.ok ? 'ok' : `failed (${r.result})${r.stderr ? `: ${r.stderr.slice(-300)}` : ''}`;
    }));
  }
  if (settings.ALERT_WEBHOOK_URL) {
    tasks.push(fetch(settings.ALERT_WEBHOOK_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source: 'caobang-gis', host: os.hostname(), at: at.toISOString(), kind: alert.kind, message: text, details: alert.details ?? {} }),
      signal: AbortSignal.timeout(15_000),
    }).then((res) => {
      delivery.webhook = res.ok ? 'ok' : `failed (HTTP ${res.status})`;
    }, (err: Error) => {
      delivery.webhook = `failed (${err.message})`;
    }));
  }
  await Promise.all(tasks);
  return delivery;
}

/** `client` writes ops.alerts: the backup connection (the owner), which the alert is about anyway. */
export async function raiseAlert(client: pg.ClientBase, config: HookSettings, log: OpsLogger, alert: Alert): Promise<void> {
  const at = new Date();
  log.error({ alert: alert.kind, details: alert.details }, `ALERT ${alert.kind}: ${alert.message}`);
  const delivery = await deliverAlert(config, alert, at);
  for (const [hook, outcome] of Object.entries(delivery)) {
    if (outcome !== 'ok') log.error({ alert: alert.kind, hook }, `alert hook ${hook} ${outcome}`);
  }
  await client.query(
    'insert into ops.alerts (at, kind, message, details, delivery, backup_id) values ($1, $2, $3, $4, $5, $6)',
    [at, alert.kind, alert.message, JSON.stringify(alert.details ?? {}), JSON.stringify(delivery), alert.backupId ?? null],
  ).catch((err: Error) => log.error({ err: err.message }, 'could not record the alert in ops.alerts'));
}

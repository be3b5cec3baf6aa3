// Operator-configured shell hooks (ALERT_COMMAND, BACKUP_SYNC_COMMAND). What varies (the alert text, the backup path)
// goes in environment variables and stdin, never into the command line, so no value can be read as shell syntax.
import { spawn } from 'node:child_process';

export interface CommandOutcome {
  ok: boolean;
  /** Exit code, or the signal / error that stopped it. */
  result: string;
  /** The last lines it wrote to stderr, for the record. */
  stderr: string;
}

export function runShellCommand(
  command: string,
  opts: { env?: Record<string, string>; input?: string; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<CommandOutcome> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], {
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'ignore', 'pipe'],
      timeout: opts.timeoutMs ?? 60_000,
      signal: opts.signal,
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-2000);
    });
    child.stdin.on('error', () => {}); // a command that does not read its stdin
    child.stdin.end(opts.input ?? '');
    child.on('error', (err) => resolve({ ok: false, result: err.message, stderr: stderr.trim() }));
    child.on('close', (code, signal) => resolve({
      ok: code === 0,
      result: code !== null ? `exit ${code}` : `killed by ${signal}`,
      stderr: stderr.trim(),
    }));
  });
}

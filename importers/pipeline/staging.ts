// Streams a dataset's features into the import's raw staging table with COPY: geometry as hex WKB in the
// source CRS, properties and the reader's problems as JSON. Memory stays flat: features are encoded into
// COPY text in small chunks and written with backpressure.
import { once } from 'node:events';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { SourceFeature } from './reader.ts';
import { checkWkb } from './wkb-check.ts';

export interface StagingProgress {
  done: number;
  total: number;
}

const CHUNK_BYTES = 256 * 1024;

// COPY text format: backslash, tab, newline and carriage return must be escaped. JSON.stringify already writes
// control characters as \uXXXX or \n, so only the backslashes it writes need doubling.
function copyText(value: string): string {
  return value.includes('\\') ? value.replace(/\\/g, '\\\\') : value;
}

// jsonb refuses \u0000: a NUL in a DBF value is padding, never data. (Checked on the output: a replacer function
// would slow every feature down for the rare one that has a NUL.)
function jsonOf(value: unknown): string {
  const text = JSON.stringify(value);
  if (!text.includes('\\u0000')) return text;
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'string' ? v.replace(/\u0000/g, '') : v));
}

// Vietnamese text is stored precomposed (NFC), whatever the file did (Windows-1258 and some UTF-8 files decompose).
function nfc(properties: SourceFeature['properties']): SourceFeature['properties'] {
  let out: SourceFeature['properties'] | null = null;
  for (const k in properties) {
    const v = properties[k];
    if (typeof v === 'string') {
      const n = v.normalize('NFC');
      if (n !== v) (out ??= { ...properties })[k] = n;
    }
  }
  return out ?? properties;
}

// Runs once per feature of every import: no allocation that a feature without problems does not need.
export function copyLine(f: SourceFeature): string {
  let problems = f.problems;
  let wkb = '\\N';
  if (f.wkb) {
    const verdict = checkWkb(f.wkb);
    if (verdict.ok) wkb = f.wkb.toString('hex');
    else problems = [...problems, { code: verdict.code, message: verdict.message }];
  }
  const props = copyText(jsonOf(nfc(f.properties ?? {})));
  const probs = problems.length > 0 ? copyText(jsonOf(problems)) : '\\N';
  return `${f.index}\t${wkb}\t${props}\t${probs}\n`;
}

/**
 * Copies every feature into `table` (a name from imports.reset_staging). `onProgress` is called now and then;
 * it must not block (the caller writes progress on another connection).
 */
export async function copyFeatures(
  client: pg.ClientBase,
  table: string,
  features: AsyncIterable<SourceFeature>,
  total: number,
  onProgress: (p: StagingProgress) => void,
): Promise<number> {
  const stream = client.query(copyFrom(`copy ${table} (idx, wkb, props, problems) from stdin`));
  const finished = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  // Observed at once: a connection lost mid-COPY must reject this promise, not crash the process unobserved.
  finished.catch(() => {});
  let chunk = '';
  let done = 0;
  let lastReport = Date.now();
  const flush = async () => {
    if (chunk.length === 0) return;
    const ok = stream.write(chunk);
    chunk = '';
    if (!ok) await Promise.race([once(stream, 'drain'), finished]);
  };
  try {
    for await (const f of features) {
      chunk += copyLine(f);
      done++;
      if (chunk.length >= CHUNK_BYTES) await flush();
      if ((done & 1023) === 0 && Date.now() - lastReport > 250) {
        lastReport = Date.now();
        onProgress({ done, total });
      }
    }
    await flush();
  } catch (err) {
    // The reader failed mid-file: abort the COPY so the connection is usable, then report the reader's error.
    stream.destroy(err as Error);
    await finished.catch(() => {});
    throw err;
  }
  stream.end();
  await finished;
  onProgress({ done, total });
  return done;
}

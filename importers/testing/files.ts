// Scratch folders for tests: each test file gets its own, removed when it ends.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function scratchDir(label: string): { dir: string; write(name: string, data: Buffer | string): string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cb-import-${label}-`));
  return {
    dir,
    write(name, data) {
      const p = path.join(dir, name);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, data);
      return p;
    },
    remove() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

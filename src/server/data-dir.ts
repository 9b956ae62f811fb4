// The data directory must exist and take writes before anything is opened in it: a read-only or
// missing mount should stop the server at start with one clear line, not a stack trace from SQLite.
import { accessSync, constants, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirError extends Error {
  override readonly name = 'DataDirError';
}

export function prepareDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    // access() says yes for root on a read-only file system; only a real write tells.
    const probe = join(dir, `.parley-write-probe-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new DataDirError(
      `data directory ${dir} is not writable (${code}: ${(error as Error).message}); ` + 'point --data-dir or PARLEY_DATA_DIR at a writable directory',
      { cause: error },
    );
  }
}

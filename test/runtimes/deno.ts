/**
 * Runs the `deno` dev dependency from Node tests: a private DENO_DIR per test file, no update
 * check, no colour, and the repository root as the working folder.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DENO = join(ROOT, 'node_modules/.bin/deno');

export interface DenoRunner {
  /** Run `deno` with `args` from the repository root, within `timeoutInMs`. */
  run(args: string[], timeoutInMs?: number): Promise<{ stdout: string; stderr: string }>;
  /** Delete the runner's DENO_DIR. */
  dispose(): Promise<void>;
}

/** Create a runner with its own DENO_DIR, so that test files do not share Deno's cache. */
export async function createDenoRunner(): Promise<DenoRunner> {
  const denoDir = await mkdtemp(join(tmpdir(), 'webpubsub-deno-'));
  const env = { ...process.env, DENO_NO_UPDATE_CHECK: '1', DENO_DIR: denoDir, NO_COLOR: '1' };
  return {
    run: (args, timeoutInMs = 60_000) => run(DENO, args, { cwd: ROOT, timeout: timeoutInMs, env }),
    dispose: () => rm(denoDir, { recursive: true, force: true }),
  };
}

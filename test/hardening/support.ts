import { ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { sleep } from '../../src/common/sleep';

const ROOT = resolve(__dirname, '../..');

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sourceFiles(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.spec.ts')) out.push(p);
  }
  return out;
}

/**
 * The service compiled (tsc, tsconfig.build.json) into a directory of its own under the OS temp
 * dir, keyed by the sources' content: suites of one run share it, and the project's dist/ (which
 * other people build and delete) is never touched. Node finds the project's node_modules through
 * NODE_PATH (see `childEnv`).
 */
export async function buildService(): Promise<string> {
  const files = ['src', 'migrations', 'scripts'].flatMap((d) => sourceFiles(join(ROOT, d))).sort();
  const h = createHash('sha256');
  for (const f of files) h.update(f).update(readFileSync(f));
  const out = join(tmpdir(), `payments-build-${h.digest('hex').slice(0, 16)}`);
  if (existsSync(join(out, 'src', 'main.js'))) return out;
  // Old builds of this checkout (other content hashes), more than an hour old.
  for (const name of readdirSync(tmpdir())) {
    const p = join(tmpdir(), name);
    if (name.startsWith('payments-build-') && p !== out && Date.now() - statSync(p).mtimeMs > 3_600_000) rmSync(p, { recursive: true, force: true });
  }
  const staging = `${out}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(staging, { recursive: true });
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', staging], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    // Type errors elsewhere in a tree being edited still emit JavaScript; only a missing entry point is fatal.
    if (!existsSync(join(staging, 'src', 'main.js'))) throw err;
    process.stderr.write(`[hardening] tsc reported errors but emitted the build: ${String((err as { stdout?: string }).stdout ?? '').slice(0, 2000)}\n`);
  }
  try {
    renameSync(staging, out);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another suite won the race
  }
  return out;
}

/** Environment of a child service process: the test's settings, nothing of the test runner's database choice. */
export function childEnv(settings: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k === 'DATABASE_URL' || k === 'NODE_OPTIONS' || k.startsWith('JEST') || v === undefined) continue;
    env[k] = v;
  }
  for (const [k, v] of Object.entries(settings)) if (v !== undefined) env[k] = v;
  env.NODE_PATH = join(ROOT, 'node_modules');
  return env;
}

export interface Child {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

export function startChild(script: string, env: NodeJS.ProcessEnv): Child {
  const proc = spawn(process.execPath, [script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((r) =>
    proc.once('exit', (code, signal) => r({ code, signal, at: Date.now() })),
  );
  return { proc, output: () => out, exited };
}

export { sleep };

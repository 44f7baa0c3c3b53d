import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** What the portal's build output is made from (contracts.md, "Portal client and sign-in"). */
const SOURCES = ['src', 'public', 'index.html', 'vite.config.ts', 'package.json'];

export type PortalBuildState =
  | { readonly stale: false }
  | { readonly stale: true; readonly reason: 'not built' | 'sources changed' };

/**
 * Whether `portalDir/dist` must be (re)built: when `dist/index.html` is missing or older than the
 * newest file among the portal's sources. Missing sources count as unchanged.
 */
export function portalBuildState(portalDir: string): PortalBuildState {
  const built = mtimeOf(path.join(portalDir, 'dist', 'index.html'));
  if (built === undefined) return { stale: true, reason: 'not built' };
  const newest = Math.max(0, ...SOURCES.map((entry) => newestMtime(path.join(portalDir, entry))));
  return newest > built ? { stale: true, reason: 'sources changed' } : { stale: false };
}

export interface EnsurePortalBuiltOptions {
  /** The portal workspace (holds index.html, src/, dist/). */
  readonly portalDir: string;
  /** Progress lines for the person starting the gateway. */
  readonly log: (line: string) => void;
  /** Runs the build; resolves with its exit code. Default: `npm run build -w portal` in the repository. */
  readonly build?: (log: (line: string) => void) => Promise<number>;
}

export type PortalBuildOutcome = 'fresh' | 'built' | 'failed';

/**
 * Builds the patient portal when its build output is missing or older than its sources, as
 * `npm start` promises. A failed build does not stop the gateway: the FHIR API and sign-in still
 * work, and `/portal/` says what went wrong; the outcome tells the caller which happened.
 */
export async function ensurePortalBuilt(options: EnsurePortalBuiltOptions): Promise<PortalBuildOutcome> {
  const state = portalBuildState(options.portalDir);
  if (!state.stale) return 'fresh';
  options.log(`Building the patient portal (${state.reason}): npm run build -w portal …`);
  const started = Date.now();
  const build = options.build ?? ((log) => npmBuild(path.dirname(options.portalDir), log));
  let code: number;
  try {
    code = await build(options.log);
  } catch (error) {
    options.log(`The portal build could not run (${(error as Error).message}).`);
    code = -1;
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (code === 0 && !portalBuildState(options.portalDir).stale) {
    options.log(`Patient portal built in ${seconds} s.`);
    return 'built';
  }
  options.log(`The portal build failed (exit ${code}) after ${seconds} s; /portal/ will say so. Fix it and run npm run build -w portal.`);
  return 'failed';
}

/** `npm run build -w portal`, its output streamed line by line with a prefix. */
function npmBuild(repositoryDir: string, log: (line: string) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const child = spawn(npm, ['run', 'build', '-w', 'portal'], { cwd: repositoryDir, stdio: ['ignore', 'pipe', 'pipe'] });
    const forward = (stream: NodeJS.ReadableStream) => {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const lines = (rest + chunk).split(/\r?\n/);
        rest = lines.pop() ?? '';
        for (const line of lines) if (line.trim() !== '') log(`  portal build │ ${line}`);
      });
      stream.on('end', () => rest.trim() !== '' && log(`  portal build │ ${rest}`));
    };
    forward(child.stdout!);
    forward(child.stderr!);
    child.once('error', reject);
    child.once('close', (code) => resolve(code ?? -1));
  });
}

function mtimeOf(file: string): number | undefined {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The newest modification time of a file, or of any file below a directory (0 when absent). */
function newestMtime(entry: string): number {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(entry);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  // The directory's own time changes when a file in it is deleted or renamed.
  let newest = stat.mtimeMs;
  for (const child of fs.readdirSync(entry, { withFileTypes: true })) {
    if (child.name === 'node_modules') continue;
    newest = Math.max(newest, newestMtime(path.join(entry, child.name)));
  }
  return newest;
}

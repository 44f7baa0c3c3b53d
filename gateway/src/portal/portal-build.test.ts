import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensurePortalBuilt, portalBuildState } from './portal-build.ts';

let portal: string;

/** Writes a file with a given modification time (seconds since the epoch). */
function write(relative: string, mtime: number, content = 'x'): void {
  const file = path.join(portal, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  fs.utimesSync(file, mtime, mtime);
}

/** Sets every directory's own mtime, which creating files above has moved to now. */
function settleDirectories(mtime: number): void {
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) walk(path.join(dir, entry.name));
    fs.utimesSync(dir, mtime, mtime);
  };
  walk(portal);
}

beforeEach(() => {
  portal = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-build-'));
});

afterEach(() => {
  fs.rmSync(portal, { recursive: true, force: true });
});

describe('portalBuildState', () => {
  it('is stale when there is no build', () => {
    write('src/main.tsx', 1000);
    expect(portalBuildState(portal)).toEqual({ stale: true, reason: 'not built' });
  });

  it('is fresh when the build is newer than every source', () => {
    for (const source of ['src/main.tsx', 'src/pages/home.tsx', 'public/icon.png', 'index.html', 'vite.config.ts', 'package.json']) write(source, 1000);
    write('dist/index.html', 2000);
    settleDirectories(1000);
    expect(portalBuildState(portal)).toEqual({ stale: false });
  });

  it.each(['src/pages/home.tsx', 'public/icon.png', 'index.html', 'vite.config.ts', 'package.json'])('is stale when %s is newer than the build', (source) => {
    for (const other of ['src/main.tsx', 'src/pages/home.tsx', 'public/icon.png', 'index.html', 'vite.config.ts', 'package.json']) write(other, 1000);
    write('dist/index.html', 2000);
    write(source, 3000);
    settleDirectories(1000);
    expect(portalBuildState(portal)).toEqual({ stale: true, reason: 'sources changed' });
  });

  it('notices a deleted source through its directory', () => {
    write('src/a.tsx', 1000);
    write('dist/index.html', 2000);
    settleDirectories(1000);
    fs.utimesSync(path.join(portal, 'src'), 3000, 3000);
    expect(portalBuildState(portal).stale).toBe(true);
  });

  it('ignores node_modules and files outside the sources', () => {
    write('src/main.tsx', 1000);
    write('dist/index.html', 2000);
    write('src/node_modules/x/index.js', 5000);
    write('README.md', 5000);
    settleDirectories(1000);
    expect(portalBuildState(portal)).toEqual({ stale: false });
  });
});

describe('ensurePortalBuilt', () => {
  it('does not build a fresh portal', async () => {
    write('src/main.tsx', 1000);
    write('dist/index.html', 2000);
    settleDirectories(1000);
    const lines: string[] = [];
    let builds = 0;
    const outcome = await ensurePortalBuilt({ portalDir: portal, log: (l) => lines.push(l), build: async () => ++builds && 0 });
    expect(outcome).toBe('fresh');
    expect(builds).toBe(0);
    expect(lines).toEqual([]);
  });

  it('builds a stale portal, printing progress', async () => {
    write('src/main.tsx', 1000);
    const lines: string[] = [];
    const outcome = await ensurePortalBuilt({
      portalDir: portal,
      log: (l) => lines.push(l),
      build: async (log) => {
        log('vite building');
        write('dist/index.html', Date.now() / 1000);
        return 0;
      },
    });
    expect(outcome).toBe('built');
    expect(lines[0]).toMatch(/^Building the patient portal \(not built\): npm run build -w portal/);
    expect(lines).toContain('vite building');
    expect(lines.at(-1)).toMatch(/^Patient portal built in \d+\.\d s\.$/);
  });

  it('reports a failed build without throwing', async () => {
    write('src/main.tsx', 1000);
    const lines: string[] = [];
    expect(await ensurePortalBuilt({ portalDir: portal, log: (l) => lines.push(l), build: async () => 1 })).toBe('failed');
    expect(lines.at(-1)).toMatch(/portal build failed \(exit 1\)/);
    expect(await ensurePortalBuilt({ portalDir: portal, log: (l) => lines.push(l), build: () => Promise.reject(new Error('spawn npm ENOENT')) })).toBe('failed');
    expect(lines.join('\n')).toContain('could not run (spawn npm ENOENT)');
  });
});

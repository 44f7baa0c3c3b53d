import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { applyMigrations, openSqlite } from '../../gateway/src/db/sqlite/connection.ts';
import { createSqliteStore } from '../../gateway/src/db/sqlite/store.ts';
import { KeyRing } from '../../gateway/src/keys/key-ring.ts';
import { signAccessToken } from '../../gateway/src/oauth/tokens/access-token.ts';
import { benchData } from './bench-data.ts';
import { formThroughput, latency, throughput, type LoadResult, type Target } from './load.ts';
import { oauthFixtures } from './oauth-fixtures.ts';
import { portalBenchmarks } from './portal.ts';
import { freePort, startServer, stop } from './processes.ts';

/**
 * `npm run bench`: in one run, a Hono hello-world baseline, then the gateway's FHIR read by id (full
 * token verification and grant check) and the vitals search on a store of 1,000,000 Observations over
 * 10,000 patients, and the token endpoint: code exchanges, refreshes and backend-service tokens. Both servers run side by
 * side and are measured in alternating rounds, so drift on a shared machine hits every target alike;
 * each figure is the median of the rounds, in req/s under load and as latency one request at a time,
 * and as a ratio to the baseline.
 */
const { values } = parseArgs({
  options: {
    patients: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    // `gateway` or `portal` runs only that part (the portal's: bundle sizes and Lighthouse, test/bench/portal.ts).
    only: { type: 'string', default: 'all' },
  },
});
const patients = Number(values.patients);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const root = path.resolve(import.meta.dirname, '../..');
const dataDir = path.join(root, 'data', 'bench');

interface Row {
  readonly name: string;
  readonly load: LoadResult;
  readonly single: { p50Ms: number; p99Ms: number };
}

async function measure(name: string, target: Target, round: number): Promise<Row> {
  process.stderr.write(`▶ round ${round}/${rounds} · ${name}: warm-up, ${seconds} s at ${connections} connections, then one at a time…\n`);
  await throughput(target, 1, connections);
  const load = await throughput(target, seconds, connections);
  if (load.non2xx > 0) throw new Error(`${name}: ${load.non2xx} responses were not 2xx`);
  const single = await latency(target, 1000);
  return { name, load, single };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** The round whose throughput is the median, per target. */
function medianRows(all: readonly Row[]): Row[] {
  const names = [...new Set(all.map((r) => r.name))];
  return names.map((name) => {
    const mine = all.filter((r) => r.name === name);
    const rate = median(mine.map((r) => r.load.requestsPerSecond));
    const row = mine.find((r) => r.load.requestsPerSecond === rate)!;
    return { ...row, single: { p50Ms: median(mine.map((r) => r.single.p50Ms)), p99Ms: median(mine.map((r) => r.single.p99Ms)) } };
  });
}

async function main(): Promise<void> {
  const hostPort = await freePort();
  const publicUrl = `http://127.0.0.1:${hostPort}`;
  const data = benchData(dataDir, patients, `${publicUrl}/fhir`);

  const helloPort = await freePort();
  const hello = await startServer(path.join(import.meta.dirname, 'hello-server.ts'), { PORT: String(helloPort) }, /listening/);
  // PUBLIC_URL is the issuer and audience every token is checked against.
  const gateway = await startServer(
    path.join(root, 'gateway/src/main.ts'),
    { PORT: String(hostPort), PUBLIC_URL: publicUrl, DATABASE_URL: `file:${data.file}`, SEED: 'none' },
    /listening on/,
  );
  try {
    const token = await mintToken(data.file, publicUrl);
    const headers = { authorization: `Bearer ${token}` };
    const sample = data.patientIds.filter((_, i) => i % Math.max(1, Math.floor(patients / 1000)) === 0);
    await checkVitalsSearch(hostPort, headers, sample[0]!);
    const targets: [string, Target][] = [
      ['Hono hello world (baseline)', { port: helloPort, paths: ['/'] }],
      ['FHIR read Observation by id', { port: hostPort, headers, paths: sample.map((id, i) => `/fhir/Observation/${id}-v${i % 80}`) }],
      [
        'Vitals search (50 newest of one patient)',
        { port: hostPort, headers, paths: sample.map((id) => `/fhir/Observation?patient=${id}&category=vital-signs&_sort=-date&_count=50`) },
      ],
    ];
    const fixtures = await oauthFixtures(data.file, sample[0]!);
    const tokenEndpoint = `${publicUrl}/auth/token`;
    const tokenTargets: [string, (n: number) => Promise<string[]>, number][] = [
      ['Code → tokens exchange (with id_token)', (n) => fixtures.codeExchanges(n), 4000],
      ['Refresh (rotating)', (n) => fixtures.refreshes(n), 8000],
      ['Backend services client_credentials', (n) => fixtures.backendRequests(n, tokenEndpoint), 4000],
    ];
    const all: Row[] = [];
    for (let round = 1; round <= rounds; round++) {
      for (const [name, target] of targets) all.push(await measure(name, target, round));
      for (const [name, make, count] of tokenTargets) {
        process.stderr.write(`▶ round ${round}/${rounds} · ${name}: preparing ${count} single-use requests…\n`);
        const bodies = await make(count);
        process.stderr.write(`▶ round ${round}/${rounds} · ${name}: sending them over ${connections} connections…\n`);
        const load = await formThroughput(hostPort, '/auth/token', bodies, connections);
        if (load.non2xx > 0) throw new Error(`${name}: ${load.non2xx} responses were not 2xx`);
        all.push({ name, load, single: { p50Ms: Number.NaN, p99Ms: Number.NaN } });
      }
    }
    await fixtures.close();
    report(medianRows(all), data.patientIds.length);
  } finally {
    await Promise.all([stop(hello), stop(gateway)]);
  }
}

async function mintToken(file: string, publicUrl: string): Promise<string> {
  const db = openSqlite(file);
  applyMigrations(db, 'sqlite');
  const store = createSqliteStore(db);
  const now = () => new Date();
  const keys = new KeyRing(store.signingKeys, { now, retentionSeconds: 3900 });
  const grantId = randomUUID();
  await store.grants.insert({
    id: grantId, clientId: 'bench', kind: 'backend', userId: null, patientId: null, encounterId: null, scope: 'system/*.rs',
    sessionId: null, createdAt: now(), expiresAt: null, revokedAt: null, revokedReason: null,
  });
  const { token } = await signAccessToken(
    keys,
    { issuer: publicUrl, audience: `${publicUrl}/fhir`, now },
    { sub: 'bench', client_id: 'bench', scope: 'system/*.rs', grant_id: grantId },
    3600,
  );
  await store.close();
  return token;
}

async function checkVitalsSearch(port: number, headers: Record<string, string>, patient: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/fhir/Observation?patient=${patient}&category=vital-signs&_sort=-date&_count=50`, { headers });
  const bundle = (await res.json()) as { entry?: { resource: { effectiveDateTime: string } }[] };
  const dates = (bundle.entry ?? []).map((e) => e.resource.effectiveDateTime);
  if (res.status !== 200 || dates.length !== 50 || dates.some((d, i) => i > 0 && d > dates[i - 1]!)) {
    throw new Error(`The vitals search does not answer 50 newest-first vital signs (status ${res.status}, ${dates.length} entries)`);
  }
}

function report(rows: readonly Row[], patientCount: number): void {
  const baseline = rows[0]!.load.requestsPerSecond;
  const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
  const lines = [
    `Machine: ${machine}`,
    `Store: ${patientCount} patients, ${patientCount * 100} Observations. Load: ${connections} connections for ${seconds} s (autocannon); median of ${rounds} alternating rounds.`,
    '',
    '| benchmark | req/s | ratio to baseline | p50 / p99 under load | p50 / p99 one at a time |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${Math.round(r.load.requestsPerSecond)} | ${(r.load.requestsPerSecond / baseline).toFixed(2)}× | ` +
        `${r.load.p50Ms} / ${r.load.p99Ms} ms | ${Number.isNaN(r.single.p50Ms) ? '–' : `${r.single.p50Ms.toFixed(2)} / ${r.single.p99Ms.toFixed(2)} ms`} |`,
    ),
  ];
  process.stdout.write(`\n${lines.join('\n')}\n`);
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(path.join(dataDir, 'results.json'), JSON.stringify({ machine, date: new Date().toISOString(), rows }, null, 2));
}

async function portal(): Promise<void> {
  if (values.only === 'gateway') return;
  process.stdout.write(`\nPatient portal\n\n${(await portalBenchmarks()).join('\n')}\n`);
}

(values.only === 'portal' ? Promise.resolve() : main()).then(portal).catch((error) => {
  process.stderr.write(`benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

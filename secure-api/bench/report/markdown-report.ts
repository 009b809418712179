// Turns one run's results into Markdown (padded, so it reads as well in a terminal as in the
// README): the machine, the tables of every section, and the target lines.
import type { BenchResults, DatabaseRow, DpopFigures, TargetLine } from './bench-results.js';

function table(headers: string[], rows: string[][], rightAligned: boolean[]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, 3, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const cell = (text: string, column: number): string =>
    rightAligned[column] ? text.padStart(widths[column] ?? 0) : text.padEnd(widths[column] ?? 0);
  const render = (cells: string[]): string => `| ${cells.map(cell).join(' | ')} |`;
  const rule = `| ${widths
    .map((width, column) =>
      rightAligned[column] ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width),
    )
    .join(' | ')} |`;
  return [render(headers), rule, ...rows.map(render)].join('\n');
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const fixed = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const percent = (share: number): string => `${(share * 100).toFixed(share === 1 ? 0 : 2)} %`;

/** SQLite against PostgreSQL, one row per operation (reported; no target). */
export function databaseTable(rows: DatabaseRow[]): string {
  const operations = [...new Set(rows.map((row) => row.operation))];
  const find = (database: DatabaseRow['database'], operation: DatabaseRow['operation']) =>
    rows.find((row) => row.database === database && row.operation === operation);
  return table(
    [
      'operation (10 conn)',
      'SQLite req/s',
      'PostgreSQL req/s',
      'SQLite p99 ms',
      'PostgreSQL p99 ms',
    ],
    operations.map((operation) => {
      const sqlite = find('sqlite', operation);
      const postgres = find('postgres', operation);
      return [
        sqlite?.label ?? postgres?.label ?? operation,
        sqlite ? int(sqlite.requestsPerSecond) : 'n/a',
        postgres ? int(postgres.requestsPerSecond) : 'n/a',
        fixed(sqlite?.p99Ms ?? Number.NaN),
        fixed(postgres?.p99Ms ?? Number.NaN),
      ];
    }),
    [false, true, true, true, true],
  );
}

export function describeMachine(results: BenchResults): string {
  const m = results.machine;
  return (
    `${m.cpus} cores (${m.cpuModel}), Node ${m.node}, ${m.platform}; ` +
    `1-min load average at start ${m.loadAverageAtStart.toFixed(2)}; ${m.cpuPinning}; ` +
    `run of ${results.generatedAt} (${Math.round(results.totalSeconds)} s)`
  );
}

function targetValue(line: TargetLine, value: number): string {
  if (line.unit === 'x') return fixed(value);
  if (line.unit === 'share') return percent(value);
  return Number.isInteger(value) ? String(value) : fixed(value, 1);
}

export function targetLines(results: BenchResults): string[] {
  return results.targets.map(
    (line) =>
      `${line.holds ? 'PASS' : 'FAIL'}  ${line.label}: ${targetValue(line, line.value)} ` +
      `(target ${line.comparison === '==' ? '=' : line.comparison === '>=' ? '≥' : '≤'} ` +
      `${targetValue(line, line.target)})`,
  );
}

function roundCounts(results: BenchResults): string {
  return Object.entries(results.rounds)
    .map(([connections, rounds]) => `${rounds} (${connections} conn)`)
    .join(' / ');
}

export function markdownReport(results: BenchResults): string {
  const parts: string[] = [];
  parts.push(`Machine: ${describeMachine(results)}.`);

  parts.push(
    '**API throughput and latency** (autocannon in the parent process, each server in its own ' +
      'process, one under load at a time; the same valid RS256 token on every request; ' +
      `a ${results.runSeconds} s warm-up, then ${roundCounts(results)} interleaved rounds of ` +
      `${results.runSeconds} s (route order reversed every other round, each run after ` +
      `${results.runSeconds} s of unmeasured load on its route), medians shown; the target ` +
      "ratios are medians of the rounds' ratios; request logging off everywhere)",
  );
  parts.push(
    table(
      ['server / route', 'conn', 'req/s', 'p50 ms', 'p99 ms', 'req per server CPU-s', 'failed'],
      results.throughput.map((row) => [
        row.label,
        String(row.connections),
        int(row.requestsPerSecond),
        fixed(row.p50Ms),
        fixed(row.p99Ms),
        int(row.requestsPerCpuSecond),
        String(row.failures),
      ]),
      [false, true, true, true, true, true, true],
    ),
  );

  parts.push(
    '**Verification, one core, RS256-2048** (per CPU-second of the benchmark process, over ' +
      '15 short interleaved rounds per path; key already cached)',
  );
  parts.push(
    table(
      ['path', 'verifies/s', 'µs each'],
      results.verify.map((row) => [row.label, int(row.opsPerSecond), fixed(row.microsPerOp)]),
      [false, true, true],
    ),
  );

  const mem = results.memory;
  parts.push(
    `**Memory of the API process** (after a full GC; bound: the flood's second half adds ` +
      `≤ ${mem.secondHalfGrowthBoundMb} MB of RSS: the cache is full after the first)`,
  );
  parts.push(
    table(
      ['moment', 'RSS MB', 'heap used MB'],
      [
        [
          'after start-up, before any load',
          fixed(mem.rssBeforeLoadMb, 1),
          fixed(mem.heapUsedBeforeLoadMb, 1),
        ],
        [
          'after the throughput runs',
          fixed(mem.rssAfterLoadMb, 1),
          fixed(mem.heapUsedAfterLoadMb, 1),
        ],
        [
          `after ${int(mem.floodTokens / 2)} distinct valid tokens`,
          fixed(mem.rssAfterHalfFloodMb, 1),
          fixed(mem.heapUsedAfterHalfFloodMb, 1),
        ],
        [
          `after ${int(mem.floodTokens / 2)} more (${int(mem.floodRequestsPerSecond)} req/s, ` +
            `${percent(mem.floodSuccessRate)} accepted; cache holds ` +
            `${int(mem.verifiedTokenCacheEntries)} of max ${int(mem.verifiedTokenCacheMaxEntries)})`,
          fixed(mem.rssAfterFloodMb, 1),
          fixed(mem.heapUsedAfterFloodMb, 1),
        ],
      ],
      [false, true, true],
    ),
  );

  const hk = results.hostileKids;
  const statuses = Object.entries(hk.hostileStatuses)
    .map(([status, n]) => `${int(n)} × ${status}`)
    .join(', ');
  parts.push(
    `**Random-kid flood**: ${int(hk.hostileRequests)} requests with random kids in ` +
      `${fixed(hk.seconds, 1)} s (answers: ${statuses}); JWKS fetches at the key-set server: ` +
      `${hk.jwksFetches} (bound ${hk.jwksFetchBound}: one per ${hk.unknownKidCooldownSeconds} s ` +
      `cooldown); valid requests meanwhile: ${int(hk.validRequests)}, ${percent(hk.validSuccessRate)} served.`,
  );

  if (results.dpop) parts.push(...dpopReport(results.dpop));

  const fn = results.functionSide;
  if (fn) {
    parts.push(
      `**Function side** (\`/test-api-call\` handler in-process, stand-ins for Auth0 and Sync, ` +
        `the real secure-api; run of ${fn.generatedAt})`,
    );
    parts.push(
      table(
        ['invocation', 'n', 'p50 ms', 'p99 ms', 'API call p50 ms', 'rest p50 ms'],
        fn.latency.map((row) => [
          row.label,
          String(row.invocations),
          fixed(row.p50Ms),
          fixed(row.p99Ms),
          fixed(row.apiP50Ms),
          fixed(row.otherP50Ms),
        ]),
        [false, true, true, true, true, true],
      ),
    );
    const ro = fn.rollover;
    parts.push(
      `Memory hits: ${fn.memoryHit.syncReads} Sync reads and ${fn.memoryHit.tokenRequests} token ` +
        `requests over ${fn.memoryHit.invocations} invocations. Rollover: ${ro.invocations} ` +
        `invocations by ${ro.concurrency} concurrent callers over ${fixed(ro.seconds, 1)} s across ` +
        `the expiry of a ${ro.tokenLifetimeSeconds} s token: ${ro.tokenRequests} token request(s), ` +
        `${ro.syncReads} Sync reads, ${ro.failures} failed invocations.`,
    );
  } else {
    parts.push('**Function side**: not run (run `npm run bench -w twilio-auth0-client` first).');
  }

  const cpuRate = (id: string): number =>
    results.throughput.find((row) => row.id === id && row.connections === 50)
      ?.requestsPerCpuSecond ?? Number.NaN;
  const ours = cpuRate('ours');
  parts.push(
    'Cross-check on server CPU cost (requests per CPU-second of each server process, 50 conn; ' +
      'insensitive to other work on the machine): ' +
      (
        [
          ['unguarded', 'unguarded'],
          ['stock', 'stock'],
          ['express-oauth2-jwt-bearer', 'express-oauth2-jwt-bearer'],
          ['node:http', 'node-http'],
        ] as const
      )
        .map(([label, id]) => `ours/${label} ${fixed(ours / cpuRate(id))}`)
        .join(', ') +
      '.',
  );

  if (results.databases?.length) {
    parts.push(
      '**Database cost** (secure-api on a SQLite file against a local PostgreSQL 15 through ' +
        'node-postgres; same token, no target)',
    );
    parts.push(databaseTable(results.databases));
  }

  parts.push('**Targets**');
  parts.push(
    targetLines(results)
      .map((text) => `- ${text}`)
      .join('\n'),
  );
  return parts.join('\n\n');
}

/** Section 6: the DPoP table and the ES256 floor (also printed by `npm run bench:dpop`). */
export function dpopReport(dpop: DpopFigures): string[] {
  return [
    `**DPoP** (GET /secure with a fresh ES256 proof per request, ${int(dpop.proofs)} proofs made ` +
      `before the runs; Bearer on the same server; Express + express-oauth2-jwt-bearer with DPoP ` +
      `required on the same proofs; a ${dpop.runSeconds} s warm-up, then ${dpop.rounds} ` +
      `interleaved rounds of ${dpop.runSeconds} s at ${dpop.connections} connections, medians)` +
      (dpop.proofPoolExhausted ? ' — the proof pool ran out: replays counted as failures' : ''),
    table(
      ['server / route', 'req/s', 'p50 ms', 'p99 ms', 'req per server CPU-s', 'failed'],
      dpop.rows.map((row) => [
        row.label,
        int(row.requestsPerSecond),
        fixed(row.p50Ms),
        fixed(row.p99Ms),
        int(row.requestsPerCpuSecond),
        String(row.failures),
      ]),
      [false, true, true, true, true, true],
    ),
    `ES256 verification floor (node:crypto \`verify\` alone, one core): ` +
      `${int(dpop.es256VerifyFloorPerSecond)}/s.`,
  ];
}

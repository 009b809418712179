// The targets, evaluated on one run's figures. Throughput ratios use the 50-connection
// rows (the load the targets were set for), as the median of the per-round ratios: the two
// routes of a round ran seconds apart, so a slow drift of the shared machine cancels out.
import type {
  DpopFigures,
  DpopRow,
  FunctionSideFigures,
  HostileKidFigures,
  MemoryFigures,
  TargetLine,
  ThroughputRow,
  VerifyRow,
} from './bench-results.js';
import { median } from '../support/statistics.js';

const TARGET_CONNECTIONS = 50;

function line(
  label: string,
  value: number,
  unit: TargetLine['unit'],
  comparison: TargetLine['comparison'],
  target: number,
): TargetLine {
  const holds =
    comparison === '>='
      ? value >= target
      : comparison === '<='
        ? value <= target
        : value === target;
  return { label, value, unit, comparison, target, holds };
}

/** Median over the rounds of `a`'s req/s divided by `b`'s in the same round. */
export function throughputRatio<Row extends ThroughputRow | DpopRow>(
  rows: Row[],
  a: Row['id'],
  b: Row['id'],
  connections: number,
): number {
  const find = (id: Row['id']): Row | undefined =>
    rows.find((row) => row.id === id && row.connections === connections);
  const [rowA, rowB] = [find(a), find(b)];
  if (!rowA || !rowB) return Number.NaN;
  const ratios = rowA.roundRequestsPerSecond.map(
    (value, round) => value / (rowB.roundRequestsPerSecond[round] ?? Number.NaN),
  );
  return median(ratios);
}

export function evaluateTargets(figures: {
  throughput: ThroughputRow[];
  verify: VerifyRow[];
  memory: MemoryFigures;
  hostileKids: HostileKidFigures;
  functionSide: FunctionSideFigures | null;
  dpop?: DpopFigures;
}): TargetLine[] {
  const ops = (id: string): number =>
    figures.verify.find((row) => row.id === id)?.opsPerSecond ?? Number.NaN;
  const oursOver = (id: ThroughputRow['id']): number =>
    throughputRatio(figures.throughput, 'ours', id, TARGET_CONNECTIONS);
  const lines = [
    line('ours / unguarded route (req/s, 50 conn)', oursOver('unguarded'), 'x', '>=', 0.9),
    line('ours / stock passport-jwt guard', oursOver('stock'), 'x', '>=', 5),
    line('ours / express-oauth2-jwt-bearer', oursOver('express-oauth2-jwt-bearer'), 'x', '>=', 4),
    line('ours / plain node:http', oursOver('node-http'), 'x', '>=', 0.4),
    line(
      'our verify on a cache miss / jsonwebtoken with a PEM string',
      ops('ours-miss') / ops('jsonwebtoken-pem'),
      'x',
      '>=',
      4,
    ),
    line(
      'RSS growth over the second 50,000 distinct tokens (MB)',
      figures.memory.secondHalfGrowthMb,
      'count',
      '<=',
      figures.memory.secondHalfGrowthBoundMb,
    ),
    line(
      'JWKS fetches during the random-kid flood',
      figures.hostileKids.jwksFetches,
      'count',
      '<=',
      figures.hostileKids.jwksFetchBound,
    ),
    line(
      'valid requests served during the random-kid flood',
      figures.hostileKids.validSuccessRate,
      'share',
      '==',
      1,
    ),
  ];
  lines.push(...dpopTargets(figures.dpop));
  const fn = figures.functionSide;
  if (fn) {
    lines.push(
      line(
        'Sync reads per memory-hit invocation',
        fn.memoryHit.syncReads / fn.memoryHit.invocations,
        'count',
        '==',
        0,
      ),
      line('token requests over the memory hits', fn.memoryHit.tokenRequests, 'count', '==', 0),
      line(
        `token requests per ${fn.rollover.invocations} invocations across a rollover`,
        fn.rollover.tokenRequests,
        'count',
        '==',
        1,
      ),
    );
  }
  return lines;
}

/** Section 6's two targets (none when the section did not run). */
export function dpopTargets(dpop: DpopFigures | undefined): TargetLine[] {
  if (!dpop) return [];
  const ratio = (a: DpopRow['id'], b: DpopRow['id']): number =>
    throughputRatio(dpop.rows, a, b, dpop.connections);
  return [
    line(
      'ours DPoP / express-oauth2-jwt-bearer DPoP',
      ratio('ours-dpop', 'express-dpop'),
      'x',
      '>=',
      3,
    ),
    line('ours DPoP / ours Bearer', ratio('ours-dpop', 'ours-bearer'), 'x', '>=', 0.35),
  ];
}

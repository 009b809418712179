// The targets, evaluated on one run's figures. Throughput ratios use the 50-connection
// rows (the load the targets were set for).
import type {
  FunctionSideFigures,
  HostileKidFigures,
  MemoryFigures,
  TargetLine,
  ThroughputRow,
  VerifyRow,
} from './bench-results.js';

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

export function evaluateTargets(figures: {
  throughput: ThroughputRow[];
  verify: VerifyRow[];
  memory: MemoryFigures;
  hostileKids: HostileKidFigures;
  functionSide: FunctionSideFigures | null;
}): TargetLine[] {
  const rps = (id: ThroughputRow['id']): number =>
    figures.throughput.find((row) => row.id === id && row.connections === TARGET_CONNECTIONS)
      ?.requestsPerSecond ?? Number.NaN;
  const ops = (id: string): number =>
    figures.verify.find((row) => row.id === id)?.opsPerSecond ?? Number.NaN;
  const ours = rps('ours');
  const lines = [
    line('ours / unguarded route (req/s, 50 conn)', ours / rps('unguarded'), 'x', '>=', 0.9),
    line('ours / stock passport-jwt guard', ours / rps('stock'), 'x', '>=', 5),
    line('ours / express-oauth2-jwt-bearer', ours / rps('express-oauth2-jwt-bearer'), 'x', '>=', 4),
    line('ours / plain node:http', ours / rps('node-http'), 'x', '>=', 0.4),
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

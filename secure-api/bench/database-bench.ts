// `npm run bench:databases -w secure-api`: only the database-throughput section (SQLite
// against PostgreSQL), without the rest of the bench. Prints the rows and writes them to
// bench/results/databases.json; `npm run bench` runs the same section and puts it in the
// README's Performance section.
import { startAuth0StandIn } from 'local-stack';
import { join } from 'node:path';
import { databaseTable } from './report/markdown-report.js';
import { measureDatabases } from './sections/database-throughput.js';
import { AUDIENCE, fetchStandInToken } from './support/bench-tokens.js';
import { PACKAGE_DIR } from './support/bench-paths.js';
import { writeJsonFile } from './support/json-file.js';

const RESULTS = join(PACKAGE_DIR, 'bench/results/databases.json');

async function main(): Promise<void> {
  const auth0 = await startAuth0StandIn();
  try {
    const token = await fetchStandInToken(auth0.tokenUrl);
    console.log('6. database cost: SQLite against PostgreSQL');
    const rows = await measureDatabases(
      { issuer: auth0.issuer, audience: AUDIENCE, jwksUri: auth0.jwksUri },
      token,
      (line) => console.log(line),
    );
    await writeJsonFile(RESULTS, { generatedAt: new Date().toISOString(), rows });
    console.log(`\n${databaseTable(rows)}\n\nwritten: ${RESULTS}`);
  } finally {
    await auth0.close();
  }
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});

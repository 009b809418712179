// Writes secure-api/openapi.json from the compiled app (run: `npm run openapi -w secure-api`,
// which builds first). The document does not depend on configuration; a placeholder tenant
// is enough to build the app, and nothing is fetched. Formatted with the repo's prettier
// settings so `npm run lint` accepts the committed file as is.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { buildOpenApiDocument, createApp, validateEnv } from '../dist/index.js';

const target = fileURLToPath(new URL('../openapi.json', import.meta.url));
const config = validateEnv({
  AUTH0_ISSUER_URL: 'https://tenant.example.auth0.com/',
  AUTH0_AUDIENCE: 'https://secure-api.local',
  DATABASE_PATH: ':memory:',
  LOG_LEVEL: 'warn',
});
const app = await createApp(config);
try {
  const document = buildOpenApiDocument(app);
  const options = (await prettier.resolveConfig(target)) ?? {};
  writeFileSync(
    target,
    await prettier.format(JSON.stringify(document), { ...options, parser: 'json' }),
  );
  console.log(`wrote ${target}`);
} finally {
  await app.close();
}

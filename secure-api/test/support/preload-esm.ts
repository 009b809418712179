// Loaded before every test file. From Node 24.9 jest require()s ES modules natively instead of
// through the @swc/jest transform. jwks-rsa (CommonJS) require()s jose (ESM only); when a test
// file imports jose as well, jose is still being linked in that test's module graph at the
// moment jwks-rsa asks for it, and jest refuses the require() as a cycle. Evaluating jose here,
// before any test file, hands every later require() and import a module that is ready.
import 'jose';

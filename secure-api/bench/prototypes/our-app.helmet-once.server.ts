// PROTOTYPE server process (bench only): secure-api built by createAppWithHelmetOnce, with the
// bench's stock route, otherwise as servers/our-app.server.ts.
import { serveInChild } from '../servers/child-protocol.js';
import { startOurApp } from '../servers/our-app.js';
import { createAppWithHelmetOnce } from './app-factory.helmet-once.js';

serveInChild(() => startOurApp(createAppWithHelmetOnce));

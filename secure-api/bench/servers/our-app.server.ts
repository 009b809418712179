// Server process: secure-api as built by its own createApp, with the bench's stock route.
import { createApp } from '../../src/app.factory.js';
import { serveInChild } from './child-protocol.js';
import { startOurApp } from './our-app.js';

serveInChild(() => startOurApp(createApp));

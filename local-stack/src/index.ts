// local-stack's public API: stand-ins for Auth0 and Twilio Sync that speak their wire
// protocols on loopback, for the launcher and for every package's tests; and a throwaway
// PostgreSQL cluster for the tests, the bench and the soak.
export {
  startAuth0StandIn,
  type Auth0StandIn,
  type Auth0StandInOptions,
  type Auth0Counters,
} from './auth0/auth0-stand-in';
export { type RegisteredClient, type RegisteredPublicKey } from './auth0/client-registry';
export { type SenderConstraining } from './auth0/sender-constraining';
export { type CapturedTokenRequest, type TokenRequestSummary } from './auth0/token-request-log';
export { CLIENT_ASSERTION_TYPE, type AssertionAlgorithm } from './auth0/client-assertion';
export { type Auth0Fault, type Auth0FaultKind, type Auth0FaultTarget } from './auth0/fault-plan';
export * as auth0Defaults from './auth0/auth0-defaults';
export { fetchDefaultClientToken } from './auth0/default-client-token';
export {
  startSyncStandIn,
  type SyncStandIn,
  type SyncStandInOptions,
  type SyncCounters,
} from './sync/sync-stand-in';
export { type SyncFault } from './sync/sync-faults';
export * as syncDefaults from './sync/sync-defaults';
export {
  startPostgresCluster,
  postgresBinDir,
  postgresInstalled,
  type PostgresCluster,
  type PostgresClusterOptions,
} from './postgres/postgres-cluster';
export { LocalStackError, type LocalStackErrorCode } from './shared/local-stack-error';

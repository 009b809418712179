// The four processes of the local system, in start order, with the names users see in the
// log prefixes and the environment variables that move their ports.
export type PartName = 'auth0' | 'sync' | 'api' | 'functions';

export const PART_NAMES: readonly PartName[] = ['auth0', 'sync', 'api', 'functions'];

export interface PartDescription {
  title: string;
  defaultPort: number;
  /** Variables read for the port, first one set wins. */
  portVariables: readonly string[];
}

export const PARTS: Readonly<Record<PartName, PartDescription>> = {
  auth0: { title: 'Auth0 stand-in', defaultPort: 4000, portVariables: ['LOCAL_AUTH0_PORT'] },
  sync: { title: 'Twilio Sync stand-in', defaultPort: 4010, portVariables: ['LOCAL_SYNC_PORT'] },
  api: { title: 'secure-api', defaultPort: 7000, portVariables: ['API_PORT', 'PORT'] },
  functions: {
    title: 'Twilio Functions (twilio-run)',
    defaultPort: 3000,
    portVariables: ['FUNCTIONS_PORT'],
  },
};

// The credentials and port the Sync stand-in uses when none are given (TEAM.md): well-formed
// like real ones (AC + 32 hex; 32 hex) so the twilio SDK accepts them unchanged.
export const DEFAULT_ACCOUNT_SID = 'AC00000000000000000000000000000000';
export const DEFAULT_AUTH_TOKEN = '00000000000000000000000000000000';
export const DEFAULT_PORT = 4010;

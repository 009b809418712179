// The one error class of local-stack: misuse of a stand-in's options or API, a failure of
// its own machinery (persistence, listening), a request refused on the wire (the
// OAuthError/TwilioError subclasses carry the real service's status and body), or what
// stopped the launcher (its CLI prints `message`, which names the part, port or variable).
// Callers switch on the stable `code`.
export type LocalStackErrorCode =
  | 'INVALID_OPTION'
  | 'LISTEN_FAILED'
  | 'PERSISTENCE_FAILED'
  | 'KEY_GENERATION_FAILED'
  /** A stand-in refusing a request the way the real service does (answered on the wire). */
  | 'REQUEST_REFUSED'
  /** Launcher: a port is taken or malformed, a build failed, a part exited or never got ready. */
  | 'PORT_IN_USE'
  | 'INVALID_PORT'
  | 'BUILD_FAILED'
  | 'PART_EXITED'
  | 'PART_NOT_READY'
  | 'NOT_BUILT';

export class LocalStackError extends Error {
  override readonly name = 'LocalStackError';

  constructor(
    readonly code: LocalStackErrorCode,
    message: string,
  ) {
    super(message);
  }
}

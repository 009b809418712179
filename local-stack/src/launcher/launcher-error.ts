// The launcher's error: what stopped the whole system from starting or running. The CLI prints
// `message` as is (it names the part, port or variable involved) and exits non-zero.
export type LauncherErrorCode =
  'PORT_IN_USE' | 'INVALID_PORT' | 'BUILD_FAILED' | 'PART_EXITED' | 'PART_NOT_READY' | 'NOT_BUILT';

export class LauncherError extends Error {
  override readonly name = 'LauncherError';

  constructor(
    readonly code: LauncherErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Shell-friendly exit codes, documented in `herald --help` and the README. */
export const EXIT = {
  ok: 0,
  /** Herald answered with an error, could not be reached, or a remote step failed. */
  remoteFailure: 1,
  /** The command line is wrong: unknown command or option, missing or malformed argument. */
  usage: 2,
  /** `herald verify`: the signature does not match, or the timestamp is too old or too new. */
  verificationFailed: 3,
  /** `herald serve`/`migrate`: Herald's environment configuration is invalid. */
  badConfiguration: 78,
} as const;

export const EXIT_CODES_HELP = `
Exit codes:
  0   success
  1   Herald answered with an error or could not be reached (the problem's detail is printed)
  2   usage error: unknown command or option, missing or malformed argument
  3   verify: the signature is not valid (the reason is printed)
  78  serve/migrate: the HERALD_* configuration is invalid`;

/** A failure the user should see as one line, with the exit code it deserves. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.remoteFailure) {
    super(message);
  }
}

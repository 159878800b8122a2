/**
 * A mistake in how the command line was written (unknown command or option, missing or malformed
 * argument). The command line prints it with the command's usage and exits with status 2.
 */
export class UsageError extends Error {
  override name = "UsageError";
}

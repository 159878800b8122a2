/** What the simulated upstream throws while it is busy: transient, worth another attempt. */
export class UpstreamBusyError extends Error {
  override name = "UpstreamBusyError";
}

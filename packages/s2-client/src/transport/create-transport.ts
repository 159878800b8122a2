import type { ResolvedConfig } from "../config.js";
import { GrpcTransport } from "./grpc/grpc-transport.js";
import { RestTransport } from "./rest/rest-transport.js";
import type { Transport } from "./transport.js";

/** The transport the settings ask for. @internal */
export function createTransport(config: ResolvedConfig): Transport {
  return config.transport === "grpc" ? new GrpcTransport(config) : new RestTransport(config);
}

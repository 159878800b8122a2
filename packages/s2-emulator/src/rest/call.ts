import type { IncomingHttpHeaders } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { Metadata } from "@grpc/grpc-js";
import { authenticate } from "../auth.js";
import type { CallContext, EmulatorCore } from "../context.js";
import { EmulatorError } from "../emulator-error.js";
import type { CallFaultPlan } from "../faults.js";
import type { RpcName } from "../rpc-names.js";
import type { SessionBreak } from "../services/stream.js";
import { restError, toRestError } from "./rest-error.js";

// The request headers the model reads (auth, basin, idempotency), as it reads gRPC metadata.
const MODEL_HEADERS = ["authorization", "s2-basin", "s2-request-token"] as const;

/** A REST call being served: its fault plan and abort handle, until it ends. */
export interface RestCall {
  readonly rpc: RpcName | undefined;
  readonly controller: AbortController;
  readonly plan: CallFaultPlan | undefined;
}

/** Counts the call, decides its faults, and tracks it so that shutdown can end it. */
export function openCall(core: EmulatorCore, rpc: RpcName | undefined): RestCall {
  const controller = new AbortController();
  core.openCalls.add(controller);
  if (rpc === undefined) return { rpc, controller, plan: undefined };
  core.calls[rpc]++;
  return { rpc, controller, plan: core.faults.onCall(rpc, "rest") };
}

/** Thrown after a `reset` fault destroyed the connection: there is no one left to answer. */
export class ConnectionReset extends Error {
  override readonly name = "ConnectionReset";
}

/** Forgets a call that ended; faults it did not report were not injected. */
export function closeCall(core: EmulatorCore, call: RestCall): void {
  call.plan?.settle();
  core.openCalls.delete(call.controller);
}

function metadataOf(headers: IncomingHttpHeaders): Metadata {
  const metadata = new Metadata();
  for (const name of MODEL_HEADERS) {
    const value = headers[name];
    const text = Array.isArray(value) ? value[0] : value;
    if (text === undefined) continue;
    if (!/^[\x20-\x7e]*$/.test(text)) {
      // The secret of an authorization header is never echoed.
      throw restError("bad_header", `header ${name} must be printable ASCII`);
    }
    metadata.set(name, text);
  }
  return metadata;
}

/**
 * The common start of a REST call, the same as a gRPC call's: injected latency, then an injected
 * connection reset, then an injected status (mapped to S2's HTTP error), then authentication.
 * Returns the model's call context.
 */
export async function beginCall(
  core: EmulatorCore,
  call: RestCall,
  headers: IncomingHttpHeaders,
  host: string,
  resetConnection: () => void,
): Promise<CallContext> {
  const { plan, controller } = call;
  if (plan !== undefined && plan.latency > 0) {
    plan.delayed();
    await sleep(plan.latency, undefined, { signal: controller.signal }).catch(() => {});
  }
  if (controller.signal.aborted) throw toRestError(controller.signal.reason);
  if (plan?.reset) {
    plan.wasReset();
    resetConnection();
    throw new ConnectionReset("injected fault: connection reset");
  }
  const fail = plan?.fail;
  if (plan !== undefined && fail !== undefined) {
    plan.failed();
    const error = new EmulatorError(
      fail.code,
      fail.message ?? "injected fault",
      fail.trailers ? { ...fail.trailers } : {},
    );
    throw toRestError(error, true);
  }
  const metadata = metadataOf(headers);
  const principal = authenticate(metadata, core.account, core.rootToken);
  return {
    core,
    rpc: call.rpc ?? "ListBasins",
    principal,
    metadata,
    host,
    signal: controller.signal,
  };
}

/** The break fault of a session call, if its plan has one. */
export function sessionBreakOf(call: RestCall): SessionBreak | undefined {
  const afterMessages = call.plan?.breakAfter;
  if (afterMessages === undefined) return undefined;
  return { afterMessages, broke: () => call.plan?.broke() };
}

import type { RpcName } from "../rpc-names.js";
import * as control from "./control.js";
import type { UnaryHandler } from "./handler.js";
import * as records from "./records.js";
import { restError } from "./rest-error.js";

/** What a request path and method resolve to. */
export type Route =
  | {
      readonly kind: "unary";
      readonly rpc: RpcName | undefined;
      readonly handler: UnaryHandler;
      readonly params: Record<string, string>;
    }
  | { readonly kind: "read"; readonly params: Record<string, string> }
  | { readonly kind: "append"; readonly params: Record<string, string> };

type Methods = Partial<Record<string, readonly [RpcName | undefined, UnaryHandler]>>;

const BASINS: Methods = {
  GET: ["ListBasins", control.listBasins],
  POST: ["CreateBasin", control.createBasin],
};
const BASIN: Methods = {
  GET: ["GetBasinConfig", control.getBasinConfig],
  PUT: ["CreateBasin", control.ensureBasin],
  DELETE: ["DeleteBasin", control.deleteBasin],
  PATCH: ["ReconfigureBasin", control.reconfigureBasin],
};
const STREAMS: Methods = {
  GET: ["ListStreams", control.listStreams],
  POST: ["CreateStream", control.createStream],
};
const STREAM: Methods = {
  GET: ["GetStreamConfig", control.getStreamConfig],
  PUT: ["CreateStream", control.ensureStream],
  DELETE: ["DeleteStream", control.deleteStream],
  PATCH: ["ReconfigureStream", control.reconfigureStream],
};
const TOKENS: Methods = {
  GET: ["ListAccessTokens", control.listAccessTokens],
  POST: ["IssueAccessToken", control.issueAccessToken],
};
const TOKEN: Methods = { DELETE: ["RevokeAccessToken", control.revokeAccessToken] };
const LOCATIONS: Methods = { GET: [undefined, control.listLocations] };
const DEFAULT_LOCATION: Methods = {
  GET: [undefined, control.getDefaultLocation],
  PUT: [undefined, control.setDefaultLocation],
};
const METRICS: Methods = { GET: [undefined, control.metrics] };
const TAIL: Methods = { GET: ["CheckTail", records.checkTail] };

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (error) {
    throw Object.assign(
      restError("bad_path", `path segment is not valid percent-encoding: ${segment}`),
      {
        cause: error,
      },
    );
  }
}

function pick(methods: Methods, method: string, params: Record<string, string>): Route | "method" {
  const entry = methods[method];
  if (entry === undefined) return "method";
  return { kind: "unary", rpc: entry[0], handler: entry[1], params };
}

/**
 * Resolves `/v1/...` (already split into raw segments after `v1`) and a method to a route:
 * `undefined` for an unknown path, `"method"` for a known path with another method.
 */
export function route(method: string, segments: readonly string[]): Route | "method" | undefined {
  const [head, second, third, fourth, ...rest] = segments;
  if (rest.length > 0) return undefined;
  switch (head) {
    case "basins":
      if (third !== undefined) return undefined;
      return second === undefined
        ? pick(BASINS, method, {})
        : pick(BASIN, method, { basin: decode(second) });
    case "access-tokens":
      if (third !== undefined) return undefined;
      return second === undefined
        ? pick(TOKENS, method, {})
        : pick(TOKEN, method, { id: decode(second) });
    case "locations":
      if (third !== undefined) return undefined;
      if (second === undefined) return pick(LOCATIONS, method, {});
      return second === "default" ? pick(DEFAULT_LOCATION, method, {}) : undefined;
    case "metrics":
      return fourth === undefined ? pick(METRICS, method, {}) : undefined;
    case "streams": {
      if (second === undefined) return pick(STREAMS, method, {});
      const params = { stream: decode(second) };
      if (third === undefined) return pick(STREAM, method, params);
      if (third !== "records") return undefined;
      if (fourth === "tail") return pick(TAIL, method, params);
      if (fourth !== undefined) return undefined;
      if (method === "GET") return { kind: "read", params };
      if (method === "POST") return { kind: "append", params };
      return "method";
    }
    default:
      return undefined;
  }
}

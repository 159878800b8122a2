import { BasinState, Operation } from "@retrykit/s2-proto";
import { authorize } from "../auth.js";
import { normalizeBasinConfig, normalizeStreamConfig } from "../config.js";
import { basinOf, type CallContext, fullStreamName } from "../context.js";
import type { Basin } from "../model/account.js";
import * as accountRpcs from "../services/account.js";
import * as basinRpcs from "../services/basin.js";
import {
  basinConfigFromJson,
  basinConfigToJson,
  basinReconfigurationFromJson,
  streamConfigFromJson,
  streamConfigToJson,
  streamReconfigurationFromJson,
} from "./config-json.js";
import type { RestReply, RestRequest, UnaryHandler } from "./handler.js";
import { boolean, type JsonObject, object, optional, parseJson, string } from "./json-check.js";
import { badJson, badQuery, restError } from "./rest-error.js";
import { rfc3339, scopeFromJson, tokenInfoToJson, unixSecondsFromRfc3339 } from "./token-json.js";

/** The one location the emulator has. */
export const LOCAL_LOCATION = "local";

function listQuery(query: URLSearchParams): {
  prefix: string;
  startAfter: string;
  limit: bigint | undefined;
} {
  const limitText = query.get("limit");
  if (limitText !== null && !/^\d{1,9}$/.test(limitText)) {
    throw badQuery(`limit must be an integer from 0 to 1000, got ${JSON.stringify(limitText)}`);
  }
  return {
    prefix: query.get("prefix") ?? "",
    startAfter: query.get("start_after") ?? "",
    limit: limitText === null ? undefined : BigInt(limitText),
  };
}

function basinInfoJson(context: CallContext, basin: Basin): JsonObject {
  const deleting = basin.state === BasinState.BASIN_STATE_DELETING;
  return {
    name: basin.name,
    created_at: rfc3339(basin.createdAt),
    deleted_at: deleting ? rfc3339(Math.floor(context.core.account.now() / 1000)) : null,
    location: LOCAL_LOCATION,
    state: deleting ? "deleting" : "active",
  };
}

function streamInfoJson(info: { name: string; createdAt: number; deletedAt?: number | undefined }) {
  return {
    name: info.name,
    created_at: rfc3339(info.createdAt),
    deleted_at: info.deletedAt === undefined ? null : rfc3339(info.deletedAt),
    cipher: null,
  };
}

function jsonBody(request: RestRequest): JsonObject | undefined {
  const value = parseJson(request.body);
  return value === undefined || value === null ? undefined : object(value, "body");
}

function requireJson(request: RestRequest): JsonObject {
  const body = jsonBody(request);
  if (body === undefined) throw badJson("request body is required");
  return body;
}

// ---- basins ----

/** `GET /basins`. */
export const listBasins: UnaryHandler = async (context, request) => {
  const result = await accountRpcs.listBasins(context, listQuery(request.query));
  const account = context.core.account;
  return {
    status: 200,
    json: {
      basins: result.basins.map((info) => basinInfoJson(context, account.basin(info.name, true))),
      has_more: result.hasMore,
    },
  };
};

async function createBasinFrom(
  context: CallContext,
  name: string,
  body: JsonObject | undefined,
): Promise<RestReply> {
  const existed = context.core.account.basins.has(name);
  const config = basinConfigFromJson(body?.config);
  optional(body?.location, "location", string);
  await accountRpcs.createBasin(context, { basin: name, config, scope: 0 });
  const basin = context.core.account.basin(name, true);
  return {
    status: 201,
    json: basinInfoJson(context, basin),
    headers: { "s2-provision-result": existed ? "noop" : "created" },
  };
}

/** `POST /basins` (idempotent with `s2-request-token`). */
export const createBasin: UnaryHandler = async (context, request) => {
  const body = requireJson(request);
  return createBasinFrom(context, string(body.basin, "basin"), body);
};

/** `PUT /basins/{basin}`: creates it, or brings its configuration to the one asked for. */
export const ensureBasin: UnaryHandler = async (context, request) => {
  const name = request.params.basin!;
  const body = jsonBody(request);
  const account = context.core.account;
  if (!account.basins.has(name)) return createBasinFrom(context, name, body);
  authorize(context.principal, Operation.OPERATION_CREATE_BASIN, { basin: name });
  const basin = account.basin(name);
  let result = "noop";
  if (body?.config !== undefined) {
    const wanted = normalizeBasinConfig(basinConfigFromJson(body.config));
    if (
      JSON.stringify(basinConfigToJson(wanted)) !== JSON.stringify(basinConfigToJson(basin.config))
    ) {
      await accountRpcs.reconfigureBasinRpc(context, {
        basin: name,
        config: wanted,
        mask: ["create_stream_on_append", "create_stream_on_read", "default_stream_config"],
      });
      result = "updated";
    }
  }
  return {
    status: 200,
    json: basinInfoJson(context, basin),
    headers: { "s2-provision-result": result },
  };
};

/** `GET /basins/{basin}`. */
export const getBasinConfig: UnaryHandler = async (context, request) => {
  const { config } = await accountRpcs.getBasinConfig(context, { basin: request.params.basin! });
  return { status: 200, json: basinConfigToJson(normalizeBasinConfig(config)) };
};

/** `DELETE /basins/{basin}`: 202, deleted asynchronously. */
export const deleteBasin: UnaryHandler = async (context, request) => {
  await accountRpcs.deleteBasin(context, { basin: request.params.basin! });
  return { status: 202 };
};

/** `PATCH /basins/{basin}`. */
export const reconfigureBasin: UnaryHandler = async (context, request) => {
  const name = request.params.basin!;
  const { config, mask } = basinReconfigurationFromJson(parseJson(request.body));
  if (mask.length === 0) return getBasinConfig(context, request);
  const result = await accountRpcs.reconfigureBasinRpc(context, { basin: name, config, mask });
  return { status: 200, json: basinConfigToJson(normalizeBasinConfig(result.config)) };
};

// ---- streams ----

/** `GET /streams`. */
export const listStreams: UnaryHandler = async (context, request) => {
  const result = await basinRpcs.listStreams(context, listQuery(request.query));
  return {
    status: 200,
    json: { streams: result.streams.map(streamInfoJson), has_more: result.hasMore },
  };
};

async function createStreamFrom(
  context: CallContext,
  name: string,
  configJson: unknown,
): Promise<RestReply> {
  const account = context.core.account;
  const basin = account.basins.get(basinOf(context));
  const existed = basin?.streams.has(fullStreamName(context, name)) ?? false;
  const config = streamConfigFromJson(configJson);
  const { info } = await basinRpcs.createStream(context, { stream: name, config });
  return {
    status: 201,
    json: streamInfoJson(info!),
    headers: { "s2-provision-result": existed ? "noop" : "created" },
  };
}

/** `POST /streams` (idempotent with `s2-request-token`). */
export const createStream: UnaryHandler = async (context, request) => {
  const body = requireJson(request);
  return createStreamFrom(context, string(body.stream, "stream"), body.config);
};

/** `PUT /streams/{stream}`: creates it, or brings its configuration to the one asked for. */
export const ensureStream: UnaryHandler = async (context, request) => {
  const name = request.params.stream!;
  const body = parseJson(request.body);
  const basinName = basinOf(context);
  const account = context.core.account;
  const stored = account.basin(basinName).streams.get(fullStreamName(context, name));
  if (stored === undefined) return createStreamFrom(context, name, body);
  const { target } = basinRpcs;
  target(context, Operation.OPERATION_CREATE_STREAM, name);
  const stream = await account.stream(account.basin(basinName), stored.name);
  let result = "noop";
  if (body !== undefined && body !== null) {
    const wanted = normalizeStreamConfig(
      streamConfigFromJson(body, "body") ?? account.basin(basinName).config.defaultStreamConfig,
    );
    if (
      JSON.stringify(streamConfigToJson(wanted)) !==
      JSON.stringify(streamConfigToJson(stream.config))
    ) {
      await basinRpcs.reconfigureStreamRpc(context, {
        stream: name,
        config: wanted,
        mask: ["storage_class", "retention_policy", "timestamping", "delete_on_empty"],
      });
      result = "updated";
    }
  }
  return {
    status: 200,
    json: streamInfoJson({ name, createdAt: stream.createdAt, deletedAt: stream.deletedAt }),
    headers: { "s2-provision-result": result },
  };
};

/** `GET /streams/{stream}`: the configuration, fully resolved. */
export const getStreamConfig: UnaryHandler = async (context, request) => {
  const { config } = await basinRpcs.getStreamConfig(context, { stream: request.params.stream! });
  return { status: 200, json: streamConfigToJson(config) };
};

/** `DELETE /streams/{stream}`: 202, deleted asynchronously. */
export const deleteStream: UnaryHandler = async (context, request) => {
  await basinRpcs.deleteStream(context, { stream: request.params.stream! });
  return { status: 202 };
};

/** `PATCH /streams/{stream}`. */
export const reconfigureStream: UnaryHandler = async (context, request) => {
  const name = request.params.stream!;
  const { config, mask } = streamReconfigurationFromJson(parseJson(request.body));
  if (mask.length === 0) return getStreamConfig(context, request);
  const result = await basinRpcs.reconfigureStreamRpc(context, { stream: name, config, mask });
  return { status: 200, json: streamConfigToJson(result.config) };
};

// ---- access tokens ----

/** `GET /access-tokens`. */
export const listAccessTokens: UnaryHandler = async (context, request) => {
  const result = await accountRpcs.listAccessTokens(context, listQuery(request.query));
  return {
    status: 200,
    json: { access_tokens: result.accessTokens.map(tokenInfoToJson), has_more: result.hasMore },
  };
};

/** `POST /access-tokens`: 201 with the secret, shown this once. */
export const issueAccessToken: UnaryHandler = async (context, request) => {
  const body = requireJson(request);
  const info = {
    id: string(body.id, "id"),
    scope: scopeFromJson(body.scope),
    autoPrefixStreams: optional(body.auto_prefix_streams, "auto_prefix_streams", boolean) ?? false,
    expiresAt: optional(body.expires_at, "expires_at", unixSecondsFromRfc3339),
  };
  const { accessToken } = await accountRpcs.issueAccessToken(context, { info });
  return { status: 201, json: { access_token: accessToken } };
};

/** `DELETE /access-tokens/{id}`: 204. */
export const revokeAccessToken: UnaryHandler = async (context, request) => {
  await accountRpcs.revokeAccessToken(context, { id: request.params.id! });
  return { status: 204 };
};

// ---- locations and metrics ----

/** `GET /locations`: the emulator's single location. */
export const listLocations: UnaryHandler = async () => ({
  status: 200,
  json: [{ name: LOCAL_LOCATION, is_private: true }],
});

/** `GET /locations/default`. */
export const getDefaultLocation: UnaryHandler = async () => ({
  status: 200,
  json: { name: LOCAL_LOCATION, is_private: true },
});

/** `PUT /locations/default`: only the emulator's own location can be the default. */
export const setDefaultLocation: UnaryHandler = async (_context, request) => {
  const name = string(parseJson(request.body), "body");
  if (name !== LOCAL_LOCATION) {
    throw restError(
      "invalid",
      `location ${JSON.stringify(name)} does not exist; the only one is ${LOCAL_LOCATION}`,
    );
  }
  return { status: 200, json: { name, is_private: true } };
};

/** `GET /metrics...`: not served. */
export const metrics: UnaryHandler = async () => {
  throw restError("not_implemented", "Not implemented: the emulator keeps no metrics");
};

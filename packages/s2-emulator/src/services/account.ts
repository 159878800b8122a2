import { status } from "@grpc/grpc-js";
import {
  type AccessTokenInfo,
  type BasinInfo,
  BasinScope,
  BasinState,
  type CreateBasinRequest,
  CreateBasinResponse,
  type DeleteBasinRequest,
  type DeleteBasinResponse,
  type GetBasinConfigRequest,
  type GetBasinConfigResponse,
  type IssueAccessTokenRequest,
  type IssueAccessTokenResponse,
  type ListAccessTokensRequest,
  type ListAccessTokensResponse,
  type ListBasinsRequest,
  type ListBasinsResponse,
  Operation,
  type ReconfigureBasinRequest,
  type ReconfigureBasinResponse,
  type RevokeAccessTokenRequest,
  type RevokeAccessTokenResponse,
} from "@retrykit/s2-proto";
import {
  authorize,
  hashSecret,
  newSecret,
  principalExpiry,
  scopeExcess,
  validateScopeOps,
  visible,
} from "../auth.js";
import { normalizeBasinConfig, reconfigureBasin } from "../config.js";
import { type CallContext, idempotent } from "../context.js";
import { EmulatorError, invalid, notFound } from "../emulator-error.js";
import { listLimit, validateBasinName, validateBasinPrefix, validateTokenId } from "../limits.js";
import { Basin } from "../model/account.js";

/** Most basins one account may hold. */
export const MAX_BASINS = 100;

function basinInfo(basin: Basin): BasinInfo {
  return { name: basin.name, state: basin.state, scope: basin.scope };
}

/** Sorted page of `names` after `startAfter`, with `prefix`, at most `limit`. */
export function page<T>(
  items: Iterable<T>,
  nameOf: (item: T) => string,
  prefix: string,
  startAfter: string,
  limit: bigint | undefined,
): { items: T[]; hasMore: boolean } {
  if (startAfter !== "" && prefix !== "" && startAfter < prefix) {
    throw invalid("start_after must not sort before prefix");
  }
  const size = listLimit(limit);
  const selected = [...items]
    .filter((item) => {
      const name = nameOf(item);
      return name.startsWith(prefix) && name > startAfter;
    })
    .sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0));
  return { items: selected.slice(0, size), hasMore: selected.length > size };
}

/** ListBasins. */
export async function listBasins(
  context: CallContext,
  request: ListBasinsRequest,
): Promise<ListBasinsResponse> {
  authorize(context.principal, Operation.OPERATION_LIST_BASINS);
  validateBasinPrefix(request.prefix);
  const basins = [...context.core.account.basins.values()].filter((basin) =>
    visible(context.principal, "basin", basin.name),
  );
  const result = page(
    basins,
    (basin) => basin.name,
    request.prefix,
    request.startAfter,
    request.limit,
  );
  return { basins: result.items.map(basinInfo), hasMore: result.hasMore };
}

/** CreateBasin, idempotent per `s2-request-token`. */
export async function createBasin(
  context: CallContext,
  request: CreateBasinRequest,
): Promise<CreateBasinResponse> {
  authorize(context.principal, Operation.OPERATION_CREATE_BASIN, { basin: request.basin });
  validateBasinName(request.basin);
  const config = normalizeBasinConfig(request.config);
  if (
    request.scope !== BasinScope.BASIN_SCOPE_UNSPECIFIED &&
    request.scope !== BasinScope.BASIN_SCOPE_AWS_US_EAST_1
  ) {
    throw invalid(`unknown basin scope ${request.scope}`);
  }
  return idempotent(context, "", request, CreateBasinResponse, async (remember) => {
    const account = context.core.account;
    const existing = account.basins.get(request.basin);
    if (existing?.state === BasinState.BASIN_STATE_DELETING) {
      throw new EmulatorError(
        status.FAILED_PRECONDITION,
        `basin ${JSON.stringify(request.basin)} is being deleted`,
      );
    }
    if (existing !== undefined) {
      throw new EmulatorError(
        status.ALREADY_EXISTS,
        `basin ${JSON.stringify(request.basin)} already exists`,
      );
    }
    if (account.basins.size >= MAX_BASINS) {
      throw new EmulatorError(
        status.PERMISSION_DENIED,
        `quota exhausted: at most ${MAX_BASINS} basins`,
      );
    }
    const basin = new Basin(
      request.basin,
      BasinScope.BASIN_SCOPE_AWS_US_EAST_1,
      Math.floor(account.now() / 1000),
      config,
    );
    account.basins.set(basin.name, basin);
    const response: CreateBasinResponse = { info: basinInfo(basin) };
    remember(response);
    await account.persist();
    return response;
  });
}

/** DeleteBasin: the basin turns DELETING at once and disappears after the deletion delay. */
export async function deleteBasin(
  context: CallContext,
  request: DeleteBasinRequest,
): Promise<DeleteBasinResponse> {
  authorize(context.principal, Operation.OPERATION_DELETE_BASIN, { basin: request.basin });
  const basin = context.core.account.basin(request.basin, true);
  if (basin.state !== BasinState.BASIN_STATE_DELETING)
    await context.core.account.deleteBasin(basin);
  return {};
}

/** GetBasinConfig. */
export async function getBasinConfig(
  context: CallContext,
  request: GetBasinConfigRequest,
): Promise<GetBasinConfigResponse> {
  authorize(context.principal, Operation.OPERATION_GET_BASIN_CONFIG, { basin: request.basin });
  return { config: context.core.account.basin(request.basin).config };
}

/** ReconfigureBasin, with a field mask. */
export async function reconfigureBasinRpc(
  context: CallContext,
  request: ReconfigureBasinRequest,
): Promise<ReconfigureBasinResponse> {
  authorize(context.principal, Operation.OPERATION_RECONFIGURE_BASIN, { basin: request.basin });
  const basin = context.core.account.basin(request.basin);
  basin.config = reconfigureBasin(basin.config, request.config, request.mask);
  await context.core.account.persist();
  return { config: basin.config };
}

/** IssueAccessToken: the secret is returned once and only its hash is kept. */
export async function issueAccessToken(
  context: CallContext,
  request: IssueAccessTokenRequest,
): Promise<IssueAccessTokenResponse> {
  const requested = request.info;
  if (requested === undefined) throw invalid("info is required");
  authorize(context.principal, Operation.OPERATION_ISSUE_ACCESS_TOKEN, {
    accessToken: requested.id,
  });
  validateTokenId(requested.id);
  validateScopeOps(requested.scope ?? { ops: [] });
  const account = context.core.account;
  if (account.tokens.has(requested.id)) {
    throw new EmulatorError(
      status.ALREADY_EXISTS,
      `access token ${JSON.stringify(requested.id)} already exists`,
    );
  }
  if (requested.autoPrefixStreams && requested.scope?.streams?.matching?.$case !== "prefix") {
    throw invalid("auto_prefix_streams requires a prefix stream scope");
  }
  const excess = scopeExcess(context.principal, requested.scope ?? { ops: [] });
  if (excess !== undefined) {
    throw new EmulatorError(
      status.PERMISSION_DENIED,
      `a new token's scope must be within the issuer's: the issuer does not have ${excess}`,
    );
  }
  const limit = principalExpiry(context.principal);
  const now = Math.floor(account.now() / 1000);
  const expiresAt = requested.expiresAt ?? limit;
  if (expiresAt !== undefined && expiresAt <= now)
    throw invalid("expires_at must be in the future");
  if (limit !== undefined && expiresAt !== undefined && expiresAt > limit) {
    throw invalid("expires_at must not be later than the expiry of the issuing token");
  }
  const info: AccessTokenInfo = {
    id: requested.id,
    expiresAt,
    autoPrefixStreams: requested.autoPrefixStreams,
    scope: requested.scope ?? { ops: [] },
  };
  const secret = newSecret();
  account.tokens.set(info.id, { info, secretHash: hashSecret(secret) });
  await account.persist();
  return { accessToken: secret };
}

/** RevokeAccessToken: the token stops working at once. */
export async function revokeAccessToken(
  context: CallContext,
  request: RevokeAccessTokenRequest,
): Promise<RevokeAccessTokenResponse> {
  authorize(context.principal, Operation.OPERATION_REVOKE_ACCESS_TOKEN, {
    accessToken: request.id,
  });
  const account = context.core.account;
  const token = account.tokens.get(request.id);
  if (token === undefined)
    throw notFound(`access token ${JSON.stringify(request.id)} does not exist`);
  account.tokens.delete(request.id);
  await account.persist();
  return { info: token.info };
}

/** ListAccessTokens: only tokens within the caller's access-token scope. */
export async function listAccessTokens(
  context: CallContext,
  request: ListAccessTokensRequest,
): Promise<ListAccessTokensResponse> {
  authorize(context.principal, Operation.OPERATION_LIST_ACCESS_TOKENS);
  const infos = [...context.core.account.tokens.values()]
    .map((token) => token.info)
    .filter((info) => visible(context.principal, "accessToken", info.id));
  const result = page(infos, (info) => info.id, request.prefix, request.startAfter, request.limit);
  return { accessTokens: result.items, hasMore: result.hasMore };
}

import { describe, expect, it } from "vitest";
import { Endpoints } from "../src/endpoints.js";

describe("Endpoints", () => {
  it("defaults to S2's cloud over TLS, per transport", () => {
    const rest = Endpoints.forCloud();
    expect(rest.accountUrl).toBe("https://a.s2.dev:443/v1");
    expect(rest.restRoute("my-basin-1")).toEqual({
      baseUrl: "https://my-basin-1.b.s2.dev:443/v1",
      basinHeader: undefined,
    });
    const endpoints = Endpoints.forCloud("aws", "grpc");
    expect(endpoints.account).toBe("aws.s2.dev:443");
    expect(endpoints.basin).toBe("{basin}.b.aws.s2.dev:443");
    expect(endpoints.tls).toBe(true);
    expect(Endpoints.from(undefined).account).toBe("a.s2.dev:443");
    expect(Endpoints.from(undefined, "grpc").account).toBe("aws.s2.dev:443");
    expect(() => Endpoints.forCloud("gcp" as "aws")).toThrow(/cloud must be "aws", got "gcp"/);
  });

  it("routes a {basin}. endpoint by authority and header", () => {
    const endpoints = new Endpoints({
      account: "localhost:9000",
      basin: "{basin}.b.localhost:9000",
    });
    expect(endpoints.route("my-basin-1")).toEqual({
      target: "b.localhost:9000",
      authority: "my-basin-1.b.localhost:9000",
      basinHeader: "my-basin-1",
    });
  });

  it("routes a plain endpoint by the s2-basin header", () => {
    const endpoints = new Endpoints({
      account: "127.0.0.1:5000",
      basin: "127.0.0.1:5000",
      tls: false,
    });
    expect(endpoints.route("my-basin-1")).toEqual({
      target: "127.0.0.1:5000",
      authority: undefined,
      basinHeader: "my-basin-1",
    });
    expect(endpoints.tls).toBe(false);
  });

  it("adds the default port", () => {
    expect(new Endpoints({ account: "a.example", basin: "b.example" }).account).toBe(
      "a.example:443",
    );
    expect(new Endpoints({ account: "a.example", basin: "b.example", tls: false }).basin).toBe(
      "b.example:80",
    );
  });

  it("takes URLs: the scheme decides TLS, a plain host names the basin in the s2-basin header", () => {
    const local = new Endpoints({
      account: "http://127.0.0.1:4244",
      basin: "http://127.0.0.1:4244",
    });
    expect(local.tls).toBe(false);
    expect(local.accountUrl).toBe("http://127.0.0.1:4244/v1");
    expect(local.restRoute("my-basin-1")).toEqual({
      baseUrl: "http://127.0.0.1:4244/v1",
      basinHeader: "my-basin-1",
    });
    expect(
      new Endpoints({ account: "https://a.example", basin: "https://b.example/v1" }).basin,
    ).toBe("b.example:443");
  });

  it("rejects malformed endpoints, naming the parameter", () => {
    expect(() => new Endpoints({ account: "http://x:1/path", basin: "x:1" })).toThrow(
      /endpoints.account/,
    );
    expect(() => new Endpoints({ account: "ftp://x:1", basin: "x:1" })).toThrow(
      /endpoints.account/,
    );
    expect(() => new Endpoints({ account: "http://x:1", basin: "https://x:1" })).toThrow(
      /same scheme/,
    );
    expect(() => new Endpoints({ account: "x:1", basin: "x:99999" })).toThrow(/endpoints.basin/);
    expect(
      () => new Endpoints({ account: "x:1", basin: "x:1", tls: "yes" as unknown as boolean }),
    ).toThrow(TypeError);
  });

  it("reads S2_ACCOUNT_ENDPOINT and S2_BASIN_ENDPOINT", () => {
    expect(Endpoints.fromEnv({})).toEqual(Endpoints.forCloud("aws"));
    expect(Endpoints.fromEnv({}, "grpc")).toEqual(Endpoints.forCloud("aws", "grpc"));
    const custom = Endpoints.fromEnv({
      S2_ACCOUNT_ENDPOINT: "http://localhost:4243",
      S2_BASIN_ENDPOINT: "{basin}.localhost:4243",
    });
    expect(custom.account).toBe("localhost:4243");
    expect(custom.basin).toBe("{basin}.localhost:4243");
    expect(custom.tls).toBe(false);
    const direct = Endpoints.fromEnv({ S2_BASIN_ENDPOINT: "cell-1.o.aws.s2.dev" }, "grpc");
    expect(direct.account).toBe("aws.s2.dev:443");
    expect(direct.basin).toBe("cell-1.o.aws.s2.dev:443");
    expect(() => Endpoints.fromEnv({ S2_CLOUD: "azure" })).toThrow(/S2_CLOUD/);
    expect(() =>
      Endpoints.fromEnv({ S2_ACCOUNT_ENDPOINT: "http://a:1", S2_BASIN_ENDPOINT: "https://b:1" }),
    ).toThrow(/same scheme/);
  });
});

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate } from "selfsigned";

/** A certificate for `localhost` with its key, as PEM text and as files in `dir`. */
export interface TlsFixture {
  readonly dir: string;
  readonly cert: string;
  readonly key: string;
  readonly certPath: string;
  readonly keyPath: string;
}

/** Generates a self-signed certificate for `localhost` and writes it to a fresh directory. */
export async function tlsFixture(): Promise<TlsFixture> {
  const generated = await generate([{ name: "commonName", value: "localhost" }], {
    keySize: 2048,
    algorithm: "sha256",
    extensions: [
      { name: "basicConstraints", cA: true },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: [{ type: 2, value: "localhost" }] },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), "s2-emulator-tls-"));
  const certPath = join(dir, "cert.pem");
  const keyPath = join(dir, "key.pem");
  writeFileSync(certPath, generated.cert);
  writeFileSync(keyPath, generated.private);
  return { dir, cert: generated.cert, key: generated.private, certPath, keyPath };
}

/**
 * Channel options for a TLS client of `127.0.0.1:PORT` that checks the certificate against
 * `localhost`: the TLS server name stays a host name, as RFC 6066 wants (an IP address there makes
 * Node print a deprecation warning).
 */
export const LOCALHOST_NAME = { "grpc.ssl_target_name_override": "localhost" } as const;

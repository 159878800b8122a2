import { mkdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate } from "selfsigned";

/** TLS settings of the emulator. */
export type TlsOptions =
  | {
      /** PEM certificate chain, or a path to it. */
      readonly cert: string;
      /** PEM private key, or a path to it. */
      readonly key: string;
    }
  | {
      /**
       * Generate a self-signed certificate for `localhost`, `127.0.0.1` and `*.<basinHostSuffix>`
       * and write it (PEM) to `certPath` (default: `<dataDir>/tls/ca.pem`, or a fresh file in the
       * system temporary directory), where clients can trust it.
       */
      readonly selfSigned: true;
      readonly certPath?: string | undefined;
    };

/** Resolved key material. */
export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
  /** PEM a client trusts to connect (the certificate itself). */
  readonly caCertificatePem: string;
  /** Where the self-signed certificate was written, if it was generated. */
  readonly caCertificatePath: string | undefined;
}

async function pem(value: string): Promise<string> {
  return value.includes("-----BEGIN") ? value : readFile(value, "utf8");
}

/** Loads or generates the TLS certificate and key. */
export async function loadTls(
  options: TlsOptions,
  basinHostSuffix: string,
  dataDir: string | undefined,
): Promise<TlsMaterial> {
  if (!("selfSigned" in options)) {
    const cert = await pem(options.cert);
    return {
      cert,
      key: await pem(options.key),
      caCertificatePem: cert,
      caCertificatePath: undefined,
    };
  }
  const notAfterDate = new Date(Date.now() + 365 * 24 * 3600 * 1000);
  const generated = await generate([{ name: "commonName", value: "localhost" }], {
    keySize: 2048,
    algorithm: "sha256",
    notAfterDate,
    extensions: [
      { name: "basicConstraints", cA: true },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 2, value: `*.${basinHostSuffix}` },
          { type: 7, ip: "127.0.0.1" },
        ],
      },
    ],
  });
  const path =
    options.certPath ??
    (dataDir !== undefined
      ? join(dataDir, "tls", "ca.pem")
      : join(tmpdir(), `s2-emulator-${process.pid}-${Date.now()}`, "ca.pem"));
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, generated.cert);
  return {
    cert: generated.cert,
    key: generated.private,
    caCertificatePem: generated.cert,
    caCertificatePath: path,
  };
}

// reflect-metadata first, as in every Nest application: decorators below store their metadata there.
import "reflect-metadata";
import type { INestApplication } from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import { AppModule } from "./app.module.js";
import { TimeoutFilter } from "./timeout.filter.js";

/** The application, not yet listening. */
export async function createApp(): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule, { logger: false });
  app.useGlobalFilters(new TimeoutFilter());
  return app;
}

/** Boots on a free loopback port, calls every route once, prints what came back, and closes. */
async function main(): Promise<void> {
  const app = await createApp();
  await app.listen(0, "127.0.0.1");
  const { port } = app.getHttpServer().address() as { port: number };
  try {
    for (const path of ["/stock/A-1", "/price/A-1", "/report", "/forecast/A-1"]) {
      const response = await fetch(`http://127.0.0.1:${port}${path}`);
      console.log(`GET ${path} -> ${response.status} ${await response.text()}`);
    }
    const policies = (await (await fetch(`http://127.0.0.1:${port}/retry-policies`)).json()) as {
      owner: string;
      name: string;
      policy: { maxTries: number | null };
    }[];
    for (const { owner, name, policy } of policies) {
      console.log(`${owner}.${name}: maxTries ${policy.maxTries ?? "unlimited"}`);
    }
  } finally {
    await app.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}

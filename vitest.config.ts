import { defineConfig } from "vitest/config";

// Tests import the packages' TypeScript sources through the private "@retrykit/source"
// export condition, so no build step stands between an edit and a test run.
const conditions = ["@retrykit/source", "node", "import", "default"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["@retrykit/source"] } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    environment: "node",
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    reporters: ["default", "./scripts/plain-summary-reporter.ts"],
  },
});

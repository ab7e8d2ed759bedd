import { defineConfig } from "vitest/config";

// The toolkit's own tests. The certification suites run through harness/, not this config.
export default defineConfig({
  test: {
    include: [
      "runtime/**/*.test.ts",
      "reference-drivers/**/*.test.ts",
      "harness/**/*.test.ts",
      "tests/**/*.test.ts",
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});

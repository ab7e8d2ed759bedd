import { defineConfig } from "vitest/config";

// The toolkit's own tests. The certification suites run through harness/, not this config.
// End-to-end files each load both cores themselves (a whole certification run, a crash loop,
// the mutant runs), so they run one at a time after the unit tests: contention would turn
// their timing windows into flakes. The stress test measures a server's memory and event loop;
// the installed-package test packs, installs and runs the CLI, vitest and tsc in a fresh project.
const END_TO_END = [
  "tests/certify-reference-drivers.test.ts",
  "tests/certify-redis-driver.test.ts",
  "tests/certify-cloudflare-workers-driver.test.ts",
  "tests/crash/**/*.test.ts",
  "tests/mutants/**/*.test.ts",
  "tests/stress/**/*.test.ts",
  // Whole CLI runs whose comparisons (shards against a whole run, a SIGINT mid-run) need quiet cores.
  "tests/ci-triage.test.ts",
  "tests/ci-interrupt.test.ts",
  // driver-cert bench runs: both drivers measured in the same process, in rounds.
  "tests/bench-cli.test.ts",
  "tests/consumer/**/*.test.ts",
  // Starts real workerd processes (seconds each).
  "reference-drivers/cloudflare-workers/**/*.test.ts",
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    projects: [
      {
        test: {
          name: "unit",
          include: [
            "runtime/**/*.test.ts",
            "reference-drivers/**/*.test.ts",
            "harness/**/*.test.ts",
            "tests/**/*.test.ts",
          ],
          exclude: END_TO_END,
          testTimeout: 30_000,
          hookTimeout: 30_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: "end-to-end",
          include: END_TO_END,
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 60_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});

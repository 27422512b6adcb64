import { defineConfig } from "vitest/config"

// One suite, three runtimes: `vitest run` (Node), `bun --bun vitest run`, `deno run -A vitest run`.
// "forks" is the pool that works on all three (vmThreads/vmForks fail on Deno).
export default defineConfig({
  test: {
    include: ["spec/**/*.spec.ts"],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    globalSetup: ["spec/globalSetup.ts"]
  }
})

import { defineConfig } from "vitest/config";

// One workspace-wide config. Packages resolve each other through the "source" export
// condition, so tests run against TypeScript sources without a build step.
const conditions = ["source", "module", "node", "development|production"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["source"] } },
  test: {
    include: [
      "packages/*/src/**/*.test.ts",
      "apps/*/src/**/*.test.ts",
      "scripts/*.test.ts",
      "examples/*.test.ts",
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Sources of the workspace load natively in the worker (Node + tsx, "source" condition)
    // instead of through Vite's module runner: its rewritten imports made a Linux boot ~1.9x
    // slower (200 M instructions: 11.7 s vs 6.1 s). Test files stay on the runner.
    execArgv: ["--conditions=source", "--import", "tsx/esm"],
    server: { deps: { external: [/\/(packages|apps)\/[^/]+\/src\/(?!.*\.test\.ts$)/] } },
    // A run leaves no armature-* entries in the temp folder (leaks are named, then removed).
    globalSetup: ["scripts/tmp-guard.ts"],
    // cpu-aarch64's unit tests run the interpreter, the others the default engine (the translator)
    setupFiles: ["scripts/cpu-engine-setup.ts"],
    reporters: ["default"],
  },
});

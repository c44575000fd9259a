import { execFileSync } from "node:child_process";

/** Fail loudly when a system tool the test needs is missing (never skip). Not part of the public surface. */
export function requireTool(tool: string): void {
  try {
    execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
  } catch {
    throw new Error(`${tool} is missing: run 'bash scripts/install-system-tools.sh'`);
  }
}

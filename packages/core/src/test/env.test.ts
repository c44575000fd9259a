import { describe, expect, it } from "vitest";
import { withEnv } from "./index.js";

describe("withEnv", () => {
  it("sets and unsets for the call, and puts every variable back afterwards, also after a throw", () => {
    process.env.ARMATURE_WITHENV_A = "before";
    delete process.env.ARMATURE_WITHENV_B;
    try {
      const seen = withEnv({ ARMATURE_WITHENV_A: undefined, ARMATURE_WITHENV_B: "set" }, () => {
        process.env.ARMATURE_WITHENV_B = "changed inside";
        return [process.env.ARMATURE_WITHENV_A, "ARMATURE_WITHENV_A" in process.env];
      });
      expect(seen).toEqual([undefined, false]);
      expect(process.env.ARMATURE_WITHENV_A).toBe("before");
      expect("ARMATURE_WITHENV_B" in process.env).toBe(false);
      expect(() =>
        withEnv({ ARMATURE_WITHENV_A: "x" }, () => {
          throw new Error("boom");
        }),
      ).toThrow("boom");
      expect(process.env.ARMATURE_WITHENV_A).toBe("before");
    } finally {
      delete process.env.ARMATURE_WITHENV_A;
    }
  });
});

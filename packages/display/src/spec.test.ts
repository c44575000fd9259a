import { ConfigError } from "@armature/core";
import { describe, expect, it } from "vitest";
import { parseDisplaySpec } from "./spec.js";

describe("parseDisplaySpec", () => {
  it("reads none and vnc addresses", () => {
    expect(parseDisplaySpec("none")).toEqual({ kind: "none" });
    expect(parseDisplaySpec("vnc=127.0.0.1:5900")).toEqual({ kind: "vnc", host: "127.0.0.1", port: 5900 });
    expect(parseDisplaySpec("vnc=:5901")).toEqual({ kind: "vnc", host: "127.0.0.1", port: 5901 });
    expect(parseDisplaySpec("vnc=5902")).toEqual({ kind: "vnc", host: "127.0.0.1", port: 5902 });
    expect(parseDisplaySpec("vnc=[::1]:5900")).toEqual({ kind: "vnc", host: "::1", port: 5900 });
    expect(parseDisplaySpec("vnc=0.0.0.0:5900,password=pw")).toEqual({
      kind: "vnc",
      host: "0.0.0.0",
      port: 5900,
      password: "pw",
    });
  });

  it("says what to write for mistakes", () => {
    for (const bad of [
      "sdl",
      "vnc=",
      "vnc=host:port",
      "vnc=:70000",
      "vnc=:5900,pass=x",
      "vnc=:5900,password=",
    ])
      expect(() => parseDisplaySpec(bad), bad).toThrow(ConfigError);
  });
});

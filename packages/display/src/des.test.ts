import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { desEncryptBlock, vncAuthResponse } from "./des.js";

const hex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex");

const openssl = (() => {
  try {
    const out = execFileSync(
      "openssl",
      ["enc", "-des-ecb", "-K", "133457799bbcdff1", "-nopad", "-provider", "legacy", "-provider", "default"],
      { input: Buffer.from("0123456789abcdef", "hex") },
    );
    return out.length === 8;
  } catch {
    return false;
  }
})();

describe("DES", () => {
  it("matches the published worked example and the FIPS 81 ECB sample", () => {
    // The classic worked example (key 133457799BBCDFF1) and FIPS PUB 81 Appendix B ECB, first block.
    expect(toHex(desEncryptBlock(hex("133457799bbcdff1"), hex("0123456789abcdef")))).toBe("85e813540f0ab405");
    expect(toHex(desEncryptBlock(hex("0123456789abcdef"), hex("4e6f772069732074")))).toBe("3fa40e8a984d4815");
  });

  it.skipIf(!openssl)("agrees with OpenSSL's DES-ECB on random keys and blocks (property)", () => {
    // Batch: one openssl run encrypts many blocks under one key.
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        (k, data) => {
          const out = execFileSync(
            "openssl",
            ["enc", "-des-ecb", "-K", toHex(k), "-nopad", "-provider", "legacy", "-provider", "default"],
            { input: Buffer.from(data) },
          );
          for (let i = 0; i < 64; i += 8)
            expect(toHex(desEncryptBlock(k, data.subarray(i, i + 8)))).toBe(toHex(out.subarray(i, i + 8)));
        },
      ),
      { numRuns: 25 },
    );
  });

  it("VNC auth response: DES under the bit-reversed password bytes", () => {
    const challenge = hex("00112233445566778899aabbccddeeff");
    // "pw" reversed bit by bit: p=0x70 -> 0x0e, w=0x77 -> 0xee, then zeros.
    const key = hex("0eee000000000000");
    const want = Buffer.concat([
      desEncryptBlock(key, challenge.subarray(0, 8)),
      desEncryptBlock(key, challenge.subarray(8)),
    ]);
    expect(toHex(vncAuthResponse("pw", challenge))).toBe(toHex(want));
    // Only the first 8 characters count.
    expect(toHex(vncAuthResponse("12345678xyz", challenge))).toBe(
      toHex(vncAuthResponse("12345678", challenge)),
    );
  });
});

import { cls, e, group } from "./builder.js";

/** ARM ARM C4.1.92 cryptographic AES, SHA, SHA512, SHA3 classes. */
export function defineCrypto(): void {
  group("fpsimd");
  cls("cryptoaes", "FEAT_AES");
  for (const [op, id] of [
    ["00100", "AESE"],
    ["00101", "AESD"],
    ["00110", "AESMC"],
    ["00111", "AESIMC"],
  ] as const) {
    e(
      `${id}_B_cryptoaes`,
      `01001110 size=00 10100 opcode=${op} 10 Rn:5 Rd:5`,
      `${id.toLowerCase()} {Rd:v16b}, {Rn:v16b}`,
    );
  }
  cls("cryptosha3", "FEAT_SHA1");
  e(
    "SHA1C_QSV_cryptosha3",
    "01011110 size=00 0 Rm:5 0 opcode=000 00 Rn:5 Rd:5",
    "sha1c {Rd:q}, {Rn:s}, {Rm:v4s}",
  );
  e(
    "SHA1P_QSV_cryptosha3",
    "01011110 size=00 0 Rm:5 0 opcode=001 00 Rn:5 Rd:5",
    "sha1p {Rd:q}, {Rn:s}, {Rm:v4s}",
  );
  e(
    "SHA1M_QSV_cryptosha3",
    "01011110 size=00 0 Rm:5 0 opcode=010 00 Rn:5 Rd:5",
    "sha1m {Rd:q}, {Rn:s}, {Rm:v4s}",
  );
  e(
    "SHA1SU0_VVV_cryptosha3",
    "01011110 size=00 0 Rm:5 0 opcode=011 00 Rn:5 Rd:5",
    "sha1su0 {Rd:v4s}, {Rn:v4s}, {Rm:v4s}",
  );
  cls("cryptosha3", "FEAT_SHA256");
  e(
    "SHA256H_QQV_cryptosha3",
    "01011110 size=00 0 Rm:5 0 opcode=100 00 Rn:5 Rd:5",
    "sha256h {Rd:q}, {Rn:q}, {Rm:v4s}",
  );
  e(
    "SHA256H2_QQV_cryptosha3",
    "01011110 size=00 0 Rm:5 0 opcode=101 00 Rn:5 Rd:5",
    "sha256h2 {Rd:q}, {Rn:q}, {Rm:v4s}",
  );
  e(
    "SHA256SU1_VVV_cryptosha3",
    "01011110 size=00 0 Rm:5 0 opcode=110 00 Rn:5 Rd:5",
    "sha256su1 {Rd:v4s}, {Rn:v4s}, {Rm:v4s}",
  );
  cls("cryptosha2", "FEAT_SHA1");
  e("SHA1H_SS_cryptosha2", "01011110 size=00 10100 opcode=00000 10 Rn:5 Rd:5", "sha1h {Rd:s}, {Rn:s}");
  e(
    "SHA1SU1_VV_cryptosha2",
    "01011110 size=00 10100 opcode=00001 10 Rn:5 Rd:5",
    "sha1su1 {Rd:v4s}, {Rn:v4s}",
  );
  cls("cryptosha2", "FEAT_SHA256");
  e(
    "SHA256SU0_VV_cryptosha2",
    "01011110 size=00 10100 opcode=00010 10 Rn:5 Rd:5",
    "sha256su0 {Rd:v4s}, {Rn:v4s}",
  );
  cls("cryptosha512_3", "FEAT_SHA512");
  e(
    "SHA512H_QQV_cryptosha512_3",
    "11001110 011 Rm:5 1 O=0 00 opcode=00 Rn:5 Rd:5",
    "sha512h {Rd:q}, {Rn:q}, {Rm:v2d}",
  );
  e(
    "SHA512H2_QQV_cryptosha512_3",
    "11001110 011 Rm:5 1 O=0 00 opcode=01 Rn:5 Rd:5",
    "sha512h2 {Rd:q}, {Rn:q}, {Rm:v2d}",
  );
  e(
    "SHA512SU1_VVV2_cryptosha512_3",
    "11001110 011 Rm:5 1 O=0 00 opcode=10 Rn:5 Rd:5",
    "sha512su1 {Rd:v2d}, {Rn:v2d}, {Rm:v2d}",
  );
  cls("cryptosha512_2", "FEAT_SHA512");
  e(
    "SHA512SU0_VV2_cryptosha512_2",
    "11001110 110000001000 opcode=00 Rn:5 Rd:5",
    "sha512su0 {Rd:v2d}, {Rn:v2d}",
  );
  cls("cryptosha512_3", "FEAT_SHA3");
  e(
    "RAX1_VVV2_cryptosha512_3",
    "11001110 011 Rm:5 1 O=0 00 opcode=11 Rn:5 Rd:5",
    "rax1 {Rd:v2d}, {Rn:v2d}, {Rm:v2d}",
  );
  cls("crypto4", "FEAT_SHA3");
  e(
    "EOR3_VVV16_crypto4",
    "11001110 0 Op0=00 Rm:5 0 Ra:5 Rn:5 Rd:5",
    "eor3 {Rd:v16b}, {Rn:v16b}, {Rm:v16b}, {Ra:v16b}",
  );
  e(
    "BCAX_VVV16_crypto4",
    "11001110 0 Op0=01 Rm:5 0 Ra:5 Rn:5 Rd:5",
    "bcax {Rd:v16b}, {Rn:v16b}, {Rm:v16b}, {Ra:v16b}",
  );
  cls("crypto3_imm6", "FEAT_SHA3");
  e(
    "XAR_VVV2_crypto3_imm6",
    "11001110 100 Rm:5 imm6:6 Rn:5 Rd:5",
    "xar {Rd:v2d}, {Rn:v2d}, {Rm:v2d}, #{imm6:u}",
  );
}

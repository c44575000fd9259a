// `armature user` without the CLI build (tests feed stdin through it):
//   node --conditions=source --import tsx harness/simd/run-user.mts ELF [args...]
import { UserProcess } from "../../src/user/process.js";

const p = new UserProcess(process.argv[2]!, { argv: process.argv.slice(2), env: {} });
process.exitCode = p.run();

import { ArmatureError } from "@armature/core";

/**
 * A host-side mistake in how a table, AML term or SMBIOS structure was described. `code` is
 * stable; the message says what to fix.
 */
export class AcpiError extends ArmatureError {}

export function fail(code: string, message: string): never {
  throw new AcpiError(code, message);
}

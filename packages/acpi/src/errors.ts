/**
 * A host-side mistake in how a table, AML term or SMBIOS structure was described. `code` is
 * stable; the message says what to fix. (Would extend `ArmatureError` from @armature/core once
 * the package is linked; it has the same shape.)
 */
export class AcpiError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

export function fail(code: string, message: string): never {
  throw new AcpiError(code, message);
}

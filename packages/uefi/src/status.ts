// EFI_STATUS values (UEFI 2.10 Appendix D). Errors have the high bit of the 64-bit value set.

const ERR = 1n << 63n;

export const EFI_SUCCESS = 0n;
export const EFI_LOAD_ERROR = ERR | 1n;
export const EFI_INVALID_PARAMETER = ERR | 2n;
export const EFI_UNSUPPORTED = ERR | 3n;
export const EFI_BAD_BUFFER_SIZE = ERR | 4n;
export const EFI_BUFFER_TOO_SMALL = ERR | 5n;
export const EFI_NOT_READY = ERR | 6n;
export const EFI_DEVICE_ERROR = ERR | 7n;
export const EFI_WRITE_PROTECTED = ERR | 8n;
export const EFI_OUT_OF_RESOURCES = ERR | 9n;
export const EFI_VOLUME_CORRUPTED = ERR | 10n;
export const EFI_VOLUME_FULL = ERR | 11n;
export const EFI_MEDIA_CHANGED = ERR | 13n;
export const EFI_NOT_FOUND = ERR | 14n;
export const EFI_ACCESS_DENIED = ERR | 15n;
export const EFI_TIMEOUT = ERR | 18n;
export const EFI_NOT_STARTED = ERR | 19n;
export const EFI_ALREADY_STARTED = ERR | 20n;
export const EFI_ABORTED = ERR | 21n;
export const EFI_SECURITY_VIOLATION = ERR | 26n;
/** A warning (high bit clear): Delete() closed the file but could not delete it. */
export const EFI_WARN_DELETE_FAILURE = 2n;

const NAMES = new Map<bigint, string>([
  [EFI_SUCCESS, "EFI_SUCCESS"],
  [EFI_LOAD_ERROR, "EFI_LOAD_ERROR"],
  [EFI_INVALID_PARAMETER, "EFI_INVALID_PARAMETER"],
  [EFI_UNSUPPORTED, "EFI_UNSUPPORTED"],
  [EFI_BAD_BUFFER_SIZE, "EFI_BAD_BUFFER_SIZE"],
  [EFI_BUFFER_TOO_SMALL, "EFI_BUFFER_TOO_SMALL"],
  [EFI_NOT_READY, "EFI_NOT_READY"],
  [EFI_DEVICE_ERROR, "EFI_DEVICE_ERROR"],
  [EFI_WRITE_PROTECTED, "EFI_WRITE_PROTECTED"],
  [EFI_OUT_OF_RESOURCES, "EFI_OUT_OF_RESOURCES"],
  [EFI_VOLUME_CORRUPTED, "EFI_VOLUME_CORRUPTED"],
  [EFI_VOLUME_FULL, "EFI_VOLUME_FULL"],
  [EFI_MEDIA_CHANGED, "EFI_MEDIA_CHANGED"],
  [EFI_NOT_FOUND, "EFI_NOT_FOUND"],
  [EFI_ACCESS_DENIED, "EFI_ACCESS_DENIED"],
  [EFI_TIMEOUT, "EFI_TIMEOUT"],
  [EFI_NOT_STARTED, "EFI_NOT_STARTED"],
  [EFI_ALREADY_STARTED, "EFI_ALREADY_STARTED"],
  [EFI_ABORTED, "EFI_ABORTED"],
  [EFI_SECURITY_VIOLATION, "EFI_SECURITY_VIOLATION"],
  [EFI_WARN_DELETE_FAILURE, "EFI_WARN_DELETE_FAILURE"],
]);

/** "EFI_NOT_FOUND", or the hex value for codes without a name here. */
export function efiStatusName(s: bigint): string {
  return NAMES.get(s) ?? `0x${s.toString(16)}`;
}

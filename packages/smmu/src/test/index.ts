export type { CdFields, EventRecord, GuestLayout, SteFields } from "./guest.js";
export { Cmd, decodeEvent, encodeCd, encodeSte, SmmuGuest } from "./guest.js";
export type { SmmuGuestReport } from "./linux-guest.js";
export { smmuGuestChecks } from "./linux-guest.js";

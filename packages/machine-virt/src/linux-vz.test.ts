import { linuxEndToEnd } from "./linux.e2e.js";

linuxEndToEnd("vz", { monitor: true });

import { linuxEndToEnd } from "./linux.e2e.js";

linuxEndToEnd("qemu");

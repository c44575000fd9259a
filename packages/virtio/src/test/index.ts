export type { ChainOptions, DriverBuffer, Segment, UsedBuffer } from "./driver.js";
export { DriverSplitQueue, GuestMemory } from "./driver.js";
export type { GpuHeader, GpuResponse } from "./gpu.js";
export { decodeResponse, GPU, GpuTestDriver, gpuRequest } from "./gpu.js";
export type { DeviceHarness, TransportKind } from "./harness.js";
export { configured, harness, startRxTx, TRANSPORT_KINDS } from "./harness.js";
export { DriverPackedQueue } from "./packed-driver.js";
export type { DriverQueue, VirtioTransportDriver } from "./transport.js";
export { initializeDevice, MmioTransportDriver, PciTransportDriver } from "./transport.js";

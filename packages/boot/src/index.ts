export type { ImageHeader, ImagePageSize, KernelImage } from "./image.js";
export {
  ARM64_IMAGE_HEADER_SIZE,
  ARM64_IMAGE_MAGIC,
  ARM64_IMAGE_MAGIC_OFFSET,
  parseImageHeader,
  peSectionsEnd,
  RAW_LOAD_OFFSET,
  readKernel,
} from "./image.js";
export type {
  EntryState,
  LinuxBootOptions,
  LinuxBootPlan,
  LinuxLoadOptions,
  Placement,
  RamExtent,
} from "./loader.js";
export { loadLinux, MAX_DTB_SIZE, planLinuxBoot } from "./loader.js";

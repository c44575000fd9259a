export { FdtNode, FdtProperty } from "./tree.js";

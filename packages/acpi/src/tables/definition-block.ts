import { type AmlFragment, composeFragments, encodeAml } from "../aml/ast.js";
import type { AcpiOem, AcpiTable } from "./header.js";
import { buildDefinitionBlock } from "./simple.js";

/** A DSDT built from the fragments that device packages contribute. */
export function buildDsdt(fragments: readonly AmlFragment[], oem?: Partial<AcpiOem>): AcpiTable {
  return buildDefinitionBlock("DSDT", encodeAml(composeFragments(fragments)), oem);
}

/** An SSDT built from fragments (give each SSDT its own `oemTableId`). */
export function buildSsdt(fragments: readonly AmlFragment[], oem?: Partial<AcpiOem>): AcpiTable {
  return buildDefinitionBlock("SSDT", encodeAml(composeFragments(fragments)), oem);
}

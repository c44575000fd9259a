// DTSpec v0.4 §2.2.1 (node names) and §2.2.4 (property names): the characters dtc accepts.

function charTable(extra: string): Uint8Array {
  const t = new Uint8Array(128);
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  for (const ch of extra) t[ch.charCodeAt(0)] = 1;
  return t;
}
const NODE_CHARS = charTable(",._+-@");
const PROP_CHARS = charTable(",._+*#?-");

/** Why `name` is not a valid node name, or undefined when it is. */
export function nodeNameProblem(name: string): string | undefined {
  if (name.length === 0) return "a node name cannot be empty";
  let at = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 128 || NODE_CHARS[c] !== 1)
      return `node name "${printable(name)}" has the character ${charName(c)}; use [A-Za-z0-9,._+-] and one @`;
    if (c === 0x40) at++;
  }
  if (at > 1) return `node name "${name}" has more than one '@'`;
  return undefined;
}

/** Why `name` is not a valid property name, or undefined when it is. */
export function propertyNameProblem(name: string): string | undefined {
  if (name.length === 0) return "a property name cannot be empty";
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 128 || PROP_CHARS[c] !== 1)
      return `property name "${printable(name)}" has the character ${charName(c)}; use [A-Za-z0-9,._+*#?-]`;
  }
  return undefined;
}

function charName(c: number): string {
  return c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `0x${c.toString(16)}`;
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, "?");
}

import { ConfigError } from "@armature/core";

/**
 * Key names → HID usages on the Keyboard/Keypad page (HID Usage Tables 1.4 §10). Names follow
 * the DOM `KeyboardEvent.code` spelling ("KeyA", "Digit1", "Enter", "ShiftLeft"…); single
 * characters "a".."z", "0".."9" and a few lower-case aliases are accepted too.
 */
export const KEY_USAGES: Readonly<Record<string, number>> = (() => {
  const m: Record<string, number> = {};
  for (let i = 0; i < 26; i++) {
    const c = String.fromCharCode(65 + i);
    m[`Key${c}`] = 0x04 + i;
    m[c.toLowerCase()] = 0x04 + i;
  }
  for (let i = 1; i <= 9; i++) {
    m[`Digit${i}`] = 0x1e + i - 1;
    m[String(i)] = 0x1e + i - 1;
  }
  m.Digit0 = 0x27;
  m["0"] = 0x27;
  const named: Array<[string, number]> = [
    ["Enter", 0x28],
    ["Escape", 0x29],
    ["Backspace", 0x2a],
    ["Tab", 0x2b],
    ["Space", 0x2c],
    ["Minus", 0x2d],
    ["Equal", 0x2e],
    ["BracketLeft", 0x2f],
    ["BracketRight", 0x30],
    ["Backslash", 0x31],
    ["Semicolon", 0x33],
    ["Quote", 0x34],
    ["Backquote", 0x35],
    ["Comma", 0x36],
    ["Period", 0x37],
    ["Slash", 0x38],
    ["CapsLock", 0x39],
    ["PrintScreen", 0x46],
    ["ScrollLock", 0x47],
    ["Pause", 0x48],
    ["Insert", 0x49],
    ["Home", 0x4a],
    ["PageUp", 0x4b],
    ["Delete", 0x4c],
    ["End", 0x4d],
    ["PageDown", 0x4e],
    ["ArrowRight", 0x4f],
    ["ArrowLeft", 0x50],
    ["ArrowDown", 0x51],
    ["ArrowUp", 0x52],
    ["NumLock", 0x53],
    ["NumpadDivide", 0x54],
    ["NumpadMultiply", 0x55],
    ["NumpadSubtract", 0x56],
    ["NumpadAdd", 0x57],
    ["NumpadEnter", 0x58],
    ["Numpad0", 0x62],
    ["NumpadDecimal", 0x63],
    ["ContextMenu", 0x65],
    ["ControlLeft", 0xe0],
    ["ShiftLeft", 0xe1],
    ["AltLeft", 0xe2],
    ["MetaLeft", 0xe3],
    ["ControlRight", 0xe4],
    ["ShiftRight", 0xe5],
    ["AltRight", 0xe6],
    ["MetaRight", 0xe7],
    // aliases
    ["enter", 0x28],
    ["esc", 0x29],
    ["escape", 0x29],
    ["backspace", 0x2a],
    ["tab", 0x2b],
    ["space", 0x2c],
    ["shift", 0xe1],
    ["ctrl", 0xe0],
    ["alt", 0xe2],
    ["meta", 0xe3],
    ["up", 0x52],
    ["down", 0x51],
    ["left", 0x50],
    ["right", 0x4f],
  ];
  for (const [k, v] of named) m[k] = v;
  for (let i = 1; i <= 12; i++) m[`F${i}`] = 0x3a + i - 1;
  for (let i = 1; i <= 9; i++) m[`Numpad${i}`] = 0x59 + i - 1;
  return Object.freeze(m);
})();

/** The HID usage of a key name; throws ConfigError naming the key when it is unknown. */
export function keyUsage(name: string): number {
  const u = KEY_USAGES[name];
  if (u === undefined)
    throw new ConfigError(
      `unknown key name "${name}" (use a KeyboardEvent.code name such as "KeyA", or a HID usage number)`,
    );
  return u;
}

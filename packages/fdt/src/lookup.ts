import type { FdtNode } from "./tree.js";

/**
 * Finds a node by path (DTSpec v0.4 §2.2.3): `/soc/uart@9000000`. A component without `@` also
 * matches a node whose name is that component plus a unit address (the first such child), like
 * libfdt. A path not starting with `/` starts with an alias from `/aliases` (`serial0/child`).
 */
export function findNode(root: FdtNode, path: string): FdtNode | undefined {
  let rest = path;
  let node: FdtNode | undefined = root;
  if (!rest.startsWith("/")) {
    const slash = rest.indexOf("/");
    const alias = slash < 0 ? rest : rest.slice(0, slash);
    const target = root.child("aliases")?.getString(alias);
    if (target === undefined || !target.startsWith("/")) return undefined;
    node = findNode(root, target);
    rest = slash < 0 ? "" : rest.slice(slash);
  }
  for (const part of rest.split("/")) {
    if (part === "" || node === undefined) continue;
    const current: FdtNode = node;
    node = current.child(part);
    if (node === undefined && !part.includes("@")) node = current.children.find((c) => c.baseName === part);
  }
  return node;
}

/** Every node with its path, parents before children (document order). */
export function* walkNodes(root: FdtNode, path = "/"): Generator<{ path: string; node: FdtNode }> {
  const stack: { path: string; node: FdtNode }[] = [{ path, node: root }];
  while (stack.length > 0) {
    const e = stack.pop()!;
    yield e;
    for (let i = e.node.children.length - 1; i >= 0; i--) {
      const c = e.node.children[i]!;
      stack.push({ path: `${e.path === "/" ? "" : e.path}/${c.name}`, node: c });
    }
  }
}

/** The node whose `phandle` (or `linux,phandle`) is `phandle`. */
export function findByPhandle(root: FdtNode, phandle: number): FdtNode | undefined {
  for (const { node } of walkNodes(root)) if (node.phandle === phandle) return node;
  return undefined;
}

/** The path of `target` inside `root`, or undefined when it is not in the tree. */
export function pathOf(root: FdtNode, target: FdtNode): string | undefined {
  for (const { path, node } of walkNodes(root)) if (node === target) return path;
  return undefined;
}

/** The parent of `target` inside `root`. */
export function parentOf(root: FdtNode, target: FdtNode): FdtNode | undefined {
  for (const { node } of walkNodes(root)) if (node.children.includes(target)) return node;
  return undefined;
}

/** One more than the largest phandle in the tree (1 for a tree without phandles). */
export function nextPhandle(root: FdtNode): number {
  let max = 0;
  for (const { node } of walkNodes(root)) {
    const ph = node.phandle;
    if (ph !== undefined && ph !== 0xffffffff && ph > max) max = ph;
  }
  return max + 1;
}

/**
 * Returns the node's phandle, giving it the next free one first if it has none.
 * `root` is the tree the node belongs to.
 */
export function ensurePhandle(root: FdtNode, node: FdtNode): number {
  const ph = node.phandle;
  if (ph !== undefined) return ph;
  const next = nextPhandle(root);
  node.setPhandle(next);
  return next;
}

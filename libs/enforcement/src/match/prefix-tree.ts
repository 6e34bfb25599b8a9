/**
 * A binary prefix tree (a trie over address bits) of IPv4 and IPv6 networks: a lookup walks at most 32
 * (or 128) nodes and returns every network that contains the address, whatever the number of networks
 * stored — the enforcer never scans its decisions to answer "is this client covered by a range?".
 * Host addresses are stored as /32 and /128 networks, so one walk finds both kinds of decision.
 */
import { parseIp, type ParsedIp } from '@vigil/events';

interface Node<T> {
  zero: Node<T> | null;
  one: Node<T> | null;
  items: T[] | null;
}

/** A network as the tree reads it: the address and how many leading bits are fixed. */
export interface Network {
  readonly ip: ParsedIp;
  readonly bits: number;
}

/** Parses `a.b.c.d`, `a.b.c.d/n`, `v6`, `v6/n` into a network; null when it is not one. */
export function parseNetwork(text: string): Network | null {
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!ip) return null;
  const max = ip.version === 4 ? 32 : 128;
  if (slash < 0) return { ip, bits: max };
  const tail = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(tail)) return null;
  const bits = Number(tail);
  return bits <= max ? { ip, bits } : null;
}

function bitOf(ip: ParsedIp, i: number): number {
  if (ip.version === 4) return (ip.v4 >>> (31 - i)) & 1;
  return (ip.v6![i >> 4]! >> (15 - (i & 15))) & 1;
}

const newNode = <T>(): Node<T> => ({ zero: null, one: null, items: null });

export class PrefixTree<T> {
  private readonly v4: Node<T> = newNode();
  private readonly v6: Node<T> = newNode();
  private count = 0;

  /** Items stored (an item stored under two networks counts twice). */
  get size(): number {
    return this.count;
  }

  insert(net: Network, item: T): void {
    let node = net.ip.version === 4 ? this.v4 : this.v6;
    for (let i = 0; i < net.bits; i++) {
      if (bitOf(net.ip, i) === 0) node = node.zero ??= newNode();
      else node = node.one ??= newNode();
    }
    (node.items ??= []).push(item);
    this.count++;
  }

  /** Removes `item` from `net` (by identity); prunes the branch it leaves empty. */
  remove(net: Network, item: T): boolean {
    const path: Node<T>[] = [];
    let node: Node<T> | null = net.ip.version === 4 ? this.v4 : this.v6;
    for (let i = 0; i < net.bits && node; i++) {
      path.push(node);
      node = bitOf(net.ip, i) === 0 ? node.zero : node.one;
    }
    if (!node?.items) return false;
    const at = node.items.indexOf(item);
    if (at < 0) return false;
    node.items.splice(at, 1);
    if (node.items.length === 0) node.items = null;
    this.count--;
    // Prune upwards while a node holds nothing and leads nowhere.
    for (let i = path.length - 1; i >= 0; i--) {
      if (node.items || node.zero || node.one) break;
      const parent: Node<T> = path[i]!;
      if (parent.zero === node) parent.zero = null;
      else parent.one = null;
      node = parent;
    }
    return true;
  }

  /** Every item whose network contains `ip`, broadest network first. */
  containing(ip: ParsedIp, out: T[] = []): T[] {
    let node: Node<T> | null = ip.version === 4 ? this.v4 : this.v6;
    const max = ip.version === 4 ? 32 : 128;
    for (let i = 0; node; i++) {
      if (node.items) for (const item of node.items) out.push(item);
      if (i === max) break;
      node = bitOf(ip, i) === 0 ? node.zero : node.one;
    }
    return out;
  }

  /** Every item whose network contains all of `net` (its prefix is `net`'s or shorter). */
  covering(net: Network, out: T[] = []): T[] {
    let node: Node<T> | null = net.ip.version === 4 ? this.v4 : this.v6;
    for (let i = 0; node; i++) {
      if (node.items) for (const item of node.items) out.push(item);
      if (i === net.bits) break;
      node = bitOf(net.ip, i) === 0 ? node.zero : node.one;
    }
    return out;
  }

  /** Every item whose network lies inside `net` (its prefix starts with `net`'s): a walk of that subtree. */
  within(net: Network, out: T[] = []): T[] {
    let node: Node<T> | null = net.ip.version === 4 ? this.v4 : this.v6;
    for (let i = 0; i < net.bits && node; i++) node = bitOf(net.ip, i) === 0 ? node.zero : node.one;
    const stack: Node<T>[] = node ? [node] : [];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (n.items) for (const item of n.items) out.push(item);
      if (n.one) stack.push(n.one);
      if (n.zero) stack.push(n.zero);
    }
    return out;
  }
}

import fc from 'fast-check';
import { parseCidr, parseIp } from '@vigil/events';
import { PrefixTree, parseNetwork } from './prefix-tree';

const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));

describe('PrefixTree', () => {
  it('finds every stored network containing an address, as a scan of CidrSet-style matching would', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(v4, fc.integer({ min: 0, max: 32 })), { maxLength: 40 }),
        fc.array(v4, { maxLength: 20 }),
        (nets, probes) => {
          const tree = new PrefixTree<string>();
          const texts = nets.map(([a, b]) => `${a}/${b}`);
          texts.forEach((t) => tree.insert(parseNetwork(t)!, t));
          for (const p of [...probes, ...nets.map(([a]) => a)]) {
            const ip = parseIp(p)!;
            const want = texts.filter((t) => parseCidr(t).contains(ip)).sort();
            expect(tree.containing(ip).sort()).toEqual(want);
          }
        },
      ),
    );
  });

  it('matches IPv6 ranges and hosts apart from IPv4', () => {
    const tree = new PrefixTree<string>();
    tree.insert(parseNetwork('2001:db8::/32')!, 'range');
    tree.insert(parseNetwork('2001:db8::7')!, 'host');
    tree.insert(parseNetwork('0.0.0.0/0')!, 'all-v4');
    expect(tree.containing(parseIp('2001:db8::7')!).sort()).toEqual(['host', 'range']);
    expect(tree.containing(parseIp('2001:db9::1')!)).toEqual([]);
    expect(tree.containing(parseIp('10.1.2.3')!)).toEqual(['all-v4']);
  });

  it('removes what was inserted and answers covering and within queries', () => {
    const tree = new PrefixTree<string>();
    const add = (t: string) => tree.insert(parseNetwork(t)!, t);
    ['10.0.0.0/8', '10.1.0.0/16', '10.1.2.3', '192.168.0.0/24'].forEach(add);
    expect(tree.covering(parseNetwork('10.1.2.0/24')!).sort()).toEqual(['10.0.0.0/8', '10.1.0.0/16']);
    expect(tree.within(parseNetwork('10.1.0.0/16')!).sort()).toEqual(['10.1.0.0/16', '10.1.2.3']);
    expect(tree.remove(parseNetwork('10.1.0.0/16')!, '10.1.0.0/16')).toBe(true);
    expect(tree.remove(parseNetwork('10.1.0.0/16')!, '10.1.0.0/16')).toBe(false);
    expect(tree.containing(parseIp('10.1.2.3')!).sort()).toEqual(['10.0.0.0/8', '10.1.2.3']);
    expect(tree.size).toBe(3);
  });

  it('refuses what is not a network', () => {
    for (const bad of ['10.0.0.0/33', '10.0.0/8', 'x', '2001:db8::/129', '1.2.3.4/-1', '1.2.3.4/']) {
      expect(parseNetwork(bad)).toBeNull();
    }
  });
});

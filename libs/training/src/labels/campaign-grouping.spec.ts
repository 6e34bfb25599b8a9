import type { ConfirmedIncident } from './incidents';
import { groupIncidents } from './campaign-grouping';

const MIN = 60_000;
let n = 0;
function rec(p: Partial<ConfirmedIncident> & { startMs: number; endMs: number }): ConfirmedIncident {
  return {
    ip: null,
    principal: null,
    session: null,
    apiKey: null,
    type: 'credential_stuffing',
    campaign: null,
    style: null,
    record: ++n,
    ...p,
  };
}

describe('grouping incidents into campaigns', () => {
  it('keeps records with one campaign id together, whatever their times and entities', () => {
    const g = groupIncidents([
      rec({ campaign: 'a', ip: '1.1.1.1', startMs: 0, endMs: MIN }),
      rec({ campaign: 'a', ip: '9.9.9.9', startMs: 500 * MIN, endMs: 501 * MIN }),
      rec({ campaign: 'b', ip: '1.1.1.1', startMs: 0, endMs: MIN }),
    ]);
    expect(g.map((c) => [c.id, c.ips, c.grouped])).toEqual([
      ['a', ['1.1.1.1', '9.9.9.9'], 'by-id'],
      ['b', ['1.1.1.1'], 'by-id'],
    ]);
  });

  it('refuses a campaign id that mixes attack types', () => {
    expect(() =>
      groupIncidents(
        [
          rec({ campaign: 'x', ip: '1.1.1.1', startMs: 0, endMs: 1 }),
          rec({ campaign: 'x', ip: '1.1.1.2', startMs: 0, endMs: 1, type: 'scraping' }),
        ],
        {},
        'soc.ndjson',
      ),
    ).toThrow(/soc.ndjson: campaign "x" mixes types credential_stuffing and scraping/);
  });

  it('joins records without an id that overlap in time and share an address, a subnet or a principal', () => {
    const g = groupIncidents([
      rec({ ip: '45.146.164.10', startMs: 0, endMs: 10 * MIN }),
      rec({ ip: '45.146.164.77', startMs: 5 * MIN, endMs: 12 * MIN }), // same /24
      rec({ ip: '45.146.164.10', startMs: 15 * MIN, endMs: 20 * MIN }), // same IP, within the 10 min gap
      rec({ ip: '45.146.164.10', startMs: 200 * MIN, endMs: 210 * MIN }), // same IP, hours later: another wave
      rec({ ip: '81.2.3.4', startMs: 3 * MIN, endMs: 9 * MIN }), // nothing shared, another window
      rec({ ip: '45.146.164.10', startMs: 0, endMs: 10 * MIN, type: 'scraping' }), // another type
    ]);
    const stuffing = g.filter((c) => c.type === 'credential_stuffing').map((c) => c.ips.length);
    expect(stuffing.sort()).toEqual([1, 1, 2]);
    expect(g.find((c) => c.ips.includes('45.146.164.77'))!.records).toBe(3);
    expect(g.every((c) => c.grouped === 'by-time-and-entities')).toBe(true);
  });

  it('joins the addresses of one reported window (a botnet ticket) that share nothing else', () => {
    const g = groupIncidents(
      Array.from({ length: 50 }, (_, i) =>
        rec({
          ip: `${10 + i}.20.30.40`,
          startMs: 100 * MIN + (i % 3) * 1000,
          endMs: 130 * MIN,
          style: 'residential_botnet',
        }),
      ),
    );
    expect(g).toHaveLength(1);
    expect(g[0]).toMatchObject({ records: 50, style: 'residential_botnet', startMs: 100 * MIN, endMs: 130 * MIN });
  });
});

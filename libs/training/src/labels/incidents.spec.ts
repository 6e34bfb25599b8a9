import { IdHasher } from '@vigil/events';
import { parseIncidentFile } from './incidents';

const hasher = new IdHasher('test-key-0123456789', 24);

describe('incident label files', () => {
  it('reads attack records with a campaign id and benign look-alikes from one NDJSON file', () => {
    const f = parseIncidentFile(
      [
        '{"campaign":"cs-1","type":"credential_stuffing","style":"residential_botnet","ip":"81.2.0.7","start":"2026-03-02T08:10:00Z","end":"2026-03-02T08:40:00Z"}',
        '',
        '{"type":"account_takeover","principal":" Alice@Example.com ","start":1772439000000,"end":1772440800000}',
        '{"benign":"carrier_nat","cidr":"31.94.0.0/24"}',
        '{"benign":"partner","apiKey":"agg_1","note":"FinLink"}',
      ].join('\n'),
      hasher,
      'soc.ndjson',
    );
    expect(f.incidents).toHaveLength(2);
    expect(f.incidents[0]).toMatchObject({ campaign: 'cs-1', style: 'residential_botnet', ip: '81.2.0.7', record: 1 });
    expect(f.incidents[0]!.startMs).toBe(Date.parse('2026-03-02T08:10:00Z'));
    // Principals are hashed like the normalizer does: trimmed and lower-cased.
    expect(f.incidents[1]!.principal).toBe(hasher.hash('p', 'alice@example.com'));
    expect(f.incidents[1]!.campaign).toBeNull();
    expect(f.benign).toEqual([
      expect.objectContaining({ cls: 'carrier_nat', cidr: '31.94.0.0/24', startMs: -Infinity, endMs: Infinity }),
      expect.objectContaining({ cls: 'aggregator', apiKey: hasher.hash('k', 'agg_1'), note: 'FinLink' }),
    ]);
  });

  it('names the record and the problem when a record is wrong', () => {
    expect(() => parseIncidentFile('[{"type":"credential_stuffing","start":1,"end":2}]', hasher, 'a.json')).toThrow(
      /a.json record 1: needs ip, principal, session or apiKey/,
    );
    expect(() => parseIncidentFile('{"benign":"vpn","ip":"1.2.3.4"}', hasher, 'b')).toThrow(
      /b record 1: benign class "vpn" is not one of carrier_nat/,
    );
    expect(() => parseIncidentFile('{"benign":"crawler","cidr":"10.0.0.0/40"}', hasher, 'c')).toThrow(
      /c record 1: .*prefix length/,
    );
    expect(() => parseIncidentFile('{"type":"scraping","ip":"1.2.3.4","start":5,"end":2}', hasher, 'd')).toThrow(
      /end is before start/,
    );
    expect(() => parseIncidentFile('{"type":"scraping"\n', hasher, 'e')).toThrow(/e line 1 is not JSON/);
  });
});

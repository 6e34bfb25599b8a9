import { IdHasher } from '@vigil/events';
import { accessEvent } from '../test-builders';
import { parseIncidentFile } from './incidents';
import { LabelIndex } from './label-index';

const hasher = new IdHasher('test-key-0123456789', 24);
const T0 = Date.UTC(2026, 2, 2, 8);
const MIN = 60_000;

function index(lines: readonly object[]): LabelIndex {
  const labels = new LabelIndex();
  labels.addIncidentFile(parseIncidentFile(lines.map((l) => JSON.stringify(l)).join('\n'), hasher, 'soc'), 'soc');
  return labels;
}

describe('LabelIndex over incident files', () => {
  it('tags addresses inside a benign range, and those using a benign key, as they are seen', () => {
    const labels = index([
      { benign: 'carrier_nat', cidr: '31.94.0.0/24' },
      { benign: 'aggregator', apiKey: 'agg_1' },
    ]);
    expect(labels.trapsOf('ips', '31.94.0.9')).toEqual([]);
    labels.observe([
      accessEvent({ clientIp: '31.94.0.9' }),
      accessEvent({ clientIp: '52.30.40.2', apiKeyId: hasher.hash('k', 'agg_1') }),
      accessEvent({ clientIp: '81.2.0.7' }),
    ]);
    expect(labels.trapsOf('ips', '31.94.0.9').map((m) => m.trap)).toEqual(['carrier_nat']);
    expect(labels.trapsOf('ips', '52.30.40.2').map((m) => m.trap)).toEqual(['aggregator']);
    expect(labels.trapsOf('ips', '81.2.0.7')).toEqual([]);
  });

  it('holds a benign record only inside its time range', () => {
    const p = hasher.hash('p', 'bob@example.com');
    const labels = index([{ benign: 'traveller', principal: 'bob@example.com', start: T0, end: T0 + 60 * MIN }]);
    expect(labels.trapsOf('principals', p, T0 + MIN)).toHaveLength(1);
    expect(labels.trapsOf('principals', p, T0 + 2 * 60 * MIN)).toHaveLength(0);
  });

  it('finds the addresses of a fleet named only by its key, inside the campaign span', () => {
    const labels = index([
      { campaign: 'fleet-1', type: 'scraping', apiKey: 'fk_free_1', start: T0, end: T0 + 10 * MIN },
    ]);
    const key = hasher.hash('k', 'fk_free_1');
    labels.observe([
      accessEvent({ ts: T0 + MIN, clientIp: '45.146.164.1', apiKeyId: key }),
      accessEvent({ ts: T0 + 20 * MIN, clientIp: '45.146.164.2', apiKeyId: key }), // after the span
    ]);
    expect(labels.campaignsOf('ips', '45.146.164.1').map((s) => s.key)).toEqual(['soc:fleet-1']);
    expect(labels.campaignsOf('ips', '45.146.164.2')).toEqual([]);
  });

  it('judges events by address and span, and writes the labels as a LabelsFile for the whole path', () => {
    const labels = index([
      { campaign: 'cs', type: 'credential_stuffing', ip: '45.146.164.1', start: T0, end: T0 + 5 * MIN },
      { benign: 'search_crawler', ip: '66.249.64.10' },
    ]);
    expect(labels.groupOfEvent(accessEvent({ ts: T0 + MIN, clientIp: '45.146.164.1' }))).toBe('soc:cs');
    expect(labels.groupOfEvent(accessEvent({ ts: T0 + 30 * MIN, clientIp: '45.146.164.1' }))).toBeNull();
    expect(labels.groupOfEvent(accessEvent({ clientIp: '66.249.64.10' }))).toBe('soc:b1');
    const file = labels.toLabelsFile();
    expect(file.campaigns.map((c) => [c.id, c.type, c.entities.ips])).toEqual([
      ['soc:cs', 'credential_stuffing', ['45.146.164.1']],
    ]);
    expect(file.traps.map((t) => [t.id, t.trap, t.entities.ips])).toEqual([
      ['soc:b1', 'search_crawler', ['66.249.64.10']],
    ]);
  });
});

describe('LabelIndex for a held-back window', () => {
  it('judges a long campaign on the entities the window saw, from when it first saw them', () => {
    const labels = index([
      { campaign: 'bot', type: 'credential_stuffing', ip: '81.2.0.1', start: T0, end: T0 + 300 * MIN },
      { campaign: 'bot', type: 'credential_stuffing', ip: '81.2.0.2', start: T0, end: T0 + 300 * MIN },
      { campaign: 'old', type: 'scraping', ip: '45.146.164.9', start: T0, end: T0 + 10 * MIN },
    ]);
    expect(labels.judge(accessEvent({ ts: T0 + 200 * MIN, clientIp: '81.2.0.2' }))).toBe('soc:bot');
    const all = labels.toLabelsFile();
    const seen = labels.toLabelsFile({ seenOnly: true });
    expect(all.campaigns.map((c) => c.entities.ips.length)).toEqual([2, 1]);
    expect(seen.campaigns.map((c) => [c.id, c.entities.ips, c.startMs])).toEqual([
      ['soc:bot', ['81.2.0.2'], T0 + 200 * MIN],
    ]);
  });
});

describe('LabelIndex naming decision targets', () => {
  it('names a target by its campaign, else by a benign label holding then, with no events replayed', () => {
    const p = hasher.hash('p', 'bob@example.com');
    const labels = index([
      {
        campaign: 'bot',
        type: 'credential_stuffing',
        style: 'residential_botnet',
        ip: '81.2.0.1',
        start: T0,
        end: T0 + 30 * MIN,
      },
      { benign: 'carrier_nat', cidr: '31.94.0.0/24' },
      { benign: 'aggregator', apiKey: 'agg_1' },
      { benign: 'traveller', principal: 'bob@example.com', start: T0, end: T0 + 60 * MIN },
    ]);
    // A decision minutes after the campaign's last request is still on its address.
    expect(labels.labelOfTarget('ip', '81.2.0.1', T0 + 40 * MIN)).toBe('attack:credential_stuffing/residential_botnet');
    // An address of a labeled range, never seen in events.
    expect(labels.labelOfTarget('ip', '31.94.0.77', T0)).toBe('benign:carrier_nat');
    expect(labels.labelOfTarget('api_key', hasher.hash('k', 'agg_1'), T0)).toBe('benign:aggregator');
    expect(labels.labelOfTarget('principal', p, T0 + MIN)).toBe('benign:traveller');
    expect(labels.labelOfTarget('principal', p, T0 + 90 * MIN)).toBeNull();
    expect(labels.labelOfTarget('ip', '81.2.0.9', T0)).toBeNull();
    expect(labels.labelOfTarget('subnet', '81.2.0.0/24', T0)).toBeNull();
  });
});

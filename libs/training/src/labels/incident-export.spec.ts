import { DEVELOPMENT_HASH_KEY, IdHasher } from '@vigil/events';
import { Simulation } from '@vigil/simulator';
import { incidentRecordsFromLabels } from './incident-export';
import { parseIncidentFile } from './incidents';
import { LabelIndex } from './label-index';

describe('simulator labels in the incident format', () => {
  const sim = new Simulation({ seed: 2, minutes: 15, scale: 0.1 });
  for (const r of sim.requests()) void r;
  const labels = sim.labels();
  const records = incidentRecordsFromLabels(labels, { networks: Simulation.networks().networks });
  const text = records.map((r) => JSON.stringify(r)).join('\n');
  const file = parseIncidentFile(text, new IdHasher(DEVELOPMENT_HASH_KEY, 24), 'export');

  it('reads back as the same campaigns, kept whole by their ids', () => {
    const index = new LabelIndex();
    const summary = index.addIncidentFile(file, 'soc');
    expect(summary.campaigns).toBe(labels.campaigns.filter((c) => c.requests > 0).length);
    expect(summary.campaignsInferred).toBe(0);
    for (const c of labels.campaigns.filter((x) => x.requests > 0))
      expect([...index.entitiesOf.get(`soc:${c.id}`)!.ips].sort()).toEqual([...c.entities.ips].sort());
  });

  it('writes NATs as ranges, partners as keys, travellers as accounts', () => {
    const benign = records.filter((r) => 'benign' in r);
    expect(benign.filter((r) => r['benign'] === 'carrier_nat').every((r) => typeof r['cidr'] === 'string')).toBe(true);
    expect(benign.some((r) => r['benign'] === 'aggregator' && typeof r['apiKey'] === 'string')).toBe(true);
    expect(file.benign.length).toBe(benign.length);
  });
});

import type { Alert } from '@vigil/detection';
import { RecentAlerts } from './recent-alerts';

const alert = (id: string): Alert => ({
  id,
  ts: 0,
  detector: 'scraping',
  severity: 'medium',
  entity: { type: 'ip', value: '203.0.113.1' },
  score: 0.6,
  reasons: [],
  decisionIds: [],
});

describe('RecentAlerts', () => {
  it('keeps the last N alerts and hands them out newest first', () => {
    const r = new RecentAlerts(3);
    expect(r.latest(10)).toEqual([]);
    r.push([alert('a'), alert('b')]);
    expect(r.latest(10).map((a) => a.id)).toEqual(['b', 'a']);
    r.push([alert('c'), alert('d'), alert('e')]);
    expect(r.latest(10).map((a) => a.id)).toEqual(['e', 'd', 'c']);
    expect(r.latest(2).map((a) => a.id)).toEqual(['e', 'd']);
  });
});

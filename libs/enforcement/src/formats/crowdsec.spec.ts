import type { Decision } from '@vigil/detection';
import { ActiveDecisions } from '../decisions/active-decisions';
import { crowdsecFilter, deltaStream, startupStream } from './crowdsec';
import { nginxGeoInclude, plainAddressList } from './lists';

const T0 = 1_800_000_000_000;
const d = (
  id: string,
  scope: Decision['scope'],
  value: Decision['value'],
  action: Decision['action'] = 'block',
): Decision => ({
  id,
  ts: T0,
  action,
  scope,
  value,
  ttlSeconds: 14_400,
  detector: 'credential_stuffing',
  score: 1,
  reasons: [],
  modelVersion: 'm',
  shadow: false,
});

describe('CrowdSec Local API format', () => {
  const set = new ActiveDecisions();
  set.apply('ip:203.0.113.7', d('a', 'ip', '203.0.113.7'), T0, T0);
  set.apply('subnet:198.51.100.0/24', d('b', 'subnet', '198.51.100.0/24', 'challenge'), T0, T0);
  set.apply('principal:hmac', d('c', 'principal', 'hmac', 'step_up'), T0, T0);

  it('serves ip and range decisions by default, with CrowdSec names, types and a Go duration', () => {
    const s = startupStream(set.all(), set.recentlyRemoved(T0 + 2000), crowdsecFilter({}, ['ip', 'range']), T0 + 2000);
    expect(s.new).toEqual([
      expect.objectContaining({
        scope: 'Ip',
        value: '203.0.113.7',
        type: 'ban',
        duration: '3h59m58s',
        origin: 'vigil',
        scenario: 'vigil/credential_stuffing',
        uuid: 'a',
      }),
      expect.objectContaining({ scope: 'Range', value: '198.51.100.0/24', type: 'captcha' }),
    ]);
    expect(Number.isSafeInteger(s.new[0]!.id)).toBe(true);
    const every = startupStream(set.all(), [], crowdsecFilter({ scopes: 'ip,range,principal' }, ['ip', 'range']), T0);
    expect(every.new.map((x) => x.scope)).toEqual(['Ip', 'Range', 'principal']);
  });

  it('sends a later pull only what changed since its cursor', () => {
    const cursor = set.lastSeq;
    set.apply('ip:203.0.113.7', null, T0 + 5000, T0 + 5000);
    set.apply('ip:192.0.2.1', d('e', 'ip', '192.0.2.1'), T0 + 5000, T0 + 5000);
    const s = deltaStream(
      set.changesSince(cursor)!,
      (e) => set.get(e.key) === e,
      crowdsecFilter({}, ['ip', 'range']),
      T0 + 6000,
    );
    expect(s.new.map((x) => x.value)).toEqual(['192.0.2.1']);
    expect(s.deleted.map((x) => x.value)).toEqual(['203.0.113.7']);
  });

  it('writes NGINX geo entries and plain lists of addresses and ranges only', () => {
    const geo = nginxGeoInclude(set.all(), T0 + 6000);
    expect(geo.split('\n').slice(1)).toEqual(['192.0.2.1 block;', '198.51.100.0/24 challenge;', '']);
    expect(plainAddressList(set.all(), T0 + 6000, { actions: new Set(['block']) })).toBe('192.0.2.1\n');
  });
});

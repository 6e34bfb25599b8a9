import type { AccessEvent } from '@vigil/events';
import { EVENT_APPLY, EVENT_SKIP, EVENT_TOUCH } from '../aggregate/batch-aggregator';
import { BatchClock } from './batch-clock';

const at = (ts: number) => ({ ts }) as AccessEvent;

describe('BatchClock', () => {
  it('never calls events of one batch late relative to each other', () => {
    const clock = new BatchClock(1000);
    const b = clock.classify([at(10_000), at(1), at(5_000)], undefined, 0);
    expect(Array.from(b.classes)).toEqual([EVENT_APPLY, EVENT_APPLY, EVENT_APPLY]);
    expect(b.watermark).toBe(10_000);
  });

  it('counts an event older than watermark - lateness as late, and replayed offsets as duplicates', () => {
    const clock = new BatchClock(1000);
    const first = clock.classify([at(10_000), at(10_001)], { topic: 't', partition: 0, firstOffset: 0 }, 0);
    clock.commit(first);
    const b = clock.classify([at(9_500), at(8_000), at(11_000)], { topic: 't', partition: 0, firstOffset: 1 }, 0);
    expect(Array.from(b.classes)).toEqual([EVENT_TOUCH, EVENT_SKIP, EVENT_APPLY]);
    expect({ late: b.late, duplicates: b.duplicates, applied: b.applied }).toEqual({
      late: 1,
      duplicates: 1,
      applied: 1,
    });
  });

  it('rejects offsets that do not increase', () => {
    const clock = new BatchClock();
    expect(() =>
      clock.classify([at(1), at(2)], { topic: 't', partition: 0, firstOffset: 0, offsets: [5, 5] }, 0),
    ).toThrow(/increase/);
  });
});

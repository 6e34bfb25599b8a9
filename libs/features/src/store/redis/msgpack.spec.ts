import fc from 'fast-check';
import { MsgpackWriter, unpack } from './msgpack';

describe('MessagePack subset', () => {
  it('round-trips flat arrays of numbers and strings', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer(),
            fc.maxSafeInteger(),
            fc.double({ noNaN: true }),
            fc.string(),
            fc.string({ unit: 'grapheme' }),
          ),
        ),
        (values) => {
          const w = new MsgpackWriter();
          w.arrayHeader(values.length);
          for (const v of values) w.value(v);
          expect(unpack(w.take())).toEqual(values.map((v) => (Object.is(v, -0) ? 0 : v)));
        },
      ),
    );
  });

  it('grows its buffer past 64 KiB', () => {
    const w = new MsgpackWriter();
    const big = 'x'.repeat(200_000);
    w.arrayHeader(2);
    w.string(big);
    w.number(2 ** 40);
    expect(unpack(w.take())).toEqual([big, 2 ** 40]);
  });
});

import fc from 'fast-check';
import avro from 'avsc';
import { accessEventArb } from '../../../../test/fixtures/access-event-arbitrary';
import { AvroAccessEventDecoder, confluentFrame, StaticSchemaResolver } from '../decoders/avro';
import {
  ACCESS_EVENT_AVRO_SCHEMA_V1,
  ACCESS_EVENT_AVRO_SCHEMA_V2,
  accessEventAvroType,
  decodeAccessEventAvro,
  encodeAccessEventAvro,
} from './access-event-avro';

describe('AccessEvent Avro schema v2', () => {
  it('has a field for every AccessEvent property, in the same order as the type', async () => {
    const sample = fc.sample(accessEventArb, 1)[0]!;
    expect(ACCESS_EVENT_AVRO_SCHEMA_V2.fields.map((f) => f.name)).toEqual(Object.keys(sample));
  });

  it('round-trips every valid event: decode(encode(x)) = x', () => {
    fc.assert(
      fc.property(accessEventArb, (event) => {
        expect(decodeAccessEventAvro(encodeAccessEventAvro(event))).toEqual(event);
      }),
      { numRuns: 300 },
    );
  });

  describe('Confluent wire format', () => {
    const decoder = new AvroAccessEventDecoder(new StaticSchemaResolver([[7, accessEventAvroType]]));

    it('reads a framed message through the schema id', () => {
      fc.assert(
        fc.property(accessEventArb, (event) => {
          const r = decoder.decodeConfluent(confluentFrame(7, encodeAccessEventAvro(event)));
          expect(r.ok && r.value).toEqual(event);
        }),
        { numRuns: 100 },
      );
    });

    it('reads a bare body', () => {
      const event = fc.sample(accessEventArb, 1)[0]!;
      const r = decoder.decodeBare(encodeAccessEventAvro(event));
      expect(r.ok && r.value).toEqual(event);
    });

    it('reads events written with an older writer schema that lacked a defaulted field', () => {
      const older = {
        ...ACCESS_EVENT_AVRO_SCHEMA_V2,
        fields: ACCESS_EVENT_AVRO_SCHEMA_V2.fields.filter((f) => f.name !== 'sanitized'),
      };
      const olderType = avro.Type.forSchema(older as unknown as avro.Schema);
      const event = fc.sample(accessEventArb, 1)[0]!;
      const { sanitized: _dropped, ...rest } = event;
      const d = new AvroAccessEventDecoder(new StaticSchemaResolver([[3, olderType]]));
      const r = d.decodeConfluent(confluentFrame(3, olderType.toBuffer(rest)));
      expect(r.ok && r.value).toEqual({ ...event, sanitized: [] });
    });

    it('reads v1 events (written before malformed) as valid requests of the current version', () => {
      const v1Type = avro.Type.forSchema(ACCESS_EVENT_AVRO_SCHEMA_V1 as unknown as avro.Schema);
      const d = new AvroAccessEventDecoder(new StaticSchemaResolver([[1, v1Type]]));
      fc.assert(
        fc.property(accessEventArb, (event) => {
          const { malformed: _new, ...v1 } = { ...event, v: 1 };
          const r = d.decodeConfluent(confluentFrame(1, v1Type.toBuffer(v1)));
          expect(r.ok && r.value).toEqual({ ...event, malformed: null });
        }),
        { numRuns: 100 },
      );
    });

    it.each([
      ['a wrong magic byte', Buffer.from([1, 0, 0, 0, 7, 0]), 'bad_magic_byte'],
      ['a message shorter than the header', Buffer.from([0, 0, 0]), 'bad_magic_byte'],
      ['an unknown schema id', Buffer.from([0, 0, 0, 0, 99, 0]), 'unknown_schema_id'],
      ['a truncated body', Buffer.from([0, 0, 0, 0, 7, 2, 3]), 'avro_decode_error'],
    ])('dead-letters %s', (_name, message, reason) => {
      const r = decoder.decodeConfluent(message);
      expect(r.ok ? 'ok' : r.reason).toBe(reason);
    });

    it('dead-letters an Avro body that decodes but is not a valid event', () => {
      const event = { ...fc.sample(accessEventArb, 1)[0]!, clientIp: 'not-an-ip' };
      const r = decoder.decodeConfluent(confluentFrame(7, encodeAccessEventAvro(event)));
      expect(r.ok ? 'ok' : r.reason).toBe('invalid_ip');
    });

    it('never throws on arbitrary bytes', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
          const r = decoder.decodeConfluent(Buffer.from([0, 0, 0, 0, 7, ...bytes]));
          expect(typeof r.ok).toBe('boolean');
        }),
        { numRuns: 500 },
      );
    });
  });
});

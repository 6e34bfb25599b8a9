/**
 * AccessEvents as Avro: bare binary bodies, and the Confluent Schema Registry wire format
 * (byte 0 = 0x00 magic, bytes 1-4 = big-endian schema id, then the Avro body):
 * https://docs.confluent.io/platform/current/schema-registry/fundamentals/serdes-develop/index.html#wire-format
 *
 * Schema ids resolve through a SchemaResolver; records written with an older or newer writer schema
 * are read through avsc's resolver into the current AccessEvent shape.
 */
import avro from 'avsc';
import type { AccessEvent } from '../access-event';
import { fail, type DecodeResult } from '../dead-letter';
import { accessEventAvroType } from '../schema/access-event-avro';
import { validateAccessEvent } from './vigil';

export const CONFLUENT_MAGIC_BYTE = 0;

/** Maps a registry schema id to its writer schema. A Schema Registry client implements this later. */
export interface SchemaResolver {
  writerType(schemaId: number): avro.Type | undefined;
}

/** A fixed id → schema map (tests, offline replays, a registry snapshot). */
export class StaticSchemaResolver implements SchemaResolver {
  private readonly types = new Map<number, avro.Type>();
  constructor(entries: Iterable<[number, avro.Type | avro.Schema]>) {
    for (const [id, schema] of entries) {
      this.types.set(id, schema instanceof avro.Type ? schema : avro.Type.forSchema(schema));
    }
  }
  writerType(schemaId: number): avro.Type | undefined {
    return this.types.get(schemaId);
  }
}

export class AvroAccessEventDecoder {
  private readonly resolvers = new Map<number, avro.Resolver | null>();

  constructor(private readonly schemas: SchemaResolver) {}

  /** A bare Avro body written with the current AccessEvent schema. */
  decodeBare(body: Buffer): DecodeResult<AccessEvent> {
    return readWith(body, accessEventAvroType, undefined);
  }

  /** A Confluent-framed message. */
  decodeConfluent(message: Buffer): DecodeResult<AccessEvent> {
    if (message.length < 5)
      return fail('bad_magic_byte', `message of ${message.length} bytes is too short for the Confluent wire format`);
    if (message[0] !== CONFLUENT_MAGIC_BYTE) {
      return fail(
        'bad_magic_byte',
        `first byte is 0x${message[0]!.toString(16).padStart(2, '0')}, expected 0x00 (Confluent wire format)`,
      );
    }
    const id = message.readInt32BE(1);
    let resolver = this.resolvers.get(id);
    if (resolver === undefined) {
      const writer = this.schemas.writerType(id);
      if (!writer) {
        return fail('unknown_schema_id', `schema id ${id} is not known to the schema resolver`);
      }
      try {
        resolver = writer.equals(accessEventAvroType) ? null : accessEventAvroType.createResolver(writer);
      } catch (err) {
        return fail(
          'unknown_schema_id',
          `schema id ${id} cannot be read as vigil.AccessEvent: ${(err as Error).message.slice(0, 160)}`,
        );
      }
      this.resolvers.set(id, resolver);
    }
    return readWith(message.subarray(5), accessEventAvroType, resolver ?? undefined);
  }
}

function readWith(body: Buffer, type: avro.Type, resolver: avro.Resolver | undefined): DecodeResult<AccessEvent> {
  let value: unknown;
  try {
    // fromBuffer throws on trailing bytes and truncated input, which is what we want.
    value = type.fromBuffer(body, resolver);
  } catch (err) {
    return fail('avro_decode_error', (err as Error).message.slice(0, 200));
  }
  return validateAccessEvent(value);
}

/** Frames an Avro body in the Confluent wire format. */
export function confluentFrame(schemaId: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + body.length);
  out[0] = CONFLUENT_MAGIC_BYTE;
  out.writeInt32BE(schemaId, 1);
  body.copy(out, 5);
  return out;
}

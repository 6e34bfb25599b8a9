/**
 * EngineState to bytes and back, for checkpoints kept outside the process (Redis, in the detector
 * service). V8's structured serialization keeps what JSON would lose — Maps' order is already in the
 * entry lists, but -Infinity (a ring never rolled), NaN and Float64Arrays survive as they are — and is
 * several times faster than JSON on a snapshot of a few MB. A one-line header names the format so that a
 * checkpoint written by another version is refused with a reason instead of being misread.
 */
import { deserialize, serialize } from 'node:v8';
import { ENGINE_STATE_VERSION, type EngineState } from './detection-engine';

const MAGIC = Buffer.from(`vigil-engine-state/${ENGINE_STATE_VERSION}\n`);

export function encodeEngineState(state: EngineState): Buffer {
  return Buffer.concat([MAGIC, serialize(state)]);
}

export function decodeEngineState(bytes: Buffer): EngineState {
  if (bytes.length < MAGIC.length || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    const head = bytes.subarray(0, Math.min(bytes.length, 40)).toString('latin1').split('\n')[0];
    throw new Error(
      `not an engine state this version reads (header ${JSON.stringify(head)}, want ${MAGIC.toString().trim()})`,
    );
  }
  return deserialize(bytes.subarray(MAGIC.length)) as EngineState;
}

/**
 * The small MessagePack subset the Redis script speaks (https://github.com/msgpack/msgpack/blob/master/spec.md):
 * flat arrays of numbers and strings out (decoded by Redis's C `cmsgpack.unpack`), nested arrays of
 * numbers back (`cmsgpack.pack`). One blob per script call instead of thousands of RESP arguments keeps
 * the client's serialisation and Redis's argument parsing off the hot path.
 */

export class MsgpackWriter {
  private buf = Buffer.allocUnsafe(1 << 16);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  reset(): void {
    this.pos = 0;
  }

  /** A copy of what was written. */
  take(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }

  arrayHeader(n: number): void {
    this.ensure(5);
    const b = this.buf;
    if (n < 16) b[this.pos++] = 0x90 | n;
    else if (n < 0x10000) {
      b[this.pos++] = 0xdc;
      b.writeUInt16BE(n, this.pos);
      this.pos += 2;
    } else {
      b[this.pos++] = 0xdd;
      b.writeUInt32BE(n, this.pos);
      this.pos += 4;
    }
  }

  number(x: number): void {
    this.ensure(9);
    const b = this.buf;
    if (Number.isInteger(x) && Math.abs(x) <= Number.MAX_SAFE_INTEGER) {
      if (x >= 0) {
        if (x < 128) b[this.pos++] = x;
        else if (x < 0x100) {
          b[this.pos++] = 0xcc;
          b[this.pos++] = x;
        } else if (x < 0x10000) {
          b[this.pos++] = 0xcd;
          b.writeUInt16BE(x, this.pos);
          this.pos += 2;
        } else if (x < 0x100000000) {
          b[this.pos++] = 0xce;
          b.writeUInt32BE(x, this.pos);
          this.pos += 4;
        } else {
          b[this.pos++] = 0xcf;
          b.writeUInt32BE(Math.floor(x / 0x100000000), this.pos);
          b.writeUInt32BE(x >>> 0, this.pos + 4);
          this.pos += 8;
        }
      } else if (x >= -32) {
        b[this.pos++] = 0xe0 | (x + 32);
      } else {
        b[this.pos++] = 0xd3;
        b.writeBigInt64BE(BigInt(x), this.pos);
        this.pos += 8;
      }
      return;
    }
    b[this.pos++] = 0xcb;
    b.writeDoubleBE(x, this.pos);
    this.pos += 8;
  }

  string(s: string): void {
    const len = Buffer.byteLength(s, 'utf8');
    this.ensure(5 + len);
    const b = this.buf;
    if (len < 32) b[this.pos++] = 0xa0 | len;
    else if (len < 0x100) {
      b[this.pos++] = 0xd9;
      b[this.pos++] = len;
    } else if (len < 0x10000) {
      b[this.pos++] = 0xda;
      b.writeUInt16BE(len, this.pos);
      this.pos += 2;
    } else {
      b[this.pos++] = 0xdb;
      b.writeUInt32BE(len, this.pos);
      this.pos += 4;
    }
    this.pos += b.write(s, this.pos, len, 'utf8');
  }

  value(v: number | string): void {
    if (typeof v === 'number') this.number(v);
    else this.string(v);
  }
}

export type Unpacked = number | string | Buffer | null | boolean | Unpacked[];

/**
 * Decodes one MessagePack value (arrays, integers, floats, strings, nil, booleans; maps are not used).
 * With `rawStrings`, strings come back as Buffers (views of `buf`): for replies that nest MessagePack.
 */
export function unpack(buf: Buffer, rawStrings = false): Unpacked {
  let pos = 0;
  const read = (): Unpacked => {
    const t = buf[pos++]!;
    if (t < 0x80) return t;
    if (t >= 0xe0) return t - 0x100;
    if ((t & 0xf0) === 0x90) return readArray(t & 0x0f);
    if ((t & 0xe0) === 0xa0) return readString(t & 0x1f);
    switch (t) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xcc:
        return buf[pos++]!;
      case 0xcd:
        pos += 2;
        return buf.readUInt16BE(pos - 2);
      case 0xce:
        pos += 4;
        return buf.readUInt32BE(pos - 4);
      case 0xcf:
        pos += 8;
        return buf.readUInt32BE(pos - 8) * 0x100000000 + buf.readUInt32BE(pos - 4);
      case 0xd0:
        return buf.readInt8(pos++);
      case 0xd1:
        pos += 2;
        return buf.readInt16BE(pos - 2);
      case 0xd2:
        pos += 4;
        return buf.readInt32BE(pos - 4);
      case 0xd3:
        pos += 8;
        return buf.readInt32BE(pos - 8) * 0x100000000 + buf.readUInt32BE(pos - 4);
      case 0xca:
        pos += 4;
        return buf.readFloatBE(pos - 4);
      case 0xcb:
        pos += 8;
        return buf.readDoubleBE(pos - 8);
      case 0xd9:
        return readString(buf[pos++]!);
      case 0xda:
        pos += 2;
        return readString(buf.readUInt16BE(pos - 2));
      case 0xdb:
        pos += 4;
        return readString(buf.readUInt32BE(pos - 4));
      case 0xdc:
        pos += 2;
        return readArray(buf.readUInt16BE(pos - 2));
      case 0xdd:
        pos += 4;
        return readArray(buf.readUInt32BE(pos - 4));
      default:
        throw new Error(`unsupported MessagePack type 0x${t.toString(16)} at ${pos - 1}`);
    }
  };
  const readArray = (n: number): Unpacked[] => {
    const out = new Array<Unpacked>(n);
    for (let i = 0; i < n; i++) out[i] = read();
    return out;
  };
  const readString = (n: number): string | Buffer => {
    pos += n;
    return rawStrings ? buf.subarray(pos - n, pos) : buf.toString('utf8', pos - n, pos);
  };
  return read();
}

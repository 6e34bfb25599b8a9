/**
 * Syslog over TCP (RFC 6587) and over TLS (RFC 5425): RFC 5424 messages, octet-counted, on one
 * long-lived connection that is opened on first use and again after any failure.
 *
 * What "delivered" means here, plainly: the bytes were handed to the kernel without error. Plain and TLS
 * syslog have no acknowledgement, so a receiver that dies with messages in its buffers loses them, and
 * a connection the peer closed may swallow one write before the error shows (see "On the (un)reliability
 * of plain tcp syslog", rsyslog's documentation). To narrow that window the connection is dropped as soon
 * as the peer half-closes it, and each send first checks it is still open. RELP would close the gap;
 * rsyslog and syslog-ng speak it, Node has no client.
 *
 * TLS: the server certificate is verified (RFC 5425 §5.2) against `ca` (or the system's roots) and
 * `servername`; a client certificate is presented when `cert` and `key` are given.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { delivered, tooLarge, type OutboundRecord, type SendOutcome, type SiemTransport } from './siem-transport';
import { frameSyslog, syslogMessage, type SyslogFraming, type SyslogHeaderOptions } from './syslog-message';

export interface SyslogTlsOptions {
  /** PEM of the CA(s) that signed the receiver's certificate; default the system's roots. */
  readonly ca?: string;
  /** Name to verify the certificate against (and SNI); default `host`. */
  readonly servername?: string;
  /** Client certificate and key (PEM), for receivers that authenticate senders (mutual TLS). */
  readonly cert?: string;
  readonly key?: string;
  /** Only for tests against a throwaway certificate: false skips verification. Default true. */
  readonly rejectUnauthorized?: boolean;
}

export interface SyslogStreamOptions {
  readonly host: string;
  readonly port: number;
  readonly tls?: SyslogTlsOptions;
  readonly header: SyslogHeaderOptions;
  readonly framing?: SyslogFraming;
  readonly connectTimeoutMs?: number;
  /** A write the kernel has not taken within this (the receiver stopped reading) fails the connection. */
  readonly writeTimeoutMs?: number;
  /** Default 64 KiB: what rsyslog takes with `maxMessageSize="64k"` (its default is 8 KiB). */
  readonly maxMessageBytes?: number;
}

export const DEFAULT_SYSLOG_STREAM_MAX_BYTES = 65_536;

export class SyslogStreamTransport implements SiemTransport {
  readonly kind: string;
  readonly maxRecordBytes: number;
  private socket: Socket | null = null;
  private connecting: Promise<Socket> | null = null;

  constructor(private readonly o: SyslogStreamOptions) {
    this.kind = o.tls ? 'syslog-tls' : 'syslog-tcp';
    this.maxRecordBytes = o.maxMessageBytes ?? DEFAULT_SYSLOG_STREAM_MAX_BYTES;
  }

  async send(records: readonly OutboundRecord[]): Promise<readonly SendOutcome[]> {
    const frames: Buffer[] = [];
    const outcomes: (SendOutcome | null)[] = [];
    for (const r of records) {
      if ((this.o.framing ?? 'octet-counting') === 'lf' && r.rendered.text.includes('\n')) {
        outcomes.push({ status: 'refused', code: 'framing', detail: 'LF-framed syslog cannot carry a line break' });
        continue;
      }
      const message = syslogMessage(r.alert, r.rendered.text, this.o.header);
      if (message.length > this.maxRecordBytes) {
        outcomes.push(tooLarge(message.length, this.maxRecordBytes, 'message'));
        continue;
      }
      frames.push(frameSyslog(message, this.o.framing));
      outcomes.push(null);
    }
    if (frames.length === 0) return outcomes as SendOutcome[];
    let socket: Socket;
    try {
      socket = await this.open();
    } catch (err) {
      return fill(outcomes, { status: 'retry', code: 'connect_error', detail: (err as Error).message });
    }
    try {
      await this.write(socket, Buffer.concat(frames));
    } catch (err) {
      this.drop(socket);
      return fill(outcomes, { status: 'retry', code: 'write_error', detail: (err as Error).message });
    }
    return fill(outcomes, delivered);
  }

  async close(): Promise<void> {
    this.connecting = null;
    const socket = this.socket;
    this.socket = null;
    if (!socket || socket.destroyed) return;
    // end() flushes what is buffered before the FIN; wait for it, but not forever.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        socket.destroy();
        resolve();
      }, this.o.writeTimeoutMs ?? 10_000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.end();
    });
  }

  private open(): Promise<Socket> {
    const held = this.socket;
    if (held && !held.destroyed && held.writable && !held.readableEnded) return Promise.resolve(held);
    if (held) this.drop(held);
    this.connecting ??= this.connect().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private connect(): Promise<Socket> {
    const { host, port, tls } = this.o;
    return new Promise<Socket>((resolve, reject) => {
      const socket = tls
        ? tlsConnect({
            host,
            port,
            servername: tls.servername ?? host,
            ca: tls.ca,
            cert: tls.cert,
            key: tls.key,
            rejectUnauthorized: tls.rejectUnauthorized ?? true,
          })
        : netConnect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy(new Error(`no connection to ${host}:${port} within ${this.o.connectTimeoutMs ?? 5000} ms`));
      }, this.o.connectTimeoutMs ?? 5000);
      const fail = (err: Error) => {
        clearTimeout(timer);
        reject(err);
      };
      socket.once('error', fail);
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', fail);
        socket.setNoDelay(true);
        socket.setKeepAlive(true, 30_000);
        // Syslog receivers send nothing; reading keeps 'end' (the peer's FIN) observable.
        socket.on('data', () => undefined);
        socket.on('end', () => this.drop(socket));
        socket.on('error', () => this.drop(socket));
        this.socket = socket;
        resolve(socket);
      });
    });
  }

  private write(socket: Socket, data: Buffer): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`write not taken within ${this.o.writeTimeoutMs ?? 10_000} ms`)),
        this.o.writeTimeoutMs ?? 10_000,
      );
      socket.write(data, (err) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      });
    });
  }

  private drop(socket: Socket): void {
    if (this.socket === socket) this.socket = null;
    socket.destroy();
  }
}

function fill(outcomes: readonly (SendOutcome | null)[], outcome: SendOutcome): SendOutcome[] {
  return outcomes.map((o) => o ?? outcome);
}

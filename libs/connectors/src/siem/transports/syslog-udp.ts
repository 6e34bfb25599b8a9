/**
 * Syslog over UDP (RFC 5426): one RFC 5424 message per datagram, no framing, no acknowledgement.
 * "Delivered" is "the datagram left this host": a receiver that is down or drops it loses it unseen,
 * which is why UDP is the transport of last resort. The socket is connected, so an ICMP "port
 * unreachable" for an earlier datagram surfaces as an error on a later send (and that send is retried).
 *
 * Size: RFC 5426 §3.2 — receivers must take 480 octets (IPv4) / 1180 (IPv6) and should take 2048;
 * larger datagrams fragment or are dropped. The default limit is 2048; a larger message is dead-lettered
 * rather than cut, so that what arrives is never a silently truncated record.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { delivered, tooLarge, type OutboundRecord, type SendOutcome, type SiemTransport } from './siem-transport';
import { syslogMessage, type SyslogHeaderOptions } from './syslog-message';

export interface SyslogUdpOptions {
  readonly host: string;
  readonly port: number;
  readonly header: SyslogHeaderOptions;
  /** Default 2048 (RFC 5426's "should accept"); at most 65507, the IPv4 payload limit. */
  readonly maxMessageBytes?: number;
}

export const DEFAULT_SYSLOG_UDP_MAX_BYTES = 2048;

export class SyslogUdpTransport implements SiemTransport {
  readonly kind = 'syslog-udp';
  readonly maxRecordBytes: number;
  private socket: Promise<Socket> | null = null;

  constructor(private readonly o: SyslogUdpOptions) {
    // The text alone; with its syslog header a message may still be over, and is refused in send().
    this.maxRecordBytes = o.maxMessageBytes ?? DEFAULT_SYSLOG_UDP_MAX_BYTES;
  }

  async send(records: readonly OutboundRecord[]): Promise<readonly SendOutcome[]> {
    const out: SendOutcome[] = [];
    const limit = this.o.maxMessageBytes ?? DEFAULT_SYSLOG_UDP_MAX_BYTES;
    for (const r of records) {
      const message = syslogMessage(r.alert, r.rendered.text, this.o.header);
      if (message.length > limit) {
        out.push(tooLarge(message.length, limit, 'datagram'));
        continue;
      }
      try {
        const socket = await this.open();
        await new Promise<void>((resolve, reject) => socket.send(message, (err) => (err ? reject(err) : resolve())));
        out.push(delivered);
      } catch (err) {
        this.reset();
        out.push({ status: 'retry', code: 'send_error', detail: (err as Error).message });
      }
    }
    return out;
  }

  async close(): Promise<void> {
    const held = this.socket;
    this.socket = null;
    if (!held) return;
    const socket = await held.catch(() => null);
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  private open(): Promise<Socket> {
    this.socket ??= new Promise<Socket>((resolve, reject) => {
      const socket = createSocket(isIPv6(this.o.host) ? 'udp6' : 'udp4');
      socket.once('error', reject);
      socket.connect(this.o.port, this.o.host, () => {
        socket.off('error', reject);
        // Errors after connect (ICMP unreachable) are reported to the next send's callback.
        socket.on('error', () => undefined);
        resolve(socket);
      });
    });
    return this.socket;
  }

  private reset(): void {
    const held = this.socket;
    this.socket = null;
    void held?.then((s) => s.close()).catch(() => undefined);
  }
}

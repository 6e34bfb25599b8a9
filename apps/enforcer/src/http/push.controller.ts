/**
 * Push for enforcement points that hold a connection, so a decision reaches them in milliseconds rather
 * than at the next poll:
 * - `GET /v1/push/sse` — server-sent events. `added` (a decision in force, with `expiresAt`) and `removed`
 *   (with the cause: expired, revoked, replaced), each with `id: <epoch>:<seq>`; after a reconnect the
 *   client's `Last-Event-ID` (or `?cursor=`) resumes right after the last change it received. A cursor
 *   from another enforcer process or older than the change log gets `reset`, every decision in force as
 *   `added`, then `synced` carrying the cursor. Heartbeat comments keep proxies from closing idle streams.
 * - `GET /v1/push/poll?cursor=…&timeout=25` — long-polling: the changes after the cursor at once, or the
 *   next ones within `timeout` seconds, as `{cursor, reset, changes}`.
 */
import { Controller, Get, HttpException, Inject, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { ActiveDecision, ActiveDecisions, DecisionChange } from '@vigil/enforcement';
import { EnforcerService } from '../enforcer.service';
import { ApiKeyGuard, RequiresRole, type AuthedRequest } from './api-key.guard';

const HEARTBEAT_MS = 15_000;
/** A client this far behind (bytes queued in the socket) is dropped; it resumes from its cursor. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export interface PushedDecision {
  readonly key: string;
  readonly startsAt: number;
  readonly expiresAt: number;
  readonly decision: ActiveDecision['decision'];
}

export type PushedChange =
  | { readonly kind: 'added'; readonly cursor: string; readonly decision: PushedDecision }
  | {
      readonly kind: 'removed';
      readonly cursor: string;
      readonly key: string;
      readonly id: string;
      readonly action: string;
      readonly cause: string;
    };

const pushed = (e: ActiveDecision): PushedDecision => ({
  key: e.key,
  startsAt: e.startsAt,
  expiresAt: e.expiresAt,
  decision: e.decision,
});

export function pushedChange(set: ActiveDecisions, c: DecisionChange): PushedChange {
  const cursor = `${set.epoch}:${c.seq}`;
  return c.kind === 'added'
    ? { kind: 'added', cursor, decision: pushed(c.entry) }
    : {
        kind: 'removed',
        cursor,
        key: c.entry.key,
        id: c.entry.decision.id,
        action: c.entry.decision.action,
        cause: c.cause,
      };
}

/** `epoch:seq` → the seq, when it is this set's epoch and the log still reaches back to it. */
function resumable(set: ActiveDecisions, cursor: string | undefined): readonly DecisionChange[] | null {
  if (!cursor) return null;
  const [epoch, seqText] = cursor.split(':');
  if (epoch !== set.epoch || !/^\d{1,15}$/.test(seqText ?? '')) return null;
  return set.changesSince(Number(seqText));
}

@Controller('v1/push')
@UseGuards(ApiKeyGuard)
export class PushController {
  constructor(@Inject(EnforcerService) private readonly enforcer: EnforcerService) {}

  @Get('sse')
  @RequiresRole('push')
  sse(@Req() req: AuthedRequest, @Res() res: ServerResponse, @Query('cursor') cursorParam?: string): void {
    const set = this.enforcer.feed.decisions;
    const metrics = this.enforcer.metrics;
    const lastId = req.headers['last-event-id'];
    const cursor = typeof lastId === 'string' && lastId ? lastId : cursorParam;
    res.statusCode = 200;
    res.setHeader('content-type', 'text/event-stream; charset=utf-8');
    res.setHeader('cache-control', 'no-cache');
    res.setHeader('x-accel-buffering', 'no');
    res.flushHeaders();
    req.socket.setNoDelay(true);
    const write = (event: string, data: unknown, id?: string): void => {
      res.write(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const send = (c: DecisionChange): void => {
      const p = pushedChange(set, c);
      write(p.kind, p, p.cursor);
    };
    // Subscribe before reading the backlog, buffering what arrives meanwhile: nothing falls in between.
    const pending: DecisionChange[] = [];
    let live = false;
    const off = set.onChange((changes) => {
      if (!live) {
        pending.push(...changes);
        return;
      }
      for (const c of changes) send(c);
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        this.enforcer.log.warn(
          { caller: req.caller?.name },
          'push client too slow; dropped (it resumes from its cursor)',
        );
        res.destroy();
      }
    });
    const backlog = resumable(set, cursor);
    if (backlog) {
      for (const c of backlog) send(c);
    } else {
      write('reset', { epoch: set.epoch, reason: cursor ? 'cursor not resumable' : 'no cursor' });
      for (const e of set.all()) write('added', { kind: 'added', cursor: null, decision: pushed(e) });
      write('synced', { cursor: `${set.epoch}:${set.lastSeq}`, active: set.size }, `${set.epoch}:${set.lastSeq}`);
    }
    const upTo = backlog ? (backlog.at(-1)?.seq ?? Number.NEGATIVE_INFINITY) : set.lastSeq;
    for (const c of pending) if (c.seq > upTo) send(c);
    live = true;
    metrics.pushClients.inc({ transport: 'sse' });
    const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
    res.on('close', () => {
      clearInterval(heartbeat);
      off();
      metrics.pushClients.dec({ transport: 'sse' });
    });
  }

  @Get('poll')
  @RequiresRole('push')
  async poll(
    @Req() req: AuthedRequest,
    @Query('cursor') cursor?: string,
    @Query('timeout') timeoutText?: string,
  ): Promise<{ cursor: string; reset: boolean; changes: PushedChange[] }> {
    const set = this.enforcer.feed.decisions;
    const timeout = timeoutText === undefined ? 25 : Number(timeoutText);
    if (!Number.isFinite(timeout) || timeout < 0 || timeout > 120) {
      throw new HttpException({ message: 'timeout is seconds, 0-120' }, 400);
    }
    const at = (): string => `${set.epoch}:${set.lastSeq}`;
    const backlog = resumable(set, cursor);
    if (!backlog) {
      const changes = [...set.all()].map((e): PushedChange => ({ kind: 'added', cursor: at(), decision: pushed(e) }));
      return { cursor: at(), reset: true, changes };
    }
    if (backlog.length > 0 || timeout === 0)
      return { cursor: at(), reset: false, changes: backlog.map((c) => pushedChange(set, c)) };
    this.enforcer.metrics.pushClients.inc({ transport: 'long_poll' });
    try {
      const changes = await new Promise<readonly DecisionChange[]>((resolve) => {
        const timer = setTimeout(() => done([]), timeout * 1000);
        const off = set.onChange((c) => done(c));
        const closed = () => done([]);
        req.socket.once('close', closed);
        function done(c: readonly DecisionChange[]) {
          clearTimeout(timer);
          off();
          req.socket.off('close', closed);
          resolve(c);
        }
      });
      return { cursor: at(), reset: false, changes: changes.map((c) => pushedChange(set, c)) };
    } finally {
      this.enforcer.metrics.pushClients.dec({ transport: 'long_poll' });
    }
  }
}

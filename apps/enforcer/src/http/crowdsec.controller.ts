/**
 * CrowdSec's Local API for bouncers, as crowdsec's pkg/apiserver/controllers/v1/decisions.go serves it:
 * - `GET /v1/decisions/stream?startup=true|false&scopes=…&origins=…&scenarios_containing=…`: on startup,
 *   every decision in force and the recently ended ones as `deleted`; afterwards, what changed since this
 *   bouncer's last pull (kept per key and client address). `HEAD` answers 200 and moves no cursor.
 * - `GET /v1/decisions?ip=…|range=…|scope=…&value=…[&contains=false][&type=…]`: the decisions that apply,
 *   or `null` when none does (a Go nil slice, as CrowdSec writes it). `HEAD`: 200, no body.
 */
import { Controller, Get, Head, Header, HttpCode, HttpException, Inject, Query, Req, UseGuards } from '@nestjs/common';
import {
  crowdsecFilter,
  deltaStream,
  parseNetwork,
  passes,
  startupStream,
  toCrowdsec,
  type ActiveDecision,
  type CrowdsecDecision,
  type CrowdsecStream,
  type QueryParams,
} from '@vigil/enforcement';
import type { DecisionScope } from '@vigil/detection';
import { EnforcerService } from '../enforcer.service';
import { ApiKeyGuard, RequiresRole, type AuthedRequest } from './api-key.guard';

const DEFAULT_STREAM_SCOPES = ['ip', 'range'];
const CROWDSEC_TO_VIGIL: Readonly<Record<string, DecisionScope>> = { ip: 'ip', range: 'subnet' };

@Controller('v1/decisions')
@UseGuards(ApiKeyGuard)
export class CrowdsecController {
  constructor(@Inject(EnforcerService) private readonly enforcer: EnforcerService) {}

  @Get('stream')
  @RequiresRole('bouncer')
  stream(@Req() req: AuthedRequest, @Query() q: QueryParams): CrowdsecStream {
    const set = this.enforcer.feed.decisions;
    const now = Date.now();
    const who = `${req.caller!.name}@${req.socket.remoteAddress ?? 'unknown'}`;
    const state = this.enforcer.bouncers.get(who);
    const filter = crowdsecFilter(q, DEFAULT_STREAM_SCOPES);
    const cursor = set.lastSeq;
    const changes =
      q['startup'] !== 'true' && state && state.epoch === set.epoch ? set.changesSince(state.cursor) : null;
    const body = changes
      ? deltaStream(changes, (e) => set.get(e.key) === e, filter, now)
      : startupStream(set.all(), set.recentlyRemoved(now), filter, now);
    this.enforcer.bouncers.set(who, { epoch: set.epoch, cursor, lastPull: now });
    this.enforcer.metrics.bouncers.set(this.enforcer.bouncers.size);
    return body;
  }

  @Head('stream')
  @HttpCode(200)
  @RequiresRole('bouncer')
  streamHead(): void {}

  @Get()
  @RequiresRole('bouncer')
  @Header('content-type', 'application/json; charset=utf-8')
  lookup(@Query() q: QueryParams): string {
    const now = Date.now();
    const found = this.find(q).filter((e) => e.expiresAt > now && passes(crowdsecFilter(q, null), e));
    // Written by hand: Nest would send an empty body for null, where CrowdSec's clients expect `null`.
    const body: CrowdsecDecision[] | null = found.length > 0 ? found.map((e) => toCrowdsec(e, now)) : null;
    return JSON.stringify(body);
  }

  @Head()
  @HttpCode(200)
  @RequiresRole('bouncer')
  lookupHead(@Query() q: QueryParams): void {
    this.find(q);
  }

  private find(q: QueryParams): ActiveDecision[] {
    const set = this.enforcer.feed.decisions;
    const one = (name: string): string | undefined => {
      const v = q[name];
      return typeof v === 'string' ? v : undefined;
    };
    const contains = one('contains') !== 'false';
    const network = (text: string, what: string) => {
      const net = parseNetwork(text);
      if (!net || text.length > 64)
        throw new HttpException({ message: `${what} "${text.slice(0, 64)}" is not valid` }, 400);
      return net;
    };
    const ip = one('ip');
    const range = one('range');
    const scope = one('scope')?.toLowerCase();
    const value = one('value');
    if (ip !== undefined) {
      if (ip.includes('/')) throw new HttpException({ message: `ip "${ip.slice(0, 64)}" is not an address` }, 400);
      return set.addressDecisions(network(ip, 'ip'), 'covering');
    }
    if (range !== undefined) return set.addressDecisions(network(range, 'range'), contains ? 'covering' : 'within');
    if (scope !== undefined && value !== undefined) {
      const vigilScope = CROWDSEC_TO_VIGIL[scope] ?? (scope as DecisionScope);
      if (vigilScope === 'ip' || vigilScope === 'subnet') {
        return set.addressDecisions(network(value, scope), vigilScope === 'ip' || contains ? 'covering' : 'within');
      }
      const e = set.exactDecision(vigilScope, value) ?? set.get(`${vigilScope}:${value}`);
      return e ? [e] : [];
    }
    const all = [...set.all()];
    return scope ? all.filter((e) => (CROWDSEC_TO_VIGIL[scope] ?? scope) === e.decision.scope) : all;
  }
}

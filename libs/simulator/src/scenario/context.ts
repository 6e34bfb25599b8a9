/**
 * What every actor of one run shares: the world, the run's time span, the label groups, and a helper
 * that turns "user X calls endpoint Y" into a SimRequest.
 */
import type { BankProfile } from '../bank/profiles';
import { fillTemplate, type EndpointSpec } from '../bank/surface';
import { buildRequest, type CallOptions, type ClientContext, type SessionState } from '../bank/request-builder';
import type { CampaignType, TrapKind } from '../labels';
import type { Random } from '../random';
import type { SimRequest } from '../sim-request';
import { Group } from './actor';
import type { World } from './world';

export class RunContext {
  readonly groups: Group[] = [];
  private campaignSeq = 0;
  private trapSeq = 0;
  /** Standing trap groups that benign sessions report into. */
  readonly traps: Readonly<Record<'carrier_nat' | 'corporate_nat' | 'traveller', Group>>;

  constructor(
    readonly world: World,
    readonly rng: Random,
    readonly startMs: number,
    readonly endMs: number,
    /** Multiplies benign volume. */
    readonly scale: number,
    /** Multiplies the number of attack campaigns per hour. */
    readonly attackRate = 1,
  ) {
    const p = world.params;
    const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
    this.traps = {
      carrier_nat: this.trap('carrier_nat', {
        networks: 'mobile_cgnat',
        mobileShare: p.mobileShare,
        cgnatShareOfMobile: p.cgnatShareOfMobile,
        phoneWebShare: p.phoneWebShare,
        usersPerEgressAddress: p.cgnatUsersPerAddress,
        egressAddresses: sum(p.cgnatEgressAddresses),
        egressPerCarrier: p.cgnatEgressAddresses.join('+'),
        poolAddresses: p.cgnatPoolAddresses,
        appTokenRefreshShare: p.appTokenRefreshShare,
      }),
      corporate_nat: this.trap('corporate_nat', {
        networks: 'corporate_nat',
        corporateShare: p.corporateShare,
        egressAddresses: sum(p.corporateEgressAddresses),
        egressPerNetwork: p.corporateEgressAddresses.join('+'),
      }),
      traveller: this.trap('traveller', {}),
    };
  }

  campaign(
    type: CampaignType,
    style: string,
    params: Record<string, number | string | boolean>,
    parent: string | null = null,
  ): Group {
    const id = `c${String(++this.campaignSeq).padStart(3, '0')}`;
    const g = new Group(id, 'attack', type, style, null, params, parent);
    this.groups.push(g);
    return g;
  }

  trap(kind: TrapKind, params: Record<string, number | string | boolean>): Group {
    const id = `t${String(++this.trapSeq).padStart(3, '0')}`;
    const g = new Group(id, 'trap', null, kind, kind, params);
    this.groups.push(g);
    return g;
  }

  /** The bank being simulated: its surface, population, habits and benign clients. */
  get profile(): BankProfile {
    return this.world.profile;
  }

  /** One call of endpoint `name`. `ids` fill the template's `{id}` slots; `path` overrides the path. */
  call(
    rng: Random,
    ts: number,
    name: string,
    client: ClientContext,
    session: SessionState,
    opts: Partial<CallOptions> & { status: number; ids?: readonly (string | number)[] },
  ): SimRequest {
    const e: EndpointSpec = this.world.profile.surface.endpoint(name);
    return buildRequest(rng, Math.round(ts), e, client, session, {
      ...opts,
      path: opts.path ?? fillTemplate(e.route.template, rng, opts.ids ?? []),
    });
  }
}

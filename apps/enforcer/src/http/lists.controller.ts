/**
 * Lists for enforcement points that load files (NGINX includes reloaded on a timer, firewalls, ipset,
 * CDN rule lists): `?actions=block,throttle` narrows any of them.
 *   GET /v1/lists/nginx-geo.conf        `geo` entries: address or range → action
 *   GET /v1/lists/nginx-countries.conf  `map` entries: country → action
 *   GET /v1/lists/addresses.txt         one address or range per line
 *   GET /v1/lists/decisions.json        every decision in force, JSON
 */
import type { ServerResponse } from 'node:http';
import { Controller, Get, HttpException, Inject, Query, Res, UseGuards } from '@nestjs/common';
import { DECISION_ACTIONS, type DecisionAction } from '@vigil/detection';
import {
  jsonList,
  nginxCountryMapInclude,
  nginxGeoInclude,
  plainAddressList,
  type ListOptions,
  type ListedDecision,
} from '@vigil/enforcement';
import { EnforcerService } from '../enforcer.service';
import { ApiKeyGuard, RequiresRole } from './api-key.guard';

function listOptions(actions: string | undefined): ListOptions {
  if (actions === undefined || actions === '') return {};
  const wanted = actions.split(',').map((a) => a.trim());
  const bad = wanted.filter((a) => !(DECISION_ACTIONS as readonly string[]).includes(a));
  if (bad.length > 0)
    throw new HttpException(
      { message: `unknown action ${bad[0]!.slice(0, 30)} (${DECISION_ACTIONS.join(', ')})` },
      400,
    );
  return { actions: new Set(wanted as DecisionAction[]) };
}

/** Text lists: the content type is set once the query is valid, so a 400 stays JSON. */
function text(res: ServerResponse, body: string): string {
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  return body;
}

@Controller('v1/lists')
@UseGuards(ApiKeyGuard)
export class ListsController {
  constructor(@Inject(EnforcerService) private readonly enforcer: EnforcerService) {}

  @Get('nginx-geo.conf')
  @RequiresRole('lists')
  geo(@Query('actions') actions: string | undefined, @Res({ passthrough: true }) res: ServerResponse): string {
    return text(res, nginxGeoInclude(this.enforcer.feed.decisions.all(), Date.now(), listOptions(actions)));
  }

  @Get('nginx-countries.conf')
  @RequiresRole('lists')
  countries(@Query('actions') actions: string | undefined, @Res({ passthrough: true }) res: ServerResponse): string {
    return text(res, nginxCountryMapInclude(this.enforcer.feed.decisions.all(), Date.now(), listOptions(actions)));
  }

  @Get('addresses.txt')
  @RequiresRole('lists')
  addresses(@Query('actions') actions: string | undefined, @Res({ passthrough: true }) res: ServerResponse): string {
    return text(res, plainAddressList(this.enforcer.feed.decisions.all(), Date.now(), listOptions(actions)));
  }

  @Get('decisions.json')
  @RequiresRole('lists')
  json(@Query('actions') actions?: string): ListedDecision[] {
    return jsonList(this.enforcer.feed.decisions.all(), Date.now(), listOptions(actions));
  }
}

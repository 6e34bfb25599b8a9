/**
 * The enforcer's own API is for enforcement points only: `X-Api-Key` with a key that has the route's
 * role, else 403 `{"message":"access forbidden"}` — what CrowdSec's Local API answers, so bouncers log
 * the failure they know — and a token bucket per key and API (429 with Retry-After past it).
 */
import {
  HttpException,
  Inject,
  Injectable,
  SetMetadata,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EnforcerRole } from '../config/enforcer-config';
import { EnforcerService } from '../enforcer.service';
import type { Caller } from './api-keys';

const ROLE = 'vigil:role';
export const RequiresRole = (role: EnforcerRole) => SetMetadata(ROLE, role);

export interface AuthedRequest extends IncomingMessage {
  caller?: Caller;
}

export const FORBIDDEN = { message: 'access forbidden' } as const;

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(EnforcerService) private readonly enforcer: EnforcerService,
  ) {}

  canActivate(ctx: ExecutionContext): boolean {
    const role = this.reflector.get<EnforcerRole | undefined>(ROLE, ctx.getHandler());
    if (!role) return true;
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const caller = this.enforcer.keys.authorize(req.headers['x-api-key'], role);
    if (!caller) {
      this.enforcer.metrics.requests.inc({ api: role, status: '403' });
      throw new HttpException(FORBIDDEN, 403);
    }
    if (!this.enforcer.apiLimit.take(`${role}:${caller.name}`)) {
      this.enforcer.metrics.rateLimited.inc({ api: role, key: caller.name });
      ctx.switchToHttp().getResponse<ServerResponse>().setHeader('retry-after', '1');
      throw new HttpException({ message: 'too many requests: slow down' }, 429);
    }
    req.caller = caller;
    this.enforcer.metrics.requests.inc({ api: role, status: '2xx' });
    return true;
  }
}

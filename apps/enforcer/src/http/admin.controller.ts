/**
 * `DELETE /v1/admin/decisions?key=ip:203.0.113.7` (role admin): revokes a decision everywhere — a
 * tombstone on the decisions topic, which every enforcer replica reads (and compaction then drops the
 * decision for good). 202: written to the topic; the change reaches bouncers and push clients from there.
 */
import { Controller, Delete, HttpCode, HttpException, Inject, Query, UseGuards } from '@nestjs/common';
import { DECISION_SCOPES } from '@vigil/detection';
import { EnforcerService } from '../enforcer.service';
import { ApiKeyGuard, RequiresRole } from './api-key.guard';

const KEY = new RegExp(`^(shadow\\|)?(${DECISION_SCOPES.join('|')}):.{1,1024}$`, 's');

@Controller('v1/admin')
@UseGuards(ApiKeyGuard)
export class AdminController {
  constructor(@Inject(EnforcerService) private readonly enforcer: EnforcerService) {}

  @Delete('decisions')
  @HttpCode(202)
  @RequiresRole('admin')
  async revoke(@Query('key') key?: string): Promise<{ revoked: string; wasActive: boolean }> {
    if (!key || !KEY.test(key)) {
      throw new HttpException(
        { message: 'key=<scope>:<value> is required (the decision record key, as on the decisions topic)' },
        400,
      );
    }
    const wasActive = this.enforcer.feed.decisions.get(key) !== undefined;
    await this.enforcer.feed.revoke(key);
    this.enforcer.log.info({ key, wasActive }, 'decision revoked');
    return { revoked: key, wasActive };
  }
}

/**
 * The enforcer's Nest module: the validated config, the logger and the metrics as values, the
 * EnforcerService built from them and started/stopped with the application's lifecycle hooks.
 */
import {
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type { Logger } from '@vigil/platform';
import type { EnforcerConfig } from './config/enforcer-config';
import { EnforcerService } from './enforcer.service';
import { AdminController } from './http/admin.controller';
import { ApiKeyGuard } from './http/api-key.guard';
import { CrowdsecController } from './http/crowdsec.controller';
import { ListsController } from './http/lists.controller';
import { PushController } from './http/push.controller';
import { OpsController } from './ops/ops.controller';

@Injectable()
export class EnforcerLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(@Inject(EnforcerService) private readonly enforcer: EnforcerService) {}

  onApplicationBootstrap(): Promise<void> {
    return this.enforcer.start();
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.enforcer.log.info({ signal }, 'enforcer stopping');
    await this.enforcer.stop();
  }
}

@Module({})
export class EnforcerModule {
  static forRoot(enforcer: EnforcerService): DynamicModule {
    return {
      module: EnforcerModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [CrowdsecController, PushController, ListsController, AdminController, OpsController],
      providers: [{ provide: EnforcerService, useValue: enforcer }, ApiKeyGuard, EnforcerLifecycle],
    };
  }
}

export type { EnforcerConfig, Logger };

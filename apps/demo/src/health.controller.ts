import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { KeyService, PlatformHealth } from '../../../libs/franceconnect/src/index.js';
import { DEMO_INFRASTRUCTURE, type DemoInfrastructure } from './infrastructure.js';

/** `/health`: each platform's discovery, the key set, and Redis when used. 503 when something is down. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly platforms: PlatformHealth,
    private readonly keys: KeyService,
    @Inject(DEMO_INFRASTRUCTURE) private readonly infrastructure: DemoInfrastructure,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      ...this.platforms.platforms.map((platform) => () => this.platform(platform)),
      () => this.keySet(),
      ...(this.infrastructure.redisReachable ? [() => this.redis()] : []),
    ]);
  }

  private async platform(platform: 'fc' | 'fcp'): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(platform === 'fcp' ? 'franceconnect-plus' : 'franceconnect');
    // Discovered once per process; while the platform is down this retries at most once a second.
    return (await this.platforms.reachable(platform)) ? indicator.up({ discovery: 'ok' }) : indicator.down({ discovery: 'unreachable' });
  }

  private keySet(): HealthIndicatorResult {
    const indicator = this.indicators.check('keys');
    const published = this.keys.publicJwks().keys;
    if (this.platforms.platforms.includes('fcp') && published.length === 0) return indicator.down({ published: 0 });
    return indicator.up({ published: published.length, kids: published.map((key) => key.kid ?? '') });
  }

  private async redis(): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('redis');
    return (await this.infrastructure.redisReachable!()) ? indicator.up() : indicator.down();
  }
}

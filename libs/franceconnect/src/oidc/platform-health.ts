import { Injectable } from '@nestjs/common';
import type { PlatformId } from '../platforms.js';
import { PlatformRegistry } from './platform-registry.js';

/**
 * What an application's health check needs to know of the platforms: which are configured, and whether
 * each one's discovery document can be had. Inject it in a health controller (`@nestjs/terminus`).
 */
@Injectable()
export class PlatformHealth {
  constructor(private readonly registry: PlatformRegistry) {}

  /** The platforms the module was configured with. */
  get platforms(): PlatformId[] {
    return this.registry.platforms;
  }

  /**
   * Whether the platform's discovery document can be had. Discovered once per process; while the
   * platform is down, asking again retries at most once a second. Never throws.
   */
  async reachable(platform: PlatformId): Promise<boolean> {
    try {
      await this.registry.get(platform).configuration();
      return true;
    } catch {
      return false;
    }
  }
}

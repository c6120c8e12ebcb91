import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InternalSignInError } from '../errors/franceconnect.errors.js';
import { PLATFORM_OPTIONS, type PlatformId } from '../platforms.js';
import { FRANCECONNECT_OPTIONS } from '../franceconnect.constants.js';
import { KeyService } from '../keys/key.service.js';
import type { ResolvedFranceConnectOptions } from '../options/resolve-options.js';
import { PlatformClient } from './platform-client.js';

/** The configured platforms' clients, one per platform for the life of the process. */
@Injectable()
export class PlatformRegistry implements OnApplicationBootstrap {
  private readonly clients = new Map<PlatformId, PlatformClient>();

  constructor(@Inject(FRANCECONNECT_OPTIONS) options: ResolvedFranceConnectOptions, keys: KeyService) {
    const logger = new Logger('FranceConnect');
    for (const platform of Object.values(options.platforms)) {
      this.clients.set(platform.id, new PlatformClient(platform, options, keys, logger));
    }
  }

  /** Starts discovery in the background so the first sign-in does not wait for it; failures are retried later. */
  onApplicationBootstrap(): void {
    for (const platformClient of this.clients.values()) {
      platformClient.configuration().catch(() => undefined);
    }
  }

  /** The platforms this module was configured with. */
  get platforms(): PlatformId[] {
    return [...this.clients.keys()];
  }

  /**
   * The client of one platform.
   *
   * @throws {InternalSignInError} when the platform is not configured but a route uses it.
   */
  get(platformId: PlatformId): PlatformClient {
    const platformClient = this.clients.get(platformId);
    if (!platformClient) {
      throw new InternalSignInError(
        `The ${PLATFORM_OPTIONS[platformId]} options are not set, but a route uses this platform`,
        { platform: platformId },
      );
    }
    return platformClient;
  }
}

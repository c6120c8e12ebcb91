/**
 * One platform of the emulator in a process of its own, so that the benchmark's browsers and load never
 * slow it down, reached through a TCP relay on the platform's public port, which the parent can close
 * (every open connection cut, as when a platform goes down) and open again on the same port.
 *
 * The platform goes down by its relay rather than by a restart of the emulator: a restarted emulator has
 * new signing keys, which a relying party takes only once its copy of the platform's JWKS is 60 s old
 * (openid-client's rule; see test/keys/rotation.e2e.ts), a key rotation rather than an outage. Real
 * platforms keep their keys and their sign-ins in progress across an outage; the emulator behind its
 * relay does too.
 *
 * Commands: `down` (closes the public port, cuts its connections), `up` (opens it again).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { startFcEmulator, type EmulatorClientConfig } from '../../libs/fc-emulator/src/index.js';
import { childConfig, failStart, serve } from './ipc.js';

/** What the parent gives this process. */
export interface PlatformProcessConfig {
  readonly platform: 'fc' | 'fcp';
  /** The platform's public port, the relay's: its issuer is `http://localhost:<port>/api/v2`. */
  readonly port: number;
  /** Where the emulator serves this platform. */
  readonly innerPort: number;
  /** Where it serves the other platform, which nobody uses. */
  readonly sparePort: number;
  readonly clients: EmulatorClientConfig[];
}

/** A TCP relay from `port` to `targetPort` on `localhost`, which can be closed and opened again. */
function relay(port: number, targetPort: number): { open(): Promise<void>; close(): Promise<void> } {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  const open = () =>
    new Promise<void>((resolve, reject) => {
      const listening = createServer((client) => {
        const upstream = connect({ port: targetPort, host: 'localhost' });
        const cut = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        sockets.add(client).add(upstream);
        client.on('error', cut).on('close', cut);
        upstream.on('error', cut).on('close', cut);
        client.pipe(upstream).pipe(client);
      });
      listening.once('error', reject);
      // The emulator's own host: `localhost`, whichever address it resolves to first.
      listening.listen(port, 'localhost', () => {
        server = listening;
        resolve();
      });
    });
  const close = () =>
    new Promise<void>((resolve) => {
      const closing = server;
      server = undefined;
      if (!closing) return resolve();
      closing.close(() => resolve());
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    });
  return { open, close };
}

async function main(): Promise<void> {
  const config = childConfig<PlatformProcessConfig>();
  const emulator = await startFcEmulator({
    fcPort: config.platform === 'fc' ? config.innerPort : config.sparePort,
    fcpPort: config.platform === 'fcp' ? config.innerPort : config.sparePort,
    [config.platform === 'fc' ? 'fcPublicUrl' : 'fcpPublicUrl']: `http://localhost:${config.port}`,
    clients: config.clients,
    // FranceConnect's common identifier: one `sub` per person on both platforms, which lets a relying
    // party link both identities to one account, and the benchmark count accounts per person.
    sameSubject: true,
    // As FranceConnect+ does: the relying party's JWKS is fetched once, not on every encryption.
    cacheClientJwks: true,
    log: false,
  });
  const access = relay(config.port, config.innerPort);
  await access.open();
  serve(
    {
      down: async () => {
        await access.close();
        return true;
      },
      up: async () => {
        await access.open();
        return true;
      },
    },
    { issuer: emulator[config.platform].issuer },
    async () => {
      await access.close();
      await emulator.stop();
    },
  );
}

main().catch(failStart);

/**
 * Ports for the servers a test starts at a number it must know in advance (the sample app's, whose URL
 * the emulator's registrations name). They are drawn below the OS's ephemeral range (32768-60999 on
 * Linux), so that no server listening on port 0 and no outgoing connection can take one between the
 * moment it is found free and the moment the test listens on it; and never twice in a process.
 */
import { createServer } from 'node:net';

const FIRST = 20_000;
const LAST = 32_000;
const handedOut = new Set<number>();

/** Whether a server can listen on `port` on every interface right now (as Nest's `listen(port)` does). */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

/** `count` ports free right now, below the ephemeral range, none handed out before in this process. */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let tries = 0; ports.length < count; tries++) {
    if (tries > 1000) throw new Error(`no free port between ${FIRST} and ${LAST}`);
    const port = FIRST + Math.floor(Math.random() * (LAST - FIRST));
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    ports.push(port);
  }
  return ports;
}

// A free loopback port for a child process that cannot report the port it bound (secure-api
// and twilio-run take a fixed --port). The port is released before the child binds it; the
// window is small and the kernel does not hand out a just-released ephemeral port at once.
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Asks the kernel for a free TCP port on loopback. */
import net from 'node:net';
import { once } from 'node:events';

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = net.createServer();
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

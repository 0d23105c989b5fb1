/**
 * A TCP port that was free a moment ago on 127.0.0.1, for servers that must know their own address
 * before they listen (an issuer URL, a second origin). Another process can take it in between:
 * tests that can listen on port 0 should.
 */
import { type AddressInfo, createServer } from 'node:net';

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

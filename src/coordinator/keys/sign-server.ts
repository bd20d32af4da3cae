/**
 * Signing for rpmsign without handing it the key: rpm runs
 * `%__gpg_sign_cmd` as a child and pipes the header to its stdin. We point
 * that macro at bin/pkg2os-rpm-sign, which passes the bytes over a Unix socket
 * (in a 0700 directory, with a one-time token) to this server in the pkg2os
 * process, where the unlocked key lives, and writes back the binary detached
 * signature. The key and passphrase never reach rpm, argv, logs or disk.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Signer } from './signer.js';
import { scratchDir } from '../../stop-registry.js';

const MAX_REQUEST = 64 * 1024 * 1024;

export interface SignServer {
  /** Environment for rpmsign (its helper reads these). */
  env: Record<string, string>;
  /** How many signatures it made. */
  count(): number;
  close(): Promise<void>;
}

export async function startSignServer(signer: Signer): Promise<SignServer> {
  const scratch = await scratchDir(tmpdir(), 'pkg2os-sign-');
  const socketPath = join(scratch.path, 'sign.sock');
  const token = randomBytes(32).toString('hex');
  let made = 0;
  // allowHalfOpen: the helper ends its side after the request and still reads the answer.
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    const chunks: Buffer[] = [];
    let size = 0;
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST) socket.destroy();
      else chunks.push(chunk);
    });
    socket.on('end', async () => {
      try {
        const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { token?: string; data?: string };
        const given = Buffer.from(String(request.token ?? ''));
        if (given.length !== token.length || !timingSafeEqual(given, Buffer.from(token))) throw new Error('bad token');
        const signature = await signer.detached(Buffer.from(String(request.data ?? ''), 'base64'), 'binary');
        made++;
        socket.end(JSON.stringify({ signature: Buffer.from(signature).toString('base64') }));
      } catch (error) {
        socket.end(JSON.stringify({ error: (error as Error).message }));
      }
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return {
    env: { PKG2OS_SIGN_SOCKET: socketPath, PKG2OS_SIGN_TOKEN: token },
    count: () => made,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await scratch.remove();
    },
  };
}

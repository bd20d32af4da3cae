/**
 * The program rpmsign runs as `%__gpg_sign_cmd` (see sign-server.ts):
 * reads the header from stdin, asks the pkg2os process to sign it, writes the
 * binary detached signature to the file named by its first argument.
 */
import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function main(): Promise<number> {
  const out = process.argv.slice(2).find((a) => a !== '-' && a !== '--');
  const socketPath = process.env.PKG2OS_SIGN_SOCKET;
  if (!out || !socketPath) {
    process.stderr.write('pkg2os-rpm-sign: run by rpmsign under pkg2os only (no signature file or socket given)\n');
    return 2;
  }
  const data = await readStdin();
  const response = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(socketPath, () => socket.end(JSON.stringify({ token: process.env.PKG2OS_SIGN_TOKEN, data: data.toString('base64') })));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
  });
  const parsed = JSON.parse(response) as { signature?: string; error?: string };
  if (!parsed.signature) {
    process.stderr.write(`pkg2os-rpm-sign: signing failed: ${parsed.error ?? 'no answer'}\n`);
    return 1;
  }
  await writeFile(out, Buffer.from(parsed.signature, 'base64'), { mode: 0o600 });
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`pkg2os-rpm-sign: ${error.message}\n`);
    process.exit(1);
  },
);

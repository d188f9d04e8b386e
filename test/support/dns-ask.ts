// One DNS message over UDP to a loopback server, and its reply: for tests that speak raw DNS to the daemon's door.
import { createSocket } from 'node:dgram';

export function askUdp(port: number, msg: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      reject(new Error(`no reply from 127.0.0.1:${port} in 10 s`));
    }, 10_000);
    s.on('message', (reply) => {
      clearTimeout(timer);
      s.close();
      resolve(reply);
    });
    s.send(msg, port, '127.0.0.1');
  });
}

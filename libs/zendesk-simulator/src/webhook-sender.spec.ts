import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookSender } from './webhook-sender';
import { World } from './world';

describe('WebhookSender', () => {
  it('keeps at most `concurrency` requests in flight and delivers the rest as slots free up', async () => {
    let inFlight = 0;
    let most = 0;
    let received = 0;
    const server = createServer((req, res) => {
      inFlight++;
      most = Math.max(most, inFlight);
      req.resume();
      req.on('end', () =>
        setTimeout(() => {
          inFlight--;
          received++;
          res.writeHead(200).end('{}');
        }, 20),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const world = new World({ tickets: 5, seed: 3 });
    const sender = new WebhookSender(
      world,
      [
        {
          id: 'target',
          endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
          signingSecret: 'c2VjcmV0',
          mode: 'events',
        },
      ],
      { concurrency: 3 },
    );
    try {
      for (let i = 0; i < 10; i++) world.createTicket({ requesterId: world.directory.requesters[0]!.id });
      await sender.flush();
      const deliveries = sender.deliveries.length;
      expect(deliveries).toBeGreaterThanOrEqual(10);
      expect(sender.deliveries.every((d) => d.outcome === 'delivered')).toBe(true);
      expect(received).toBe(deliveries);
      expect(most).toBe(3);
    } finally {
      sender.close();
      server.close();
    }
  });
});

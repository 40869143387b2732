/**
 * Child process of bench/sse-subscribers.ts: opens N event streams to the service (its own process, so
 * parsing them does not compete with the service's event loop) and reports, on stdout as JSON lines, when
 * all are connected and, per `snapshot.create.succeeded` event, when the last subscriber got it.
 *   node --import tsx bench/support/sse-subscribers-child.ts <url> <token> <count>
 */
const [url = '', token = '', countText = '100'] = process.argv.slice(2);
const count = Number(countText);
const seen = new Map<string, number>();

async function subscribe(): Promise<void> {
  const response = await fetch(`${url}/api/v1/events`, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok || response.body === null) throw new Error(`events answered ${String(response.status)}`);
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = response.body.getReader();
  connected += 1;
  if (connected === count) process.stdout.write(`${JSON.stringify({ connected })}\n`);
  for (;;) {
    const { value, done } = (await reader.read()) as { value: Uint8Array | undefined; done: boolean };
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = frame.split('\n').find((line) => line.startsWith('data: '));
      if (data !== undefined) {
        const event = JSON.parse(data.slice(6)) as { id: number; type: string };
        received += 1;
        if (event.type === 'snapshot.create.succeeded') {
          const n = (seen.get(String(event.id)) ?? 0) + 1;
          seen.set(String(event.id), n);
          if (n === count) process.stdout.write(`${JSON.stringify({ allGot: event.id, at: Date.now() })}\n`);
        }
      }
      end = buffer.indexOf('\n\n');
    }
  }
}

let connected = 0;
let received = 0;
process.on('SIGTERM', () => {
  process.stdout.write(`${JSON.stringify({ received })}\n`);
  process.exit(0);
});
for (let i = 0; i < count; i += 1) void subscribe();

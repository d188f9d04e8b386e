// The benches' webhook endpoint as a process of its own (lib.ts startWebhookEndpoint): answers every call at once,
// a record_id per create, as an operator's endpoint would. Asked over IPC for its URL and the creates it answered;
// stops when the bench disconnects.
import { startWebhookReceiver } from '../support/webhook-receiver.js';

let creates = 0;
const receiver = await startWebhookReceiver({
  handler: (body: { action?: string; record_id?: string }) => ({ success: true, record_id: body.action === 'create' ? `r${++creates}` : body.record_id }),
});
// The receiver keeps every call it saw; nothing here needs them.
const forget = setInterval(() => { receiver.calls.length = 0; }, 1000);

process.on('message', (m: { id: number; op: string }) => {
  const result = m.op === 'url' ? { url: receiver.url } : m.op === 'creates' ? creates : undefined;
  process.send!(result === undefined ? { id: m.id, error: `unknown op ${m.op}` } : { id: m.id, result });
});
process.on('disconnect', () => {
  clearInterval(forget);
  void receiver.stop().finally(() => process.exit(0));
});

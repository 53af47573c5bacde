// The photo module in a Web Worker (a module worker): see photo-ops.js.
import { run } from './photo-ops.js';

self.addEventListener('message', async (e) => {
  const { reply, transfer } = await run(e.data);
  self.postMessage(reply, transfer);
});
self.postMessage({ id: 0, result: 'ready' });

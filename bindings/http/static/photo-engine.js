// The page's side of the photo module: `call(op, args, transfer)` answers a
// promise of the operation's result (photo-ops.js). The module runs in a
// module Web Worker; where the browser has none, on the page. Rejects when
// there is no WebAssembly or the module does not load: the page then sends
// photos to the server.

function inWorker(url) {
  return new Promise((resolve, reject) => {
    let worker;
    try {
      worker = new Worker(url, { type: 'module' });
    } catch (e) {
      reject(e);
      return;
    }
    const waiting = new Map();
    let next = 1;
    const call = (op, args, transfer = []) => new Promise((ok, fail) => {
      const id = next++;
      waiting.set(id, { ok, fail });
      worker.postMessage({ id, op, args }, transfer);
    });
    worker.addEventListener('message', (e) => {
      const { id, result, error } = e.data;
      if (id === 0) return resolve({ call, where: 'worker' });
      const w = waiting.get(id);
      if (!w) return;
      waiting.delete(id);
      if (error !== undefined) w.fail(new Error(error));
      else w.ok(result);
    });
    // A browser without module workers fails to run the script: the page does the work itself.
    worker.addEventListener('error', (e) => {
      e.preventDefault();
      const failure = new Error(`photo worker: ${e.message || 'failed'}`);
      for (const w of waiting.values()) w.fail(failure);
      waiting.clear();
      worker.terminate();
      reject(failure);
    });
  });
}

async function onPage() {
  const { run } = await import('./photo-ops.js');
  const call = async (op, args) => {
    const { reply } = await run({ id: 1, op, args });
    if (reply.error !== undefined) throw new Error(reply.error);
    return reply.result;
  };
  return { call, where: 'page' };
}

export async function startEngine(base) {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.instantiate !== 'function') throw new Error('no WebAssembly');
  let engine;
  try {
    engine = await inWorker(new URL('photo-worker.js', base));
  } catch {
    engine = await onPage();
  }
  await engine.call('load', { wasmUrl: String(new URL('khung-photo.wasm', base)) });
  return engine;
}

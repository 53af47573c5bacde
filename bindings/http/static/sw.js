// The member page's service worker (served at /sw.js, so its scope is the
// whole site): after one visit the page works offline, and a member on a
// weak link gets the page from the phone at once.
//
// Two caches:
// - the page (PAGE_CACHE): "/" and every file under /static/ (the photo
//   module too), fetched whole when the worker installs. The server writes
//   the list and a digest of the files into this script, so a new page is a
//   new worker with its own cache, swapped in whole: never a mix of two
//   versions of the page.
// - the campaign's data (DATA_CACHE): the template list, every frame's
//   layers and thumbnail, the campaign file and the manifest. Layers are
//   asked for by versioned URLs (?v= the template's version from the list),
//   so a URL always names the same bytes. A new list is kept only once every
//   layer it names is kept, and what it no longer names is then dropped: an
//   offline page always has a list whose frames it can draw, never new
//   layers under an old list. Online, the list comes from the server first,
//   so changed templates reach the page on the next visit.
// Photos are never fetched here; POSTs (the server fallback, participation
// events) pass by. So does the participation count (/v1/count): a kept
// count would be stale, and offline the page simply shows none.
// The organisers' page (/admin, its files under /static/admin.*) is not the
// member page: embed_static.cmake leaves it out of the files kept here.
const PAGE_FILES = [/* @PAGE_FILES@ */];
const PAGE_CACHE = 'khung-page-@PAGE_VERSION@';
const DATA_CACHE = 'khung-data';
const LIST = '/v1/templates';
const FRESH = ['/v1/campaign', '/manifest.webmanifest'];  // network first, kept
const LAYER = /^\/v1\/templates\/[a-z0-9_-]+\/(under|over|preview)\.png$/;
const WAIT_FOR_NETWORK_MS = 4000;  // then a kept copy answers (a weak link that hangs)

// A frame's kept URLs, as the page asks for them.
function frameUrls(t) {
  const base = `/v1/templates/${encodeURIComponent(t.id)}`, v = `v=${encodeURIComponent(t.version)}`;
  return [`${base}/under.png?${v}`, `${base}/over.png?${v}`, `${base}/preview.png?width=240&${v}`];
}

const fresh = (url) => fetch(new Request(url, { cache: 'no-cache' }));

// Keeps `list` (a response of /v1/templates) with every frame's layers,
// then drops the layers of templates it no longer names. With Save-Data
// on, only the frames the member opens are kept (by the fetch handler).
async function keepList(list) {
  const cache = await caches.open(DATA_CACHE);
  const templates = await list.clone().json();
  const wanted = new Set();
  for (const t of templates) if (t.kind === 'frame' && t.window && t.version) for (const u of frameUrls(t)) wanted.add(u);
  const saveData = Boolean(self.navigator.connection && self.navigator.connection.saveData);
  if (!saveData) {
    for (const url of wanted) {
      if (await cache.match(url)) continue;
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
      await cache.put(url, response);
    }
  }
  await cache.put(LIST, list);
  for (const request of await cache.keys()) {
    const url = new URL(request.url);
    if (LAYER.test(url.pathname) && !wanted.has(url.pathname + url.search)) await cache.delete(request);
  }
}

// One keeping at a time, the newest list last.
let keeping = Promise.resolve();
function keep(list) {
  keeping = keeping.then(() => keepList(list)).catch(() => { /* kept on the next visit */ });
  return keeping;
}

// The template list, the campaign and the manifest, fetched anew.
async function keepData() {
  const cache = await caches.open(DATA_CACHE);
  for (const url of FRESH) {
    try {
      const response = await fresh(url);
      if (response.ok) await cache.put(url, response);
    } catch { /* offline */ }
  }
  try {
    const list = await fresh(LIST);
    if (list.ok) await keep(list);
  } catch { /* offline */ }
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(PAGE_CACHE);
    await cache.addAll(PAGE_FILES.map((url) => new Request(url, { cache: 'no-cache' })));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('khung-') && name !== PAGE_CACHE && name !== DATA_CACHE) await caches.delete(name);
    }
    await self.clients.claim();
    await keepData();
  })());
});

// The network's answer, or the kept one when there is one and the network
// fails, answers 5xx, or is slower than WAIT_FOR_NETWORK_MS. A good network
// answer is handed to `store` (in the background).
async function networkFirst(event, request, kept, store) {
  let storing = null;
  const stored = fetch(request).then((response) => {
    if (response.ok) storing = store(response.clone());
    return response;
  });
  // Registered now, while the event may still be extended: the worker
  // stays up until the answer is kept, even one that came in too late.
  event.waitUntil(stored.then(() => storing, () => {}));
  const copy = await kept;
  if (!copy) return stored;
  let timer;
  const late = new Promise((resolve) => { timer = setTimeout(() => resolve(copy), WAIT_FOR_NETWORK_MS); });
  try {
    // A server in trouble (a 502 from the proxy in front) is no better than none.
    return await Promise.race([stored.then((r) => (r.status >= 500 ? copy : r), () => copy), late]);
  } finally {
    clearTimeout(timer);
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  const path = url.pathname;
  if (path === '/' || path.startsWith('/static/')) {
    // The page, whatever its query (?frame=...), and its files: this worker's copy.
    event.respondWith(caches.open(PAGE_CACHE).then((c) => c.match(path)).then((hit) => hit || fetch(request)));
  } else if (path === LIST && !url.search) {
    event.respondWith(networkFirst(event, request, caches.match(LIST, { cacheName: DATA_CACHE }), (r) => keep(r)));
  } else if (FRESH.includes(path) && !url.search) {
    event.respondWith(networkFirst(event, request, caches.match(path, { cacheName: DATA_CACHE }),
                                   (r) => caches.open(DATA_CACHE).then((c) => c.put(path, r))));
  } else if (LAYER.test(path) && url.searchParams.has('v')) {
    // A versioned layer never changes: the kept copy, else the network's, kept.
    event.respondWith((async () => {
      const cache = await caches.open(DATA_CACHE);
      const hit = await cache.match(path + url.search);
      if (hit) return hit;
      const response = await fetch(request);
      if (response.ok) event.waitUntil(cache.put(path + url.search, response.clone()));
      return response;
    })());
  }
});

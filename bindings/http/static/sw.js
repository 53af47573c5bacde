// The member page's service worker (served at /sw.js, so its scope is the
// whole site): after one visit the page works offline. Same-origin GETs of
// the page, its static files (the photo module too), the template list and
// the frames' layers and thumbnails go to the network first, so an online
// member always gets the current page and frames, and each answer is kept;
// with no network, the kept copy answers. Nothing else is touched: photos
// are never fetched, POSTs (the server fallback, events) pass by.
const CACHE = 'khung-page-1';  // a new name drops the old copies on activation
const KEPT = /^\/(static\/[^/]+|v1\/templates(\/[a-z0-9_-]+\/(under|over|preview)\.png)?|v1\/campaign)?$/;

self.addEventListener('install', () => self.skipWaiting());  // no precaching: there is nothing to wait for

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

// The page names what it loaded before this worker controlled it (the
// first visit) and what its photo worker fetched: kept too, from the
// browser's HTTP cache where it is fresh there.
self.addEventListener('message', (event) => {
  const urls = (event.data && event.data.keep) || [];
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    for (const u of urls) {
      const url = new URL(u, self.location.origin);
      if (url.origin !== self.location.origin || !KEPT.test(url.pathname) || (await cache.match(url.href))) continue;
      try {
        const response = await fetch(url.href);
        if (response.ok) await cache.put(url.href, response);
      } catch { /* kept next time */ }
    }
  })());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || !KEPT.test(url.pathname)) return;
  event.respondWith((async () => {
    try {
      const response = await fetch(request);
      if (response.ok) {
        const copy = response.clone();
        event.waitUntil(caches.open(CACHE).then((cache) => cache.put(request, copy)));
      }
      return response;
    } catch (offline) {
      // The page itself whatever its query (?frame=...); everything else exactly.
      const kept = await caches.match(request, { ignoreSearch: request.mode === 'navigate' });
      if (kept) return kept;
      throw offline;
    }
  })());
});

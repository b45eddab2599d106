// Offline support: the app shell, onnxruntime-web and the model are cached so device mode works without a network
// after the first visit. Server mode (POST /v1/predict and /v1/read) always goes to the network.
//
//   app shell  stale-while-revalidate: answered from the cache at once, refreshed in the background
//   /lib/ort/  cache-first: the files of one onnxruntime-web version never change (bump VERSION with it)
//   the model  network-first with If-None-Match: a 304 answers from the cache; offline, the cached copy

const VERSION = 'v1';
const SHELL_CACHE = `mnist-shell-${VERSION}`;
const ORT_CACHE = `mnist-ort-${VERSION}`;
const MODEL_CACHE = 'mnist-model';
const MODEL_PATH = '/v1/models/current.onnx';

const scope = new URL(self.registration.scope);
const at = (path) => new URL(path, scope).href;

const SHELL = [
  './', 'index.html', 'manifest.webmanifest', 'css/app.css',
  'js/app.js', 'js/pad.js', 'js/preprocessing.js', 'js/number.js', 'js/device.js', 'js/remote.js',
  'icons/icon.svg', 'icons/icon-maskable.svg', 'icons/icon-192.png', 'icons/icon-512.png',
].map(at);
const APP_PAGES = new Set([at('./'), at('index.html')]);
const ORT = ['lib/ort/ort.wasm.bundle.min.mjs', 'lib/ort/ort-wasm-simd-threaded.wasm'].map(at);
const MODEL = at(MODEL_PATH.slice(1));

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    // 'force-cache': the page has just downloaded these files (the worker is registered after the model loaded),
    // so the precache takes them from the HTTP cache instead of downloading 14 MB of WASM a second time.
    const fromHttpCache = (urls) => urls.map((url) => new Request(url, { cache: 'force-cache' }));
    await (await caches.open(SHELL_CACHE)).addAll(fromHttpCache(SHELL));
    await (await caches.open(ORT_CACHE)).addAll(fromHttpCache(ORT));
    // The model may be missing on a server started without one: the worker still installs, and the model is
    // cached on its first successful download.
    try {
      const response = await fetch(MODEL, { cache: 'force-cache' });
      if (response.ok && response.headers.get('ETag')) await (await caches.open(MODEL_CACHE)).put(MODEL, response);
    } catch { /* offline or no model yet */ }
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const keep = new Set([SHELL_CACHE, ORT_CACHE, MODEL_CACHE]);
    for (const name of await caches.keys()) if (!keep.has(name)) await caches.delete(name);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return; // predictions and uploads go to the network as they are
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.href === MODEL || url.pathname === MODEL_PATH) { event.respondWith(modelResponse()); return; }
  if (ORT.includes(url.href)) { event.respondWith(cacheFirst(ORT_CACHE, request)); return; }
  if (request.mode === 'navigate') {
    // Only the app's own page is the app shell. Other pages of this server (/mnist, /scalar, /metrics, a link from
    // elsewhere) are not the app: answering them with the shell hid them behind it. They go to the network as usual.
    if (APP_PAGES.has(url.origin + url.pathname)) event.respondWith(staleWhileRevalidate(request));
    return;
  }
  if (SHELL.includes(url.href)) event.respondWith(staleWhileRevalidate(request));
});

async function cacheFirst(cacheName, request) {
  const cached = await caches.match(request, { cacheName });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) (await caches.open(cacheName)).put(request, response.clone());
  return response;
}

async function staleWhileRevalidate(request) {
  const cache = await caches.open(SHELL_CACHE);
  // Navigations to / and /index.html share one entry.
  const key = request.mode === 'navigate' ? at('./') : request;
  const cached = await cache.match(key, { ignoreSearch: request.mode === 'navigate' });
  const refresh = fetch(request).then((response) => {
    if (response.ok && response.type === 'basic') cache.put(key, response.clone());
    return response;
  });
  if (cached) {
    refresh.catch(() => {});
    return cached;
  }
  return refresh;
}

/** Downloads the model unless the cached copy's ETag is still current; returns the response to use. */
async function refreshModel() {
  const cache = await caches.open(MODEL_CACHE);
  const cached = await cache.match(MODEL);
  const headers = {};
  const etag = cached?.headers.get('ETag');
  if (etag) headers['If-None-Match'] = etag;
  const response = await fetch(MODEL, { headers, cache: 'no-store' });
  if (response.status === 304 && cached) return cached;
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  await cache.put(MODEL, response.clone());
  return response;
}

async function modelResponse() {
  try {
    return await refreshModel();
  } catch (e) {
    const cached = await caches.match(MODEL, { cacheName: MODEL_CACHE });
    if (cached) return cached;
    return new Response(`The model is not available offline yet (${e.message}).`, { status: 503, headers: { 'Content-Type': 'text/plain' } });
  }
}

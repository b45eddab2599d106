// Offline support: the app shell and the model are cached so device mode works without a network after the first
// visit. Server mode (POST /v1/predict and /v1/read) always goes to the network.
//
//   app shell  stale-while-revalidate: answered from the cache at once, refreshed in the background (the server
//              answers an unchanged file with 304: its ETag is the file's hash)
//   the model  network-first with If-None-Match: a 304 answers from the cache; offline, the cached copy
//
// Nothing is downloaded twice on the first visit: the worker is registered after the page has loaded the model, and
// its precache asks with cache: 'force-cache', so the files the page already has come from the HTTP cache. Only the
// PWA icons the page itself never shows are downloaded here.

// The server names the page's code by fingerprinted URL in this list (js/app.{hash}.js; src/Mnist.Server/Hosting/
// AppShell.cs), so a new release changes this file, the browser installs the new worker, and it caches the new files
// and drops the ones no release uses any more. Served without that rewrite (no static web assets manifest), the plain
// names are revalidated by ETag instead.
const SHELL_CACHE = 'mnist-shell-v5';
const MODEL_CACHE = 'mnist-model';
// The int8 companion the server predicts with, else the float model (js/device.js uses the first that exists).
const MODEL_PATHS = ['/v1/models/current.int8.onnx', '/v1/models/current.onnx'];

const scope = new URL(self.registration.scope);
const at = (path) => new URL(path, scope).href;

// The page under one key, './' (navigations to index.html are answered from it too).
const SHELL = [
  './', 'manifest.webmanifest', 'css/app.css',
  'js/app.js', 'js/pad.js', 'js/preprocessing.js', 'js/number.js', 'js/device.js', 'js/remote.js',
  'js/runtime.js', 'js/onnx-reader.js', 'js/gemm-wasm.js',
  'icons/icon.svg', 'icons/icon-maskable.svg', 'icons/icon-192.png', 'icons/icon-512.png',
].map(at);
const APP_PAGES = new Set([at('./'), at('index.html')]);
const MODELS = MODEL_PATHS.map((path) => at(path.slice(1)));

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const fromHttpCache = (urls) => urls.map((url) => new Request(url, { cache: 'force-cache' }));
    await (await caches.open(SHELL_CACHE)).addAll(fromHttpCache(SHELL));
    // The model may be missing on a server started without one: the worker still installs, and the model is
    // cached on its first successful download.
    for (const model of MODELS) {
      try {
        const response = await fetch(model, { cache: 'force-cache' });
        if (response.ok && response.headers.get('ETag')) { await (await caches.open(MODEL_CACHE)).put(model, response); break; }
        if (response.status !== 404) break;
      } catch { break; /* offline or no model yet */ }
    }
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const keep = new Set([SHELL_CACHE, MODEL_CACHE]);
    for (const name of await caches.keys()) if (!keep.has(name)) await caches.delete(name);
    // Control the open pages first: the page says "works offline" once the worker is ready, and the pruning below
    // must not hold that up.
    await self.clients.claim();
    const shell = await caches.open(SHELL_CACHE);
    for (const request of await shell.keys()) if (!SHELL.includes(request.url)) await shell.delete(request);
  })());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return; // predictions and uploads go to the network as they are
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const model = MODELS.indexOf(url.origin + url.pathname);
  if (model >= 0) { event.respondWith(modelResponse(MODELS[model])); return; }
  if (request.mode === 'navigate') {
    // Only the app's own page is the app shell. Other pages of this server (/mnist, /scalar, /metrics, a link from
    // elsewhere) are not the app: answering them with the shell hid them behind it. They go to the network as usual.
    if (APP_PAGES.has(url.origin + url.pathname)) event.respondWith(staleWhileRevalidate(request));
    return;
  }
  if (SHELL.includes(url.href)) event.respondWith(staleWhileRevalidate(request));
});

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
async function refreshModel(model) {
  const cache = await caches.open(MODEL_CACHE);
  const cached = await cache.match(model);
  const headers = {};
  const etag = cached?.headers.get('ETag');
  if (etag) headers['If-None-Match'] = etag;
  const response = await fetch(model, { headers, cache: 'no-store' });
  if (response.status === 304 && cached) return cached;
  if (response.status === 404) { await cache.delete(model); return response; } // the server no longer offers it
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  await cache.put(model, response.clone());
  return response;
}

async function modelResponse(model) {
  try {
    return await refreshModel(model);
  } catch (e) {
    const cached = await caches.match(model, { cacheName: MODEL_CACHE });
    if (cached) return cached;
    return new Response(`The model is not available offline yet (${e.message}).`, { status: 503, headers: { 'Content-Type': 'text/plain' } });
  }
}

// Opens a Trace Event file in speedscope, in headless Chromium, and writes
// what speedscope made of it: its own export of the imported profiles.
//
// Usage: NODE_PATH=DIR/node_modules node trace_export_speedscope.cjs TRACE OUT
// where DIR has speedscope and playwright-core installed.
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const { chromium } = require('playwright-core');

const [trace, out] = process.argv.slice(2);
const app = path.join(path.dirname(require.resolve('speedscope/package.json')), 'dist', 'release');
const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm' };

// speedscope, and the trace at /trace.json, on a loopback port.
const server = http.createServer((req, res) => {
  const name = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  const file = name === '/trace.json' ? trace : path.join(app, path.normalize(name));
  if (!file.startsWith(app) && file !== trace) {
    res.writeHead(403).end();
    return;
  }
  fs.readFile(file, (err, body) => {
    if (err) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' }).end(body);
  });
});

async function main() {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ acceptDownloads: true });
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/index.html#profileURL=${encodeURIComponent(base + '/trace.json')}`);
    // The toolbar names the profile shown, "... (1/N)", once the import is done.
    await page.waitForFunction(() => /\(1\/\d+\)/.test(document.body.innerText), null, { timeout: 30000 });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByText('Export').click()]);
    fs.copyFileSync(await download.path(), out);
    if (errors.length) throw new Error(`speedscope: ${errors.join('; ')}`);
  } finally {
    await browser.close();
    server.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

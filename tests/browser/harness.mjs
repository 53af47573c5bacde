// What the browser tests share: the khung binary they test, a check counter,
// starting `khung serve` or `khung studio` and stopping it, and a PNG decoder.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const khung = path.resolve(process.argv[2] || path.join(root, 'build/ci/khung'));

// The checks passed so far (a live binding for the importers).
export let passed = 0;

// One check: throws with `what` (and `detail`) unless `cond`, else prints it.
export function ok(cond, what, detail = '') {
  if (!cond) throw new Error(`${what}${detail ? `: ${detail}` : ''}`);
  passed += 1;
  console.log(`ok ${passed} - ${what}${detail ? ` (${detail})` : ''}`);
}

// Starts `khung <args>` and waits up to 20 s for the address in the line it
// prints (`address` captures it): answers {server, url (a promise of the
// address, without a trailing slash), stderr()}.
function startKhung(command, args, address) {
  const server = spawn(khung, [command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  server.stderr.on('data', (d) => { err += d; });
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`khung ${command} printed no address in 20 s; stderr: ${err}`)), 20000);
    server.stdout.on('data', (d) => {
      out += d;
      const m = address.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1].replace(/\/$/, ''));
      }
    });
    server.on('error', (e) => reject(new Error(`cannot start ${khung}: ${e.message}`)));
    server.on('exit', (code) => reject(new Error(`khung ${command} exited (${code}) before serving; stderr: ${err}`)));
  });
  return { server, url, stderr: () => err };
}

// `khung serve` on a free loopback port, with `more` options.
export function startServer(more = []) {
  return startKhung('serve', ['--host', '127.0.0.1', '--port', '0', '--threads', '2', '--quiet', ...more],
    /serving on (http:\/\/\S+)/);
}

// `khung studio` of the folder `dir` on a free port.
export function startStudio(dir) {
  return startKhung('studio', [dir, '--port', '0'], /studio on (http:\/\/\S+)/);
}

// Runs the test `main` and prints "<name>: N passed, 0 failed" (or what
// failed, "..., 1 failed" and exit code 1).
export function runTest(name, main) {
  main().then(
    () => {
      console.log(`${name}: ${passed} passed, 0 failed`);
    },
    (e) => {
      console.error(`${name} test: FAILED after ${passed} checks: ${e.message}`);
      console.log(`${name}: ${passed} passed, 1 failed`);
      process.exitCode = 1;
    },
  );
}

// SIGTERM, then SIGKILL after 5 s; resolves once the process has exited.
export async function stopServer(server) {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const gone = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  const timer = setTimeout(() => server.kill('SIGKILL'), 5000);
  await gone;
  clearTimeout(timer);
}

// The pixels of a PNG (8 bits a sample, not interlaced) as RGBA bytes.
export function decodePng(buf) {
  if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let width = 0, height = 0, depth = 0, type = 0, palette = null, trns = null;
  const idat = [];
  for (let i = 8; i < buf.length;) {
    const len = buf.readUInt32BE(i), kind = buf.toString('latin1', i + 4, i + 8), data = buf.subarray(i + 8, i + 8 + len);
    if (kind === 'IHDR') {
      [width, height, depth, type] = [data.readUInt32BE(0), data.readUInt32BE(4), data[8], data[9]];
      if (depth !== 8 || data[12] !== 0) throw new Error(`PNG: depth ${depth}, interlace ${data[12]} not handled`);
    } else if (kind === 'PLTE') palette = data;
    else if (kind === 'tRNS') trns = data;
    else if (kind === 'IDAT') idat.push(data);
    i += 12 + len;
  }
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[type];
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels, out = Buffer.alloc(width * height * 4);
  let prev = Buffer.alloc(stride);
  for (let y = 0; y < height; ++y) {
    const filter = raw[y * (stride + 1)], line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let x = 0; x < stride; ++x) {
      const a = x >= channels ? line[x - channels] : 0, b = prev[x], c = x >= channels ? prev[x - channels] : 0;
      const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const add = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][filter];
      line[x] = (line[x] + add) & 0xff;
    }
    for (let x = 0; x < width; ++x) {
      const s = line.subarray(x * channels, (x + 1) * channels), o = 4 * (y * width + x);
      if (type === 6) s.copy(out, o);
      else if (type === 2) { s.copy(out, o); out[o + 3] = 255; }
      else if (type === 0) out.fill(s[0], o, o + 3), out[o + 3] = 255;
      else if (type === 4) out.fill(s[0], o, o + 3), out[o + 3] = s[1];
      else { palette.copy(out, o, 3 * s[0], 3 * s[0] + 3); out[o + 3] = trns && s[0] < trns.length ? trns[s[0]] : 255; }
    }
    prev = line;
  }
  return { width, height, data: out };
}

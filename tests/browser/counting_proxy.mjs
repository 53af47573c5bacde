// A pass-through HTTP proxy in front of `khung serve` that counts what the
// browser sends and receives: every request's method, path and body bytes,
// and every answer's body bytes. The page test asserts with it that the
// phone path uploads nothing; bench/page reads the page weight and the
// upload from it.
import http from 'node:http';

// Starts the proxy on a free loopback port: answers {url, log, retarget(),
// close()}; log is the list of {method, path, sent, received, status};
// retarget(url) sends later requests to another server (the browser sees
// the same origin).
export async function startCountingProxy(target) {
  let to = new URL(target);
  const log = [];
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const entry = { method: req.method, path: req.url, sent: 0, received: 0, status: 0 };
    log.push(entry);
    req.on('data', (d) => { entry.sent += d.length; });
    const up = http.request({ host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers, agent },
      (answer) => {
        entry.status = answer.statusCode;
        res.writeHead(answer.statusCode, answer.headers);
        answer.on('data', (d) => { entry.received += d.length; });
        answer.pipe(res);
      });
    up.on('error', () => { if (!res.headersSent) res.writeHead(502); res.end(); });
    req.on('aborted', () => up.destroy());
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    retarget: (url) => { to = new URL(url); },
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      agent.destroy();
      server.close(resolve);
    }),
  };
}

// The peer for bench/TerminalLatency: a terminal server with the architecture of VS Code's and code-server's terminals,
// node-pty for the PTY and ws for the transport, one WebSocket per PTY, raw bytes both ways.
//
//   node server.js [--port 0] [--cwd DIR] [--shell PATH] [--high-watermark BYTES] [--throttle-ms MS]
//
// Prints `listening <port>` once it accepts connections. Protocol of ws://127.0.0.1:<port>/terminal?cols=C&rows=R:
//   server → client  binary: PTY output, as read
//   client → server  binary: input, written to the PTY as is
//                    text:   {"type":"ack","offset":N}  (the client rendered the first N bytes)
//                            {"type":"resize","cols":C,"rows":R}
// Flow control as in VS Code's pty host: the PTY is paused while the client is more than the high watermark behind
// (VS Code counts characters with 100,000 / 5,000 watermarks; here bytes, with the same window as the agent's default
// so that both sides of the benchmark run with the same amount of output in flight).
// --throttle-ms > 0 batches output like VS Code's TerminalDataBufferer (5 ms there); the default 0 sends each read at
// once, which makes the peer faster than VS Code itself.
'use strict';

const http = require('node:http');
const os = require('node:os');
const pty = require('node-pty');
const { WebSocketServer } = require('ws');

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 && index + 1 < process.argv.length ? process.argv[index + 1] : fallback;
}

const port = Number(option('port', '0'));
const cwd = option('cwd', os.homedir());
const shell = option('shell', process.env.SHELL || '/bin/bash');
const highWatermark = Number(option('high-watermark', String(512 * 1024)));
const throttleMs = Number(option('throttle-ms', '0'));

const server = http.createServer((req, res) => {
  res.writeHead(404).end();
});
const wss = new WebSocketServer({ server, path: '/terminal', perMessageDeflate: false });

wss.on('connection', (socket, req) => {
  const url = new URL(req.url, 'http://localhost');
  const cols = Number(url.searchParams.get('cols') || 80);
  const rows = Number(url.searchParams.get('rows') || 24);
  const term = pty.spawn(shell, ['-l'], {
    name: 'xterm-256color',
    cols,
    rows,
    cwd,
    env: { ...process.env, TERM: 'xterm-256color', COLORTERM: 'truecolor' },
    encoding: null, // Buffers: raw bytes, no UTF-8 decoding on the way out
  });

  let sent = 0;
  let acked = 0;
  let paused = false;
  let pending = [];
  let flushTimer = null;

  const send = (data) => {
    sent += data.length;
    socket.send(data, { binary: true });
    if (!paused && sent - acked > highWatermark) {
      paused = true;
      term.pause();
    }
  };

  const flush = () => {
    flushTimer = null;
    const data = pending.length === 1 ? pending[0] : Buffer.concat(pending);
    pending = [];
    send(data);
  };

  term.onData((data) => {
    if (throttleMs <= 0) {
      send(data);
      return;
    }
    pending.push(data);
    flushTimer ??= setTimeout(flush, throttleMs);
  });

  term.onExit(() => socket.close(1000, 'exited'));

  socket.on('message', (data, isBinary) => {
    if (isBinary) {
      term.write(data);
      return;
    }
    const message = JSON.parse(data.toString('utf8'));
    if (message.type === 'ack') {
      acked = Math.max(acked, Math.min(Number(message.offset), sent));
      if (paused && sent - acked <= highWatermark) {
        paused = false;
        term.resume();
      }
    } else if (message.type === 'resize') {
      term.resize(message.cols, message.rows);
    }
  });

  socket.on('close', () => {
    clearTimeout(flushTimer);
    try {
      term.kill('SIGHUP');
    } catch {
      // Already gone.
    }
  });
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});

const stop = () => {
  for (const client of wss.clients) {
    client.terminate();
  }
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

// The terminal benchmark's client under Node, driven by bench/TerminalLatency (`--client node`). Our path is driven with
// the client the browser runs: @microsoft/signalr with the MessagePack protocol, one connection per workspace, `send`
// for input and acknowledgements, `stream('Attach')` for output, and the terminal panel's bookkeeping (offsets,
// acknowledge every 64 KiB rendered or 25 ms after the last unacknowledged output). The node-pty peer is driven with ws.
//
// Protocol: one JSON command per line on stdin, one JSON reply per line on stdout ({"error": "..."} on failure).
//   {"op":"ours","side":S,"url":HUB_URL,"token":T,"cols":C,"rows":R}   connect, create a terminal, attach
//   {"op":"peer","side":S,"url":WS_URL,"cols":C,"rows":R}               one WebSocket, one PTY
//   {"op":"quiet","side":S,"quietMs":Q,"timeoutMs":T}                   wait until no output for Q ms
//   {"op":"type","side":S,"count":N,"perLine":L}                        type N keys, one at a time, waiting for each echo
//        → {"echoes":[ms, ...]}  (Ctrl-U starts a fresh line every L keys and after the last, outside the timings)
//   {"op":"stream","side":S,"command":CMD,"marker":M}                   run CMD, time the bytes until M arrives
//        → {"bytes":B,"pieces":P,"ms":E}
//   {"op":"close"}
'use strict';

const readline = require('node:readline');
const signalR = require('@microsoft/signalr');
const { MessagePackHubProtocol } = require('@microsoft/signalr-protocol-msgpack');
const WebSocket = require('ws');

const ACK_BYTES = 64 * 1024;
const ACK_DELAY_MS = 25;
const KILL_LINE = Buffer.from([0x15]);
const ECHO_TIMEOUT_MS = 10_000;
const FRAME_KINDS = ['Output', 'Gap', 'Exited'];
const field = (o, name) => o[name] ?? o[name[0].toLowerCase() + name.slice(1)];
const now = () => process.hrtime.bigint();
const ms = (from, to) => Number(to - from) / 1e6;

/** One terminal as the browser's panel keeps it; only the transport differs between ours and the peer. */
class Terminal {
  constructor(transport) {
    this.transport = transport;
    this.offset = 0;
    this.acked = 0;
    this.pieces = 0;
    this.ackTimer = null;
    this.lastOutputAt = now();
    this.expectation = null;
    this.tail = Buffer.alloc(0);
    this.ended = null;
  }

  output(offset, data) {
    const end = offset + data.length;
    if (end <= this.offset) return; // already seen: never twice
    if (offset < this.offset) data = data.subarray(this.offset - offset);
    const at = now();
    this.offset = end;
    this.pieces++;
    this.lastOutputAt = at;
    const expectation = this.expectation;
    if (expectation) {
      // Across two pieces as well: search the previous piece's tail joined to this one.
      const joined = this.tail.length ? Buffer.concat([this.tail, data]) : data;
      const index = joined.indexOf(expectation.marker);
      if (index >= 0) {
        this.expectation = null;
        this.tail = Buffer.alloc(0);
        expectation.resolve({ at, end: this.offset - joined.length + index + expectation.marker.length });
      } else {
        this.tail = Buffer.from(joined.subarray(Math.max(0, joined.length - expectation.marker.length + 1)));
      }
    }
    // "Rendered" at once: the browser would hand the bytes to xterm.js here.
    if (this.offset - this.acked >= ACK_BYTES) this.ack();
    else if (!this.ackTimer) this.ackTimer = setTimeout(() => this.ack(), ACK_DELAY_MS);
  }

  ack() {
    clearTimeout(this.ackTimer);
    this.ackTimer = null;
    if (this.offset > this.acked) {
      this.acked = this.offset;
      this.transport.ack(this.acked);
    }
  }

  expect(marker) {
    if (this.expectation) throw new Error('One expectation at a time.');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.expectation = null; reject(new Error(`No "${marker}" within ${ECHO_TIMEOUT_MS * 30} ms.`)); }, ECHO_TIMEOUT_MS * 30);
      this.tail = Buffer.alloc(0);
      this.expectation = { marker: Buffer.from(marker), resolve: (v) => { clearTimeout(timer); resolve(v); } };
    });
  }

  async quiet(quietMs, timeoutMs) {
    const started = now();
    while (ms(this.lastOutputAt, now()) < quietMs) {
      if (this.ended) throw this.ended;
      if (ms(started, now()) > timeoutMs) throw new Error(`Output did not stop for ${quietMs} ms within ${timeoutMs} ms.`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async type(count, perLine) {
    const echoes = [];
    for (let i = 0; i < count; i++) {
      if (i % perLine === 0) {
        await this.transport.input(KILL_LINE);
        await this.quiet(150, 10_000);
      }
      const key = String.fromCharCode(97 + (i % 26));
      const echoed = this.expect(key);
      const sent = now();
      this.transport.input(Buffer.from(key)).catch((e) => { this.ended = e; });
      const { at } = await withTimeout(echoed, ECHO_TIMEOUT_MS, `no echo of "${key}"`);
      echoes.push(ms(sent, at));
    }
    await this.transport.input(KILL_LINE);
    await this.quiet(150, 10_000);
    return { echoes };
  }

  async stream(command, marker) {
    await this.quiet(150, 10_000);
    const done = this.expect(marker);
    const startOffset = this.offset;
    const startPieces = this.pieces;
    const started = now();
    this.transport.input(Buffer.from(command)).catch((e) => { this.ended = e; });
    const { at, end } = await done;
    return { bytes: end - startOffset, pieces: this.pieces - startPieces, ms: ms(started, at) };
  }
}

function withTimeout(promise, timeoutMs, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} within ${timeoutMs} ms`)), timeoutMs); })])
    .finally(() => clearTimeout(timer));
}

// The SignalR client keeps its default logging (Information, as a page that sets none gets). Node's console.info is
// standard output, which carries this harness's own results, so the library's lines go to standard error.
console.info = console.error;

async function connectOurs({ url, token, cols, rows }) {
  // As the browser builds it (src/Web/ClientApp/src/hub.js, which terminals.js uses), with a bearer token instead of the
  // cookie and the client library's default logging (it logs the connection's start and end, nothing per message); the
  // 60 s server timeout is the product's own browser setting.
  const connection = new signalR.HubConnectionBuilder()
    .withUrl(url, { skipNegotiation: true, transport: signalR.HttpTransportType.WebSockets, headers: { Authorization: `Bearer ${token}` } })
    .withHubProtocol(new MessagePackHubProtocol())
    .build();
  connection.serverTimeoutInMilliseconds = 60000;
  connection.on('TerminalsChanged', () => { /* the panel's tab list; nothing to show here */ });
  await connection.start();
  const info = await connection.invoke('CreateTerminal', { Name: null, Columns: cols, Rows: rows });
  const id = field(info, 'Id');
  const terminal = new Terminal({
    input: (bytes) => connection.send('Input', id, bytes),
    ack: (offset) => connection.send('Acknowledge', id, offset).catch((e) => { terminal.ended = e; }),
    close: () => connection.stop(),
  });
  connection.stream('Attach', id, 0).subscribe({
    next: (frame) => {
      const kind = field(frame, 'Kind');
      if ((typeof kind === 'number' ? FRAME_KINDS[kind] : kind) === 'Output') {
        terminal.output(Number(field(frame, 'Offset')), Buffer.from(field(frame, 'Data')));
      }
    },
    error: (e) => { terminal.ended = e; },
    complete: () => { terminal.ended = new Error('The terminal\'s output ended.'); },
  });
  return terminal;
}

async function connectPeer({ url, cols, rows }) {
  const socket = new WebSocket(`${url}/terminal?cols=${cols}&rows=${rows}`, { perMessageDeflate: false });
  await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); });
  const send = (data, binary) => new Promise((resolve, reject) => socket.send(data, { binary }, (e) => (e ? reject(e) : resolve())));
  const terminal = new Terminal({
    input: (bytes) => send(bytes, true),
    ack: (offset) => send(JSON.stringify({ type: 'ack', offset }), false).catch((e) => { terminal.ended = e; }),
    close: () => socket.close(),
  });
  let offset = 0;
  socket.on('message', (data, binary) => {
    if (binary) {
      terminal.output(offset, data);
      offset += data.length;
    }
  });
  socket.on('close', () => { terminal.ended = new Error('The peer closed the WebSocket.'); });
  return terminal;
}

async function main() {
  const sides = new Map();
  const side = (name) => sides.get(name) ?? (() => { throw new Error(`No side ${name}.`); })();
  const reply = (value) => process.stdout.write(JSON.stringify(value) + '\n');
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const command = JSON.parse(line);
    try {
      switch (command.op) {
        case 'ours': sides.set(command.side, await connectOurs(command)); reply({ ok: true }); break;
        case 'peer': sides.set(command.side, await connectPeer(command)); reply({ ok: true }); break;
        case 'quiet': await side(command.side).quiet(command.quietMs, command.timeoutMs); reply({ ok: true }); break;
        case 'type': reply(await side(command.side).type(command.count, command.perLine)); break;
        case 'stream': reply(await side(command.side).stream(command.command, command.marker)); break;
        case 'close':
          for (const terminal of sides.values()) await terminal.transport.close();
          reply({ ok: true });
          return;
        default: throw new Error(`Unknown op ${command.op}.`);
      }
    } catch (e) {
      reply({ error: String(e?.stack ?? e) });
    }
  }
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });

// LSP completion round trips, in one run: (1) as the browser sends them, SignalR + MessagePack over a WebSocket to the
// web app, forwarded to the agent, to the workspace's typescript-language-server; (2) the same requests to a
// typescript-language-server this script starts itself over stdio. Then the agent's and the servers' memory, idle and
// after the idle stop. Prints one JSON object.
// node bench.mjs --url <web>/workspaces/<id>/agent/hubs/languages --token T --root <checkout> --agent-pid P [--runs N]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as signalR from '@microsoft/signalr';
import { MessagePackHubProtocol } from '@microsoft/signalr-protocol-msgpack';

// The SignalR client keeps its default logging (Information, as a page that sets none gets). Node's console.info is
// standard output, which carries this harness's own results, so the library's lines go to standard error.
console.info = console.error;


const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, value, i, all) => (i % 2 ? pairs : [...pairs, [all[i].replace(/^--/, ''), all[i + 1]]]), []));
const runs = Number(args.runs ?? 500);
const warmup = 50;
const root = args.root;
const rootUri = `file://${root}`;
const text = readFileSync(`${root}/src/main.ts`, 'utf8');
const uri = `${rootUri}/src/main.ts`;
const lines = text.split('\n');
const line = lines.findIndex((l) => l.includes('greeting.'));
const position = { line, character: lines[line].indexOf('greeting.') + 'greeting.'.length };
const capabilities = { textDocument: { completion: { completionItem: { snippetSupport: true } }, publishDiagnostics: {} } };
const now = () => Number(process.hrtime.bigint()) / 1e6;

function percentiles(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), mean: samples.reduce((a, b) => a + b, 0) / samples.length, n: samples.length };
}

async function measure(request) {
  for (let i = 0; i < warmup; i++) await request();
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const started = now();
    const result = await request();
    samples.push(now() - started);
    if (!(result?.items ?? result)?.length) throw new Error('empty completion');
  }
  return percentiles(samples);
}

// ---- through the web app and the agent ----
const connection = new signalR.HubConnectionBuilder()
  .withUrl(args.url, { skipNegotiation: true, transport: signalR.HttpTransportType.WebSockets, headers: { Authorization: `Bearer ${args.token}` } })
  .withHubProtocol(new MessagePackHubProtocol())
  .build();
await connection.start();
const pending = new Map();
const statuses = [];
let nextId = 1;
connection.stream('Connect', 'typescript').subscribe({
  next(message) {
    const parsed = JSON.parse(message);
    if (parsed.method === '$/workspaces/status') statuses.push(parsed.params);
    if (parsed.id !== undefined && parsed.method === undefined) pending.get(parsed.id)?.(parsed);
  },
  error(e) { console.error(e); },
  complete() {},
});
function viaAgent(method, params) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, (response) => { pending.delete(id); response.error ? reject(new Error(response.error.message)) : resolve(response.result); });
    connection.send('Deliver', 'typescript', JSON.stringify({ jsonrpc: '2.0', id, method, params }));
  });
}
const notifyAgent = (method, params) => connection.send('Deliver', 'typescript', JSON.stringify({ jsonrpc: '2.0', method, params }));
await viaAgent('initialize', { processId: null, rootUri: null, capabilities });
await notifyAgent('initialized', {});
await notifyAgent('textDocument/didOpen', { textDocument: { uri, languageId: 'typescript', version: 1, text } });
const completion = { textDocument: { uri }, position };
const agent = await measure(() => viaAgent('textDocument/completion', completion));

// ---- the same server, directly ----
const server = spawn(args.server ?? 'typescript-language-server', ['--stdio'], { cwd: root, stdio: ['pipe', 'pipe', 'ignore'] });
let buffer = Buffer.alloc(0);
const direct = new Map();
server.stdout.on('data', (chunk) => {
  buffer = Buffer.concat([buffer, chunk]);
  for (;;) {
    const end = buffer.indexOf('\r\n\r\n');
    if (end < 0) return;
    const length = Number(/Content-Length: (\d+)/i.exec(buffer.subarray(0, end).toString())[1]);
    if (buffer.length < end + 4 + length) return;
    const message = JSON.parse(buffer.subarray(end + 4, end + 4 + length).toString());
    buffer = buffer.subarray(end + 4 + length);
    if (message.id !== undefined && message.method === undefined) direct.get(message.id)?.(message);
    else if (message.id !== undefined) write({ jsonrpc: '2.0', id: message.id, result: null });
  }
});
function write(message) {
  const body = Buffer.from(JSON.stringify(message));
  server.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
  server.stdin.write(body);
}
let directId = 1;
function viaStdio(method, params) {
  const id = directId++;
  return new Promise((resolve, reject) => {
    direct.set(id, (response) => { direct.delete(id); response.error ? reject(new Error(response.error.message)) : resolve(response.result); });
    write({ jsonrpc: '2.0', id, method, params });
  });
}
await viaStdio('initialize', { processId: process.pid, rootUri, capabilities, workspaceFolders: [{ uri: rootUri, name: 'bench' }] });
write({ jsonrpc: '2.0', method: 'initialized', params: {} });
write({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri, languageId: 'typescript', version: 1, text } } });
const stdio = await measure(() => viaStdio('textDocument/completion', completion));
server.kill();

// ---- memory ----
const rss = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
await viaAgent('initialize', { processId: null, rootUri: null, capabilities }).catch(() => null);
const python = new signalR.HubConnectionBuilder()
  .withUrl(args.url, { skipNegotiation: true, transport: signalR.HttpTransportType.WebSockets, headers: { Authorization: `Bearer ${args.token}` } })
  .withHubProtocol(new MessagePackHubProtocol()).build();
await python.start();
const pyReady = new Promise((resolve) => python.stream('Connect', 'python').subscribe({
  next(message) { const m = JSON.parse(message); if (m.id === 1) resolve(); },
  error() {}, complete() {},
}));
await python.send('Deliver', 'python', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { capabilities } }));
await pyReady;
await python.send('Deliver', 'python', JSON.stringify({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri: `${rootUri}/tool.py`, languageId: 'python', version: 1, text: readFileSync(`${root}/tool.py`, 'utf8') } } }));
await new Promise((r) => setTimeout(r, 10000)); // settle: both servers analysed their file and are idle
const servers = await connection.invoke('Servers');
const idle = { agentBytes: rss(Number(args['agent-pid'])), servers: servers.map((s) => ({ server: s.Server, state: s.State, memoryBytes: s.MemoryBytes })) };
const idleTimeoutMs = Number(args['idle-timeout-ms'] ?? 0);
let stopped = null;
if (idleTimeoutMs > 0) {
  await new Promise((r) => setTimeout(r, idleTimeoutMs + 5000));
  const after = await connection.invoke('Servers');
  stopped = { agentBytes: rss(Number(args['agent-pid'])), servers: after.map((s) => ({ server: s.Server, state: s.State, memoryBytes: s.MemoryBytes })) };
}
await python.stop();
await connection.stop();
console.log(JSON.stringify({ runs, agent, stdio, extraP50: agent.p50 - stdio.p50, idle, stopped }, null, 2));
process.exit(0);

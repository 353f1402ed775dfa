// SignalR connections to the workspace agent's hubs through the web app (which authorizes and forwards them), for the
// editor, the language client and the terminals alike. MessagePack so file contents and terminal output stay binary;
// the agent writes records as maps keyed by property name.
import * as signalR from '@microsoft/signalr';
import { MessagePackHubProtocol } from '@microsoft/signalr-protocol-msgpack';

/**
 * @typedef {'connected' | 'reconnecting'} HubState
 * @typedef {{ reconnected?: boolean, error?: Error }} HubStateDetail
 *   reconnected: SignalR's automatic reconnect resumed the session (a fresh start is not one);
 *   error: why the connection is down, or why what the page does on connecting failed.
 * @typedef {(state: HubState, detail: HubStateDetail) => (void | Promise<void>)} HubStateHandler
 */

/** Back-off with jitter: about 0.5 s, doubling up to 30 s. */
export function retryDelay(attempt) {
  const base = Math.min(30000, 500 * 2 ** Math.min(attempt, 6));
  return base / 2 + Math.random() * base / 2;
}

const asError = (e) => (e instanceof Error ? e : new Error(String(e ?? 'the connection closed')));

export class Hub {
  /**
   * @param {string} url
   * @param {HubStateHandler} [onState] told each change; what it returns on 'connected' is awaited, and when that fails
   *   the connection starts again with back-off (a page whose first calls are refused retries instead of staying empty).
   */
  constructor(url, onState = () => {}) {
    this.url = url;
    this.onState = onState;
    this.disposed = false;
    this.failures = 0;
    this.restarting = false;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined;
    this.connection = new signalR.HubConnectionBuilder()
      .withUrl(url, { skipNegotiation: true, transport: signalR.HttpTransportType.WebSockets })
      .withHubProtocol(new MessagePackHubProtocol())
      .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (context) => retryDelay(context.previousRetryCount) })
      .configureLogging(signalR.LogLevel.Warning)
      .build();
    this.connection.serverTimeoutInMilliseconds = 60000;
    this.connection.onreconnecting((error) => this.report('reconnecting', { error }));
    this.connection.onreconnected(() => this.whenConnected({ reconnected: true }));
    // withAutomaticReconnect covers neither a failed first start nor a session that closed: start again, with back-off.
    this.connection.onclose((error) => {
      if (this.disposed) return;
      // After a stop of ours (below) the reason is said already.
      if (!this.restarting) this.report('reconnecting', { error: asError(error) });
      this.restarting = false;
      this.ready = this.pause().then(() => this.start());
    });
    /** Settles once connected (the first time, or again after a close). */
    this.ready = this.start();
  }

  get connected() {
    return this.connection.state === signalR.HubConnectionState.Connected;
  }

  async start() {
    while (!this.disposed) {
      try {
        await this.connection.start();
      } catch (e) {
        this.report('reconnecting', { error: asError(e) });
        await this.pause();
        continue;
      }
      await this.whenConnected({ reconnected: false });
      return;
    }
  }

  async whenConnected(detail) {
    try {
      await this.onState('connected', detail);
      this.failures = 0;
    } catch (e) {
      this.report('reconnecting', { error: asError(e) });
      // Its close starts it again (above).
      this.restarting = true;
      await this.connection.stop();
    }
  }

  pause() {
    return new Promise((resolve) => { this.timer = setTimeout(resolve, retryDelay(this.failures++)); });
  }

  /** A state change for the page; an error also goes to the console, for whoever looks into it. */
  report(state, detail) {
    if (this.disposed) return;
    if (detail.error) console.warn(`${this.url}: ${detail.error.message}`);
    try {
      this.onState(state, detail);
    } catch (e) {
      console.warn(`${this.url}: ${asError(e).message}`);
    }
  }

  on(name, handler) {
    this.connection.on(name, handler);
  }

  /** Invokes a hub method once connected; a HubException's message becomes the Error's message. */
  async invoke(method, ...args) {
    await this.ready;
    try {
      return await this.connection.invoke(method, ...args);
    } catch (e) {
      throw new Error(hubMessage(e));
    }
  }

  dispose() {
    this.disposed = true;
    clearTimeout(this.timer);
    this.connection.stop().catch((e) => console.warn(`${this.url}: stopping: ${asError(e).message}`));
  }
}

/** What the agent said, without SignalR's "An unexpected error occurred invoking 'X' on the server. HubException: ". */
export function hubMessage(e) {
  return String(e?.message ?? e).replace(/^.*HubException: /, '');
}

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

/** @param {string} url */
function buildConnection(url) {
  return new signalR.HubConnectionBuilder()
    .withUrl(url, { skipNegotiation: true, transport: signalR.HttpTransportType.WebSockets })
    .withHubProtocol(new MessagePackHubProtocol())
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (context) => retryDelay(context.previousRetryCount) })
    .configureLogging(signalR.LogLevel.Warning)
    .build();
}

/**
 * @typedef {{ connection: signalR.HubConnection, started: Promise<void> }} EarlyConnection
 *   a connection started before its page asked for it, for a Hub to take over (one attempt, no retries of its own).
 */

/**
 * Starts a connection to <paramref name="url"/> now, before the page that uses it is there; `new Hub(url, onState,
 * early)` takes it over (its state, its reconnects, its calls).
 * @param {string} url
 * @returns {EarlyConnection}
 */
export function startEarly(url) {
  const connection = buildConnection(url);
  const started = connection.start();
  // Its failure is the Hub's to report once it takes the connection over.
  started.catch(() => {});
  return { connection, started };
}

export class Hub {
  /**
   * @param {string} url
   * @param {HubStateHandler} [onState] told each change; what it returns on 'connected' is awaited, and when that fails
   *   the connection starts again with back-off (a page whose first calls are refused retries instead of staying empty).
   * @param {EarlyConnection} [early] a connection to the same URL started before the page (startEarly), taken over.
   * @param {Promise<unknown>} [after] connects once this settles (a connection that is not on the way to typing);
   *   calls made before wait for it.
   */
  constructor(url, onState = () => {}, early = undefined, after = undefined) {
    this.url = url;
    this.onState = onState;
    this.disposed = false;
    this.failures = 0;
    this.restarting = false;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined;
    this.connection = early?.connection ?? buildConnection(url);
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
    this.ready = early ? this.takeOver(early.started) : after ? after.then(() => this.start(), () => this.start()) : this.start();
  }

  /**
   * Goes on from a connection started early: what it did before the handlers above were there (connected, failed,
   * closed, or is reconnecting) is picked up here.
   * @param {Promise<void>} started
   */
  async takeOver(started) {
    try {
      await started;
    } catch (e) {
      this.report('reconnecting', { error: asError(e) });
      await this.pause();
      return this.start();
    }
    const state = this.connection.state;
    if (state === signalR.HubConnectionState.Connected) return this.whenConnected({ reconnected: false });
    // Closed before the handlers were there: start again.
    if (state === signalR.HubConnectionState.Disconnected) return this.start();
    // Reconnecting on its own: onreconnected or onclose (above) go on from there; calls wait for that.
    this.report('reconnecting', {});
    await new Promise((resolve) => {
      this.connection.onreconnected(() => resolve(undefined));
      this.connection.onclose(() => resolve(undefined));
    });
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

// SignalR connections to the workspace agent's hubs, through the web app (which authorizes and forwards them).
// MessagePack so file contents stay out of JSON; the agent writes records as maps keyed by property name.
import * as signalR from '@microsoft/signalr';
import { MessagePackHubProtocol } from '@microsoft/signalr-protocol-msgpack';

function retryDelay(context) {
  const base = Math.min(30000, 500 * 2 ** Math.min(context.previousRetryCount, 6));
  return base / 2 + Math.random() * base / 2;
}

export class Hub {
  constructor(url, onState) {
    this.onState = onState;
    this.connection = new signalR.HubConnectionBuilder()
      .withUrl(url, { skipNegotiation: true, transport: signalR.HttpTransportType.WebSockets })
      .withHubProtocol(new MessagePackHubProtocol())
      .withAutomaticReconnect({ nextRetryDelayInMilliseconds: retryDelay })
      .configureLogging(signalR.LogLevel.Warning)
      .build();
    this.connection.serverTimeoutInMilliseconds = 60000;
    this.connection.onreconnecting(() => this.onState('reconnecting'));
    this.connection.onreconnected(() => this.onState('connected'));
    this.connection.onclose(() => { if (!this.disposed) this.restart(); });
    this.ready = this.start();
  }

  async start() {
    for (let attempt = 0; !this.disposed; attempt++) {
      try {
        await this.connection.start();
        this.onState('connected');
        return;
      } catch {
        this.onState('reconnecting');
        await new Promise((r) => setTimeout(r, retryDelay({ previousRetryCount: attempt })));
      }
    }
  }

  restart() {
    this.ready = this.start();
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
      const message = String(e?.message ?? e).replace(/^.*HubException: /, '');
      throw new Error(message);
    }
  }

  dispose() {
    this.disposed = true;
    this.connection.stop();
  }
}

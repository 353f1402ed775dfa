// One language's JSON-RPC connection: vscode-jsonrpc over a stream of the agent's language hub. The agent shares the
// server with every other tab; here it looks like a server of our own.
import { AbstractMessageReader, AbstractMessageWriter, createMessageConnection } from 'vscode-jsonrpc/browser.js';
import { toServer, fromServer } from './uris.js';

const STATUS = '$/workspaces/status';
const LOG = '$/workspaces/log';

class HubReader extends AbstractMessageReader {
  listen(callback) {
    this.callback = callback;
    return { dispose: () => { this.callback = null; } };
  }

  deliver(message) {
    this.callback?.(message);
  }
}

class HubWriter extends AbstractMessageWriter {
  constructor(send) {
    super();
    this.send = send;
  }

  async write(message) {
    try {
      await this.send(JSON.stringify(message));
    } catch (e) {
      this.fireError([e, message, 0]);
    }
  }

  end() {}
}

/**
 * Opens the stream for a language. Resolves once the agent said where the workspace root is (its first message is
 * always the server's status); `onStatus` and `onLog` get the agent's own notifications.
 */
export function connectLanguage(hub, language, { onStatus, onLog, onEnd }) {
  return new Promise((resolve, reject) => {
    const reader = new HubReader();
    let rootUri = null;
    let connection = null;
    const writer = new HubWriter((text) => hub.connection.send('Deliver', language, toServer(text, rootUri)));
    const subscription = hub.connection.stream('Connect', language).subscribe({
      next(text) {
        const own = text.startsWith('{"jsonrpc":"2.0","method":"$/workspaces/'); // the agent's, with real paths
        const message = JSON.parse(rootUri && !own ? fromServer(text, rootUri) : text);
        if (message.method === STATUS) {
          const first = rootUri === null;
          rootUri = message.params.rootUri;
          onStatus(message.params);
          if (first) {
            connection = createMessageConnection(reader, writer);
            connection.listen();
            resolve({ connection, dispose: () => { subscription.dispose(); connection.dispose(); } });
          }
          return;
        }
        if (message.method === LOG) {
          onLog(message.params.text);
          return;
        }
        reader.deliver(message);
      },
      error(e) {
        onEnd(e);
        reject(e);
      },
      complete() {
        onEnd(null);
        if (!connection) reject(new Error('the agent closed the language stream'));
      },
    });
  });
}

// Language intelligence for the editor: one connection per language to the server the agent runs in the workspace,
// and Monaco's providers fed from it (converted by monaco-languageserver-types). Diagnostics become markers; the
// workbench's Problems panel and status bar read them from Monaco. Status and logs go out as window events.
import { monaco } from '../editor/monaco.js';
import { Hub } from '../hub.js';
import { connectLanguage } from './connection.js';
import { registerProviders } from './providers.js';
import { applyWorkspaceEdit } from './edits.js';
import { enableTypeScriptWorker } from './fallback.js';
import { pathOf } from './uris.js';

const CLIENT_CAPABILITIES = {
  general: { positionEncodings: ['utf-16'] },
  textDocument: {
    synchronization: { didSave: true, dynamicRegistration: false },
    publishDiagnostics: { relatedInformation: true, tagSupport: { valueSet: [1, 2] } },
    completion: {
      completionItem: { snippetSupport: true, documentationFormat: ['markdown', 'plaintext'], deprecatedSupport: true, labelDetailsSupport: true, insertReplaceSupport: true, resolveSupport: { properties: ['documentation', 'detail', 'additionalTextEdits'] } },
      contextSupport: true,
    },
    hover: { contentFormat: ['markdown', 'plaintext'] },
    signatureHelp: { signatureInformation: { documentationFormat: ['markdown', 'plaintext'], parameterInformation: { labelOffsetSupport: true } }, contextSupport: true },
    definition: { linkSupport: true },
    references: {},
    documentHighlight: {},
    documentSymbol: { hierarchicalDocumentSymbolSupport: true },
    formatting: {},
    rangeFormatting: {},
    rename: { prepareSupport: true },
    codeAction: {
      codeActionLiteralSupport: { codeActionKind: { valueSet: ['', 'quickfix', 'refactor', 'refactor.extract', 'refactor.inline', 'refactor.rewrite', 'source', 'source.organizeImports'] } },
      isPreferredSupport: true,
      resolveSupport: { properties: ['edit'] },
    },
  },
  workspace: { applyEdit: true, workspaceEdit: { documentChanges: true }, configuration: true, workspaceFolders: true },
  window: { workDoneProgress: false },
};

export function output(text) {
  window.dispatchEvent(new CustomEvent('workspaces:output', { detail: { channel: 'Language servers', text } }));
}

function announce(language, state, message) {
  window.dispatchEvent(new CustomEvent('workspaces:language-status', { detail: { language, state, message } }));
}

function describe(status) {
  const memory = status.memoryBytes ? ` · ${Math.round(status.memoryBytes / 1024 / 1024)} MB` : '';
  return `${status.message}${memory}`;
}

class LanguageSession {
  constructor(languages, language) {
    this.languages = languages;
    this.language = language;
    this.models = new Set();
    this.diagnostics = new Map(); // uri → the server's diagnostics, handed back as they were for code actions
    this.ready = this.start();
  }

  async start() {
    const { connection, dispose } = await connectLanguage(this.languages.hub, this.language, {
      onStatus: (status) => this.onStatus(status),
      onLog: (text) => output(text),
      onEnd: (error) => this.onEnd(error),
    });
    this.connection = connection;
    this.disposeConnection = dispose;
    if (this.state === 'missing' || this.state === 'notconfigured') {
      // A missing server was announced with what to install; a language with no server configured says nothing.
      return null;
    }
    connection.onNotification('textDocument/publishDiagnostics', (params) => this.onDiagnostics(params));
    connection.onNotification('window/logMessage', (params) => output(`[${this.language}] ${params.message}`));
    connection.onNotification('window/showMessage', (params) => { output(`[${this.language}] ${params.message}`); this.languages.ide.notify(params.message, params.type === 1 ? 'error' : 'info'); });
    connection.onRequest('workspace/applyEdit', async (params) => applyWorkspaceEdit(this.languages.ide, params.edit, params.label));
    connection.onRequest('workspace/configuration', (params) => params.items.map(() => null));
    let result;
    try {
      result = await connection.sendRequest('initialize', { processId: null, rootUri: null, capabilities: CLIENT_CAPABILITIES, clientInfo: { name: 'Workspaces' } });
    } catch (e) {
      // A missing server's status has already said what to install; the refused initialize repeats that message.
      if (this.state !== 'missing' && this.state !== 'notconfigured') output(`${this.language}: ${e.message}`);
      this.fallBack();
      return null;
    }
    connection.sendNotification('initialized', {});
    this.capabilities = result.capabilities ?? {};
    if (!this.languages.registered.has(this.language)) {
      this.languages.registered.add(this.language);
      registerProviders(this.language, this.languages);
    }
    return connection;
  }

  onStatus(status) {
    this.state = status.state.toLowerCase();
    this.status = status;
    if (this.state === 'notconfigured') {
      // Markdown, plain text…: no server, no status-bar item and no message; TypeScript keeps Monaco's own service.
      this.fallBack();
      return;
    }
    announce(this.language, this.state, describe(status));
    if (this.state === 'missing' || (this.state === 'crashed' && /not restarted/.test(status.message))) {
      output(status.message);
      this.fallBack();
    }
  }

  onEnd(error) {
    if (error) {
      const message = String(error.message ?? error).replace(/^.*HubException: /, '');
      output(`${this.language}: ${message}`);
      announce(this.language, 'crashed', message);
    }
    this.ended = true;
  }

  /** Without a server, JavaScript and TypeScript still get Monaco's own TypeScript service. */
  fallBack() {
    if (this.language === 'typescript' || this.language === 'javascript') {
      enableTypeScriptWorker();
    }
  }

  async open(model) {
    const connection = await this.ready;
    // A tab closed while the client started (it starts after the editor accepts typing) has nothing to open.
    if (!connection || this.models.has(model) || model.isDisposed()) return;
    this.models.add(model);
    const uri = model.uri.toString();
    connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: this.language, version: model.getVersionId(), text: model.getValue() } });
    const changes = model.onDidChangeContent(() => {
      connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: model.getVersionId() }, contentChanges: [{ text: model.getValue() }] });
    });
    model.onWillDispose(() => {
      changes.dispose();
      this.models.delete(model);
      this.diagnostics.delete(uri);
      monaco.editor.setModelMarkers(model, 'lsp', []);
      if (!this.ended) connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
    });
  }

  onDiagnostics(params) {
    const model = monaco.editor.getModel(monaco.Uri.parse(params.uri));
    if (!model) return;
    this.diagnostics.set(params.uri, params.diagnostics);
    monaco.editor.setModelMarkers(model, 'lsp', params.diagnostics.map((d) => toMarker(d, this.status?.server)));
  }

  async request(method, params, token) {
    const connection = await this.ready;
    if (!connection || this.ended) return null;
    try {
      return await connection.sendRequest(method, params, toCancellation(token));
    } catch (e) {
      if (!/cancel/i.test(e.message)) output(`${this.language}: ${method}: ${e.message}`);
      return null;
    }
  }

  dispose() {
    this.disposeConnection?.();
  }
}

function toMarker(diagnostic, source) {
  const severities = [monaco.MarkerSeverity.Error, monaco.MarkerSeverity.Error, monaco.MarkerSeverity.Warning, monaco.MarkerSeverity.Info, monaco.MarkerSeverity.Hint];
  const tags = (diagnostic.tags ?? []).map((t) => (t === 1 ? monaco.MarkerTag.Unnecessary : monaco.MarkerTag.Deprecated));
  return {
    severity: severities[diagnostic.severity ?? 1],
    message: diagnostic.message,
    source: diagnostic.source ?? source,
    code: diagnostic.code === undefined ? undefined : String(diagnostic.code),
    startLineNumber: diagnostic.range.start.line + 1,
    startColumn: diagnostic.range.start.character + 1,
    endLineNumber: diagnostic.range.end.line + 1,
    endColumn: diagnostic.range.end.character + 1,
    tags,
  };
}

function toCancellation(token) {
  if (!token) return undefined;
  return { get isCancellationRequested() { return token.isCancellationRequested; }, onCancellationRequested: (listener) => token.onCancellationRequested(listener) };
}

export class Languages {
  /** @param {import('../editor/editor.js').Ide} ide */
  constructor(ide) {
    this.ide = ide;
    this.sessions = new Map();
    this.registered = new Set();
    const url = ide.options.languagesHub ?? ide.options.filesHub.replace(/\/hubs\/files$/, '/hubs/languages');
    openInEditor(ide);
    this.hub = new Hub(url, (state) => { if (state === 'connected' && this.wasConnected) this.reconnect(); if (state === 'connected') this.wasConnected = true; });
  }

  session(language) {
    let session = this.sessions.get(language);
    if (!session) {
      session = new LanguageSession(this, language);
      session.ready.catch((e) => output(`${language}: ${e.message}`));
      this.sessions.set(language, session);
    }
    return session;
  }

  /** The session that serves a model, once connected (null when its language has none). */
  forModel(model) {
    return this.sessions.get(model.getLanguageId()) ?? null;
  }

  async open(model) {
    await this.hub.ready;
    const session = this.session(model.getLanguageId());
    await session.open(model);
  }

  /** After the agent connection came back: new streams, and every open model again (the agent replays them to the server). */
  reconnect() {
    const models = [...this.sessions.values()].flatMap((s) => [...s.models]);
    for (const session of this.sessions.values()) session.dispose();
    this.sessions.clear();
    for (const model of models) this.open(model);
  }
}

/** Go to definition and references open files of the checkout in the editor's tabs; nothing outside it. */
function openInEditor(ide) {
  monaco.editor.registerEditorOpener({
    openCodeEditor(_source, resource, selectionOrPosition) {
      if (resource.scheme === 'outside') {
        ide.notify(`${resource.path} is outside the workspace: not opened`, 'error');
        return true;
      }
      const path = pathOf(resource);
      if (path === null) return false;
      const at = selectionOrPosition && ('startLineNumber' in selectionOrPosition
        ? { line: selectionOrPosition.startLineNumber, column: selectionOrPosition.startColumn }
        : { line: selectionOrPosition.lineNumber, column: selectionOrPosition.column });
      ide.open(path, at ?? undefined);
      return true;
    },
  });
}

export function createLanguages(ide) {
  return new Languages(ide);
}

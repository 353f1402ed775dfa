namespace Workspaces.WorkspaceAgent.Tests.Languages;

/// <summary>
/// A language server that misbehaves in one way, chosen by its argument: <c>hang</c> answers initialize and nothing
/// else; <c>slow</c> answers every request after 3 s; <c>oversized</c> announces a 64 MiB message; <c>garbage</c> writes
/// bytes that are not LSP; <c>crash</c> exits at once.
/// </summary>
internal static class FakeLanguageServer
{
    private const string Script = """
        const mode = process.argv[2];
        if (mode === 'crash') { process.stderr.write('fake: crashing on purpose\n'); process.exit(3); }
        const send = (m) => { const b = Buffer.from(JSON.stringify(m)); process.stdout.write(`Content-Length: ${b.length}\r\n\r\n`); process.stdout.write(b); };
        let buffer = Buffer.alloc(0);
        process.stdin.on('data', (chunk) => {
          buffer = Buffer.concat([buffer, chunk]);
          for (;;) {
            const end = buffer.indexOf('\r\n\r\n');
            if (end < 0) return;
            const length = Number(/Content-Length: (\d+)/i.exec(buffer.subarray(0, end).toString())[1]);
            if (buffer.length < end + 4 + length) return;
            const message = JSON.parse(buffer.subarray(end + 4, end + 4 + length).toString());
            buffer = buffer.subarray(end + 4 + length);
            handle(message);
          }
        });
        function handle(m) {
          if (m.method === 'initialize') { send({ jsonrpc: '2.0', id: m.id, result: { capabilities: { hoverProvider: true }, serverInfo: { name: 'fake-' + mode } } }); return; }
          if (m.method === 'initialized') {
            if (mode === 'oversized') process.stdout.write('Content-Length: 67108864\r\n\r\n{"jsonrpc":"2.0"');
            if (mode === 'garbage') process.stdout.write('this is not the language server protocol\r\n\r\n');
            return;
          }
          if (m.id === undefined || mode === 'hang') return;
          setTimeout(() => send({ jsonrpc: '2.0', id: m.id, result: { contents: 'slow answer' } }), mode === 'slow' ? 3000 : 0);
        }
        """;

    public static string WriteTo(string directory)
    {
        var path = Path.Combine(directory, "fake-language-server.js");
        File.WriteAllText(path, Script);
        return path;
    }
}

using System.Text.Json.Nodes;
using Microsoft.AspNetCore.SignalR.Client;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Languages;
using Workspaces.TestSupport.Waiting;

namespace Workspaces.WorkspaceAgent.Tests.Languages;

/// <summary>
/// The real language servers from npm (./test.sh puts typescript-language-server and pyright on PATH) through the
/// agent's language hub, as the browser reaches them.
/// </summary>
public sealed class LanguageServersTests(LanguagesAgentFixture fixture) : IClassFixture<LanguagesAgentFixture>
{
    [Fact]
    public async Task Initialize_TypeScript_AnswersWithTheServersCapabilitiesAndReady()
    {
        var (client, result) = await LspTestClient.InitializedAsync(fixture.AgentAddress, "typescript");
        await using var _ = client;

        Assert.NotNull(result["capabilities"]?["completionProvider"]);
        var ready = await client.WaitForStatusAsync(LanguageServerState.Ready);
        Assert.Equal(new Uri(fixture.Checkout).AbsoluteUri.TrimEnd('/'), (string?)ready["params"]!["rootUri"]);
    }

    [Fact]
    public async Task Completion_MemberOfAString_ListsStringMethods()
    {
        var (client, _) = await LspTestClient.InitializedAsync(fixture.AgentAddress, "typescript");
        await using var _ = client;
        var uri = fixture.UriOf("completion.ts");
        await client.OpenAsync(uri, "typescript", "const greeting = 'hello';\ngreeting.");

        var result = await client.RequestAsync("textDocument/completion", new JsonObject
        {
            ["textDocument"] = new JsonObject { ["uri"] = uri },
            ["position"] = new JsonObject { ["line"] = 1, ["character"] = 9 },
        });

        var items = result["items"] as JsonArray ?? result["value"] as JsonArray;
        Assert.Contains(items!, item => (string?)item!["label"] == "toUpperCase");
    }

    [Fact]
    public async Task Diagnostics_TypeError_ArePublishedWithTheCompilersCode()
    {
        var (client, _) = await LspTestClient.InitializedAsync(fixture.AgentAddress, "typescript");
        await using var _ = client;
        var uri = fixture.UriOf("diagnostics.ts");

        await client.OpenAsync(uri, "typescript", "const count: number = 'three';\n");

        var published = await client.WaitForAsync(m => IsDiagnosticsFor(m, uri) && ((JsonArray)m["params"]!["diagnostics"]!).Count > 0, "diagnostics for diagnostics.ts");
        Assert.Contains((JsonArray)published["params"]!["diagnostics"]!, d => (int?)d!["code"] == 2322);
    }

    [Fact]
    public async Task Diagnostics_PythonTypeError_ComeFromPyright()
    {
        var (client, result) = await LspTestClient.InitializedAsync(fixture.AgentAddress, "python");
        await using var _ = client;
        var uri = fixture.UriOf("typed.py");

        await client.OpenAsync(uri, "python", "count: int = 'three'\n");

        var published = await client.WaitForAsync(m => IsDiagnosticsFor(m, uri) && ((JsonArray)m["params"]!["diagnostics"]!).Count > 0, "pyright's diagnostics");
        Assert.Contains((JsonArray)published["params"]!["diagnostics"]!, d => ((string?)d!["message"])!.Contains("\"Literal['three']\" is not assignable to \"int\"", StringComparison.Ordinal));
        Assert.NotNull(result["capabilities"]?["hoverProvider"]);
    }

    [Fact]
    public async Task TwoClients_SameLanguage_ShareOneServerAndBothSeeDiagnostics()
    {
        var (first, _) = await LspTestClient.InitializedAsync(fixture.AgentAddress, "javascript");
        await using var _ = first;
        var (second, _) = await LspTestClient.InitializedAsync(fixture.AgentAddress, "typescript");
        await using var __ = second;
        var uri = fixture.UriOf("shared.ts");

        await first.OpenAsync(uri, "typescript", "let shared: string = 42;\n");
        await second.OpenAsync(uri, "typescript", "let shared: string = 42;\n");

        await first.WaitForAsync(m => IsDiagnosticsFor(m, uri) && ((JsonArray)m["params"]!["diagnostics"]!).Count > 0, "diagnostics in the first window");
        await second.WaitForAsync(m => IsDiagnosticsFor(m, uri) && ((JsonArray)m["params"]!["diagnostics"]!).Count > 0, "diagnostics in the second window");
        var servers = await second.Hub.InvokeAsync<LanguageServerStatus[]>("Servers");
        Assert.Single(servers, s => s.Server == "typescript");
        Assert.Single(TypeScriptServerProcesses());
    }

    [Fact]
    public async Task ReadOnlyConnection_Completion_IsRefusedButHoverAnswers()
    {
        var (editor, _) = await LspTestClient.InitializedAsync(fixture.AgentAddress, "typescript");
        await using var _ = editor;
        var (watcher, _) = await LspTestClient.InitializedAsync(fixture.AgentAddress, "typescript",
            new Dictionary<string, string> { [AgentProtocol.AccessHeader] = AgentProtocol.ReadOnlyAccess });
        await using var __ = watcher;
        var uri = fixture.UriOf("watched.ts");
        await watcher.OpenAsync(uri, "typescript", "const watched = 42;\nwatched.");
        var position = new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = uri }, ["position"] = new JsonObject { ["line"] = 0, ["character"] = 7 } };

        var refused = await Assert.ThrowsAsync<LspErrorException>(() => watcher.RequestAsync("textDocument/completion", position.DeepClone()));
        var hover = await watcher.RequestAsync("textDocument/hover", position.DeepClone());

        Assert.Contains("read-only", refused.Message, StringComparison.Ordinal);
        Assert.Contains("const watched: 42", hover.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_Crashes_IsRestartedAndAnswersAgain()
    {
        var (client, _) = await LspTestClient.InitializedAsync(fixture.AgentAddress, "python");
        await using var _ = client;
        var uri = fixture.UriOf("restart.py");
        await client.OpenAsync(uri, "python", "value = 'text'\nvalue.");
        await client.WaitForStatusAsync(LanguageServerState.Ready);
        var readyBefore = client.Received.Count(m => LspTestClient.IsStatus(m, LanguageServerState.Ready));

        foreach (var pid in ServerProcesses("pyright-langserver"))
        {
            System.Diagnostics.Process.GetProcessById(pid).Kill();
        }

        await client.WaitForAsync(m => LspTestClient.IsStatus(m, LanguageServerState.Crashed), "the crash status");
        await Poll.UntilAsync(() => client.Received.Count(m => LspTestClient.IsStatus(m, LanguageServerState.Ready)) > readyBefore, LspTestClient.Patience, "ready again");
        var hover = await client.RequestAsync("textDocument/hover", new JsonObject
        {
            ["textDocument"] = new JsonObject { ["uri"] = uri },
            ["position"] = new JsonObject { ["line"] = 0, ["character"] = 1 },
        });
        Assert.Contains("(variable) value", (string?)hover["contents"]?["value"], StringComparison.Ordinal);
    }

    private static bool IsDiagnosticsFor(JsonObject message, string uri) =>
        (string?)message["method"] == "textDocument/publishDiagnostics" && (string?)message["params"]?["uri"] == uri;

    internal static List<int> TypeScriptServerProcesses() => ServerProcesses("typescript-language-server");

    /// <summary>Processes whose command line names the server and whose parent is this test process (the in-process agent).</summary>
    internal static List<int> ServerProcesses(string name)
    {
        var self = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var parent = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1];
                if (parent == self && File.ReadAllText(Path.Combine(directory, "cmdline")).Contains(name, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
            }
        }

        return found;
    }
}

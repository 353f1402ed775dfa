using System.Diagnostics;
using System.Text;
using Workspaces.TestSupport.Files;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Ssh;

/// <summary>What a finished process printed and returned.</summary>
public sealed record ProcessResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

/// <summary>
/// One user's machine: the built <c>workspaces</c> CLI with its own config directory and token, and Debian's OpenSSH
/// client using the SSH config that <c>workspaces config-ssh</c> writes (its ProxyCommand is the CLI again).
/// </summary>
public sealed class SshClients : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private readonly TempDirectory _home = TempDirectory.Create("ws-cli");
    private readonly TestApp _app;

    public SshClients(TestApp app, string? token)
    {
        _app = app;
        Token = token;
    }

    public string? Token { get; set; }

    public string ConfigDirectory => _home.Combine("config");

    public string SshConfig => _home.Combine("ssh_config");

    public string Home => _home.Path;

    /// <summary>The apphost the CLI project builds (Web.Tests references the project, so it is built first).</summary>
    public static string CliPath { get; } = FindCli();

    public void Dispose() => _home.Dispose();

    public Task<ProcessResult> CliAsync(params string[] arguments) => RunAsync(CliPath, arguments, input: null);

    public Task<ProcessResult> SshAsync(params string[] arguments) => RunAsync("ssh", ["-F", SshConfig, .. arguments], input: null);

    public async Task<ProcessResult> RunAsync(string program, IEnumerable<string> arguments, string? input, TimeSpan? timeout = null)
    {
        using var process = Start(program, arguments);
        return await WaitAsync(process, input, timeout ?? Timeout);
    }

    /// <summary>A started process with this machine's environment (the caller reads and waits).</summary>
    public Process Start(string program, IEnumerable<string> arguments)
    {
        var start = StartInfo(program, arguments);
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        return Process.Start(start)!;
    }

    public ProcessStartInfo StartInfo(string program, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(program) { UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["WORKSPACES_CONFIG_DIR"] = ConfigDirectory;
        start.Environment["WORKSPACES_URL"] = _app.BaseAddress.AbsoluteUri;
        if (Token is not null)
        {
            start.Environment["WORKSPACES_TOKEN"] = Token;
        }
        else
        {
            start.Environment.Remove("WORKSPACES_TOKEN");
        }

        // The CLI must not inherit the web app's inline-socket setting of this test process.
        start.Environment.Remove(global::Workspaces.Web.Hosting.InlineIo.RuntimeVariable);
        return start;
    }

    public static async Task<ProcessResult> WaitAsync(Process process, string? input, TimeSpan timeout)
    {
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }

        process.StandardInput.Close();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{process.StartInfo.FileName} {string.Join(' ', process.StartInfo.ArgumentList)} did not finish in {timeout.TotalSeconds:0} s. stderr: {await error}");
        }

        return new ProcessResult(process.ExitCode, await output, await error);
    }

    /// <summary>Writes the SSH config with <c>config-ssh</c> and returns the host name of <paramref name="workspaceId"/>.</summary>
    public async Task<string> ConfigureAsync(string workspaceId)
    {
        var result = await CliAsync("config-ssh", "--ssh-config", SshConfig);
        Assert.True(result.ExitCode == 0, result.ToString());
        var host = $"workspaces.{workspaceId}";
        Assert.Contains($"Host {host}\n", await File.ReadAllTextAsync(SshConfig), StringComparison.Ordinal);
        // ssh refuses a config others may write; the temporary directory's default is fine, the file is 0600.
        return host;
    }

    /// <summary>The native CLI (as `dotnet tool install` installs it) that CopyCli.targets publishes next to the tests.</summary>
    private static string FindCli()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "cli", "workspaces");
        return File.Exists(path) ? path : throw new FileNotFoundException($"The CLI is not built: {path}. Build tests/Web.Tests (it imports src/Cli/CopyCli.targets).");
    }

    public static string Describe(IEnumerable<string> lines) => new StringBuilder().AppendJoin('\n', lines).ToString();
}

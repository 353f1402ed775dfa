using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Workspaces.Shared.Agent;
using Workspaces.TestSupport.Processes;
using Workspaces.TestSupport.Waiting;
using Workspaces.WorkspaceAgent.Hosting;
using Workspaces.WorkspaceAgent.Tests.Infrastructure;

namespace Workspaces.WorkspaceAgent.Tests.EndToEnd;

/// <summary>The built agent binary started the way the local runtime starts it.</summary>
internal sealed class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AgentProcess(Process process, AgentBootstrap bootstrap)
    {
        _process = process;
        Bootstrap = bootstrap;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public AgentBootstrap Bootstrap { get; }

    public int ProcessId => _process.Id;

    public AgentRuntimeInfo? RuntimeInfo { get; private set; }

    public AgentClient Client { get; private set; } = null!;

    /// <summary>Everything the agent printed (the runtime sends it to agent.log).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts with <c>--bootstrap-stdin</c> (writing the bootstrap and closing stdin), or with <c>--bootstrap-file</c>.</summary>
    public static AgentProcess Start(AgentBootstrap bootstrap, string? bootstrapFile = null)
    {
        var startInfo = new ProcessStartInfo(AgentBinary.Path)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (bootstrapFile is null)
        {
            startInfo.ArgumentList.Add("--bootstrap-stdin");
        }
        else
        {
            startInfo.ArgumentList.Add("--bootstrap-file");
            startInfo.ArgumentList.Add(bootstrapFile);
        }

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException("The agent did not start.");
        var agent = new AgentProcess(process, bootstrap);
        if (bootstrapFile is null)
        {
            process.StandardInput.Write(JsonSerializer.Serialize(bootstrap, AgentJsonContext.Default.AgentBootstrap));
        }

        process.StandardInput.Close();
        return agent;
    }

    /// <summary>Waits for the runtime file this agent process writes once it listens (not one left by an earlier run).</summary>
    public async Task<AgentRuntimeInfo> WaitUntilListeningAsync(TimeSpan timeout)
    {
        var layout = TestBootstraps.LayoutOf(Bootstrap);
        var info = await Poll.UntilNotNullAsync(
            async () =>
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"The agent exited with {_process.ExitCode}:\n{Output}");
                }

                if (!File.Exists(layout.RuntimeFile))
                {
                    return null;
                }

                var written = JsonSerializer.Deserialize(await File.ReadAllTextAsync(layout.RuntimeFile), AgentJsonContext.Default.AgentRuntimeInfo);
                return written?.ProcessId == _process.Id ? written : null;
            },
            timeout,
            "the agent's runtime file");
        RuntimeInfo = info;
        Client = new AgentClient(new Uri(info.Url));
        return info;
    }

    /// <summary>Sends SIGTERM (what a runtime does to stop a workspace) and waits for the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        ProcessSignals.Send(_process.Id, ProcessSignals.SigTerm);
        return await WaitForExitAsync(timeout);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        _process.WaitForExit(); // Drains the redirected output.
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}

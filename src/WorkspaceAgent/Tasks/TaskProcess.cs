using System.Diagnostics;

namespace Workspaces.WorkspaceAgent.Tasks;

/// <summary>One step of a task running as <c>{shell} -lc {script}</c>, its output appended straight to the task's log.</summary>
internal sealed class TaskProcess : IDisposable
{
    // A small sh wrapper does the redirection (the task writes its log itself, nothing flows through the agent) and
    // execs setsid, which then execs the shell: the pid stays the same all along, and it leads a new session and process
    // group, so the whole tree can be signalled at once. setsid only forks when its caller already leads a group, and
    // a freshly started child does not.
    private const string WrapperWithSetsid = "exec \"$3\" \"$0\" -lc \"$1\" </dev/null >>\"$2\" 2>&1";
    private const string WrapperWithoutSetsid = "exec \"$0\" -lc \"$1\" </dev/null >>\"$2\" 2>&1";

    private readonly Process _process;

    private TaskProcess(Process process, bool ownsProcessGroup)
    {
        _process = process;
        OwnsProcessGroup = ownsProcessGroup;
    }

    public int ProcessId => _process.Id;

    /// <summary>True when the step leads its own process group (its id is <see cref="ProcessId"/>).</summary>
    public bool OwnsProcessGroup { get; }

    public static TaskProcess Start(TaskShell shell, string script, string workingDirectory, IReadOnlyDictionary<string, string> environment, string logFile)
    {
        var startInfo = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add(shell.Setsid is null ? WrapperWithoutSetsid : WrapperWithSetsid);
        startInfo.ArgumentList.Add(shell.Shell);
        startInfo.ArgumentList.Add(script);
        startInfo.ArgumentList.Add(logFile);
        if (shell.Setsid is not null)
        {
            startInfo.ArgumentList.Add(shell.Setsid);
        }

        startInfo.Environment.Clear();
        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException("The task's shell did not start.");
        return new TaskProcess(process, shell.Setsid is not null);
    }

    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken);
        return _process.ExitCode;
    }

    /// <summary>Kills the step and what it started, for when it has no process group of its own to signal.</summary>
    public void KillTree()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    public void Dispose() => _process.Dispose();
}

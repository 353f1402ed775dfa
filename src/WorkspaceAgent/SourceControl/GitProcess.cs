using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Workspaces.WorkspaceAgent.SourceControl;

/// <summary>
/// Runs the <c>git</c> command line in the checkout: the same program, configuration, hooks and credential rules the
/// user's terminal has, in a child process (a crash or a large repository's memory stays there), and AOT-safe.
/// </summary>
/// <param name="workspaceEnvironment">The workspace's variables (HOME): git reads the same configuration as in a terminal.</param>
public sealed class GitProcess(string workingDirectory, IReadOnlyDictionary<string, string>? workspaceEnvironment = null, string executable = "git")
{
    public string WorkingDirectory => workingDirectory;

    /// <summary>Runs git to completion. Output is bytes (paths and contents are not necessarily UTF-8).</summary>
    /// <exception cref="GitMissingException">git is not installed.</exception>
    public async Task<GitOutput> RunAsync(
        IReadOnlyList<string> arguments,
        CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? environment = null,
        TimeSpan? timeout = null)
    {
        using var process = Start(arguments, environment);
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout ?? TimeSpan.FromMinutes(2));
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        try
        {
            var copyOut = process.StandardOutput.BaseStream.CopyToAsync(stdout, timeoutSource.Token);
            var copyErr = process.StandardError.BaseStream.CopyToAsync(stderr, timeoutSource.Token);
            await Task.WhenAll(copyOut, copyErr);
            await process.WaitForExitAsync(timeoutSource.Token);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            throw;
        }

        return new GitOutput(process.ExitCode, stdout.ToArray(), Encoding.UTF8.GetString(stderr.GetBuffer(), 0, (int)stderr.Length));
    }

    /// <summary>Starts git with its output to read as it comes (search); the caller kills it when it has enough.</summary>
    public Process Start(IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in workspaceEnvironment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        // Never wait for a prompt nobody sees; stable, untranslated messages to classify.
        start.Environment["GIT_TERMINAL_PROMPT"] = "0";
        start.Environment["GCM_INTERACTIVE"] = "never";
        start.Environment["LC_ALL"] = "C";
        start.Environment["LANGUAGE"] = "C";
        start.Environment["GIT_PAGER"] = "cat";
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                start.Environment[key] = value;
            }
        }

        try
        {
            var process = Process.Start(start) ?? throw new GitMissingException();
            process.StandardInput.Close();
            return process;
        }
        catch (Win32Exception ex)
        {
            throw new GitMissingException(ex);
        }
    }

    public static void Kill(Process process)
    {
        ArgumentNullException.ThrowIfNull(process);
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }
}

public sealed record GitOutput(int ExitCode, byte[] Output, string Error)
{
    public bool Succeeded => ExitCode == 0;

    public string Text => Encoding.UTF8.GetString(Output);
}

public sealed class GitMissingException : Exception
{
    public GitMissingException()
        : base("git is not installed in this workspace.")
    {
    }

    public GitMissingException(Exception innerException)
        : base("git is not installed in this workspace.", innerException)
    {
    }

    public GitMissingException(string message)
        : base(message)
    {
    }

    public GitMissingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

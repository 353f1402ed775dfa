using System.Text.Json.Serialization;
using Workspaces.Shared.Languages;

namespace Workspaces.Shared.Agent;

/// <summary>
/// Everything an agent needs to prepare its workspace. The local runtime writes it as JSON to the agent's standard input
/// (so secrets never appear in a command line, environment or file); in Kubernetes it comes from a mounted Secret.
/// </summary>
/// <param name="WorkspaceDirectory">The persisted root of the workspace: the checkout and the agent's state live below it.</param>
/// <param name="CheckoutDirectoryName">The repository's directory under <paramref name="WorkspaceDirectory"/>.</param>
/// <param name="ListenUrl">Where the agent listens, e.g. <c>http://127.0.0.1:0</c>.</param>
/// <param name="DiskLimitBytes">The clone is stopped with <see cref="AgentErrorCode.DiskLimitReached"/> above this size; 0 means no limit.</param>
/// <param name="Files">Secret files to write (mode 0600) under <see cref="WorkspaceLayout.SecretsDirectory"/> before tasks start.</param>
/// <param name="DotfilesRepository">The owner's dotfiles repository, cloned and installed once per workspace.</param>
/// <param name="Editor">The editor's file size limits; null for the agent's defaults.</param>
/// <param name="RepositoryNetwork">The internal Git servers an administrator allowed clones from; null for public addresses only.</param>
/// <param name="Languages">The administrator's language server settings; null for the agent's defaults.</param>
/// <param name="Telemetry">Where the agent sends traces, metrics and logs, and the start's trace; null: nowhere.</param>
/// <param name="Prebuild">This start runs a prebuild, or starts from one; null: neither.</param>
/// <param name="NetworkReadyFile">A file that appears (not empty) once the agent's network is up, which the agent waits for before
/// it first uses the network: a sandbox's network is set up while the agent starts. Null: the network is there from the start.</param>
public sealed record AgentBootstrap(
    string WorkspaceId,
    string RepositoryUrl,
    string? Ref,
    string WorkspaceDirectory,
    string CheckoutDirectoryName,
    string AgentSecret,
    GitCredential? GitCredential,
    string ListenUrl,
    long DiskLimitBytes,
    IReadOnlyDictionary<string, string> Environment,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<WorkspaceFile>? Files = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DotfilesRepository = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] EditorLimits? Editor = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Repositories.RepositoryNetwork? RepositoryNetwork = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] LanguageSettings? Languages = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] AgentTelemetry? Telemetry = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Prebuilds.PrebuildBootstrap? Prebuild = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NetworkReadyFile = null)
{
    /// <summary>Never print the secret or the credential.</summary>
    public override string ToString() => $"AgentBootstrap {{ WorkspaceId = {WorkspaceId}, RepositoryUrl = {RepositoryUrl}, Ref = {Ref} }}";
}

/// <summary>The web app's telemetry settings, handed on so that every process of a start reports to the same place.</summary>
/// <param name="OtlpEndpoint">The OTLP collector; null: the agent exports nothing.</param>
/// <param name="OtlpProtocol"><c>Grpc</c> or <c>HttpProtobuf</c>.</param>
/// <param name="TraceParent">The W3C <c>traceparent</c> of the start that launched this agent: its spans join that trace.</param>
/// <param name="LogFormat">The console format, <c>Plain</c> or <c>Json</c>.</param>
public sealed record AgentTelemetry(Uri? OtlpEndpoint, string? OtlpProtocol, string? TraceParent, string? LogFormat)
{
    /// <summary>The settings as the agent's configuration keys (those ServiceDefaults reads).</summary>
    public IEnumerable<KeyValuePair<string, string?>> ToSettings()
    {
        if (OtlpEndpoint is not null)
        {
            yield return new("Workspaces:Telemetry:OtlpEndpoint", OtlpEndpoint.AbsoluteUri);
            yield return new("Workspaces:Telemetry:OtlpProtocol", OtlpProtocol);
        }

        if (LogFormat is not null)
        {
            yield return new("Workspaces:Logging:Format", LogFormat);
        }
    }
}

/// <param name="SoftLimitBytes">Files above this open read-only.</param>
/// <param name="HardLimitBytes">Files above this do not open in the editor at all.</param>
public sealed record EditorLimits(long SoftLimitBytes, long HardLimitBytes);

/// <summary>A file the agent writes for the workspace (a project secret injected as a file). Never printed.</summary>
/// <param name="Name">A file name (no directories) under the workspace's secrets directory.</param>
public sealed record WorkspaceFile(string Name, string Content)
{
    public override string ToString() => $"WorkspaceFile {{ Name = {Name} }}";
}

/// <summary>A username and token for HTTPS Git hosts.</summary>
public sealed record GitCredential(string Username, string Password)
{
    public override string ToString() => $"GitCredential {{ Username = {Username} }}";
}

/// <summary>What the agent writes to <see cref="AgentProtocol.RuntimeFileName"/> once it listens.</summary>
public sealed record AgentRuntimeInfo(int ProcessId, string Url, DateTimeOffset StartedAt, string WorkspaceId);

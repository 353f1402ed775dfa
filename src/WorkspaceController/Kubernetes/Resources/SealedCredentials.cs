using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Workspaces.Shared.Agent;

namespace Workspaces.WorkspaceController.Kubernetes.Resources;

/// <summary>
/// What the web app hands the controller for one workspace and nobody else may read: the agent secret, the Git
/// credential, and everything that may carry the user's or project's secrets (environment variables, secret files, the
/// dotfiles repository's URL).
/// </summary>
public sealed record WorkspaceCredentials(
    [property: JsonPropertyName("agentSecret")] string AgentSecret,
    [property: JsonPropertyName("gitUsername")] string? GitUsername,
    [property: JsonPropertyName("gitPassword")] string? GitPassword)
{
    [JsonPropertyName("environment")]
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    [JsonPropertyName("files")]
    public IReadOnlyList<WorkspaceFile>? Files { get; init; }

    [JsonPropertyName("dotfilesRepository")]
    public string? DotfilesRepository { get; init; }

    /// <summary>The internal Git servers the administrator allows clones from; null for public addresses only.</summary>
    [JsonPropertyName("repositoryNetwork")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Shared.Repositories.RepositoryNetwork? RepositoryNetwork { get; init; }

    /// <summary>A presigned URL of the prebuild's archive in the object store (upload when headless, else download).</summary>
    [JsonPropertyName("prebuildArchiveUrl")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Uri? PrebuildArchiveUrl { get; init; }

    public GitCredential? GitCredential => GitPassword is null ? null : new GitCredential(GitUsername ?? "", GitPassword);

    public override string ToString() => $"WorkspaceCredentials {{ GitUsername = {GitUsername} }}";
}

/// <summary>
/// AES-256-GCM with a key shared by the web app and the controller (a Secret the chart generates and mounts in both).
/// The web app's RBAC stops at Workspace resources, so it cannot create the per-workspace Secret itself; it seals the
/// credentials into the Workspace's spec, bound to the namespace and name (a sealed value copied to another Workspace
/// does not open), and the controller opens them into the Secret the pod mounts.
/// </summary>
public sealed class SealedCredentials
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;

    public SealedCredentials(string base64Key)
    {
        if (!IsValidKey(base64Key))
        {
            throw new ArgumentException("The credential key must be 32 bytes in base64.", nameof(base64Key));
        }

        _key = Convert.FromBase64String(base64Key);
    }

    public static bool IsValidKey(string? base64Key)
    {
        if (string.IsNullOrWhiteSpace(base64Key))
        {
            return false;
        }

        var buffer = new byte[64];
        return Convert.TryFromBase64String(base64Key.Trim(), buffer, out var length) && length == 32;
    }

    public static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public string Seal(string @namespace, string name, WorkspaceCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        var plain = JsonSerializer.SerializeToUtf8Bytes(credentials, SealedJsonContext.Default.WorkspaceCredentials);
        var output = new byte[NonceSize + TagSize + plain.Length];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plain, output.AsSpan(NonceSize + TagSize), output.AsSpan(NonceSize, TagSize), Binding(@namespace, name));
        return Convert.ToBase64String(output);
    }

    /// <summary>Null when the value was not sealed for this Workspace with this key.</summary>
    public WorkspaceCredentials? Open(string @namespace, string name, string? sealedValue)
    {
        if (string.IsNullOrEmpty(sealedValue))
        {
            return null;
        }

        try
        {
            var input = Convert.FromBase64String(sealedValue);
            if (input.Length < NonceSize + TagSize)
            {
                return null;
            }

            var plain = new byte[input.Length - NonceSize - TagSize];
            using var aes = new AesGcm(_key, TagSize);
            aes.Decrypt(input.AsSpan(0, NonceSize), input.AsSpan(NonceSize + TagSize), input.AsSpan(NonceSize, TagSize), plain, Binding(@namespace, name));
            return JsonSerializer.Deserialize(plain, SealedJsonContext.Default.WorkspaceCredentials);
        }
        catch (Exception e) when (e is FormatException or CryptographicException or JsonException)
        {
            return null;
        }
    }

    private static byte[] Binding(string @namespace, string name) => Encoding.UTF8.GetBytes($"{WorkspaceResource.ApiGroup}/{@namespace}/{name}");
}

[JsonSerializable(typeof(WorkspaceCredentials))]
internal sealed partial class SealedJsonContext : JsonSerializerContext;

using Microsoft.Extensions.Options;

namespace Workspaces.Web.Hosting;

/// <summary><c>Workspaces:AllowedHosts</c>: the host names the IDE's origin answers to.</summary>
public sealed class IdeHostsOptions
{
    public const string SectionName = "Workspaces";

    /// <summary>
    /// Host names (no port), IP addresses, <c>*.domain</c> for every name under a domain, or <c>*</c> for any host. Empty:
    /// <c>localhost</c>, <c>127.0.0.1</c> and <c>::1</c>. The host of <c>Workspaces:Previews:IdeUrl</c> (or, without it, the
    /// preview domain itself, where previews send the browser back to the IDE) is always added. A request for any other
    /// host gets a 400, so a DNS name an attacker points at this server (DNS rebinding) reaches nothing.
    /// </summary>
    public IList<string> AllowedHosts { get; } = [];

    /// <summary>The defaults for a server on this machine (<c>dotnet run</c>).</summary>
    public static readonly IReadOnlyList<string> LocalHosts = ["localhost", "127.0.0.1", "::1"];
}

public sealed class IdeHostsOptionsValidator : IValidateOptions<IdeHostsOptions>
{
    public ValidateOptionsResult Validate(string? name, IdeHostsOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.AllowedHosts.Count; i++)
        {
            if (HostHeader.NormalizePattern(options.AllowedHosts[i]) is null)
            {
                failures.Add($"Workspaces:AllowedHosts:{i} must be a host name, an IP address, *.domain or * (got '{options.AllowedHosts[i]}').");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

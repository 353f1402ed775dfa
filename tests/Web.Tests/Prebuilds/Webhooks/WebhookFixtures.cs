using Microsoft.AspNetCore.Http;

namespace Workspaces.Web.Tests.Prebuilds.Webhooks;

/// <summary>Push webhooks as each host sends them: the body byte for byte and the headers, signed with <see cref="Secret"/>.</summary>
public static class WebhookFixtures
{
    public const string Secret = "fixture-webhook-secret";

    public static byte[] Body(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Prebuilds", "Webhooks", "testdata", name + ".json"));

    public static HeaderDictionary Headers(string name)
    {
        var headers = new HeaderDictionary();
        foreach (var line in File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Prebuilds", "Webhooks", "testdata", name + ".headers")))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon]] = line[(colon + 1)..].Trim();
        }

        return headers;
    }
}

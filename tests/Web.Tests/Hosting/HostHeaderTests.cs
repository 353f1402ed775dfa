using Workspaces.Web.Hosting;
using Workspaces.Web.Previews;

namespace Workspaces.Web.Tests.Hosting;

/// <summary>Host header forms, hostile and ordinary, read as a browser could have sent them.</summary>
public sealed class HostHeaderTests
{
    public static TheoryData<string, string, int?> WellFormed => new()
    {
        { "localhost", "localhost", null },
        { "localhost:5000", "localhost", 5000 },
        { "LOCALHOST:5000", "localhost", 5000 },
        { "3000-abc.LocalHost", "3000-abc.localhost", null },
        { "127.0.0.1:1", "127.0.0.1", 1 },
        { "[::1]:65535", "::1", 65535 },
        { "[0:0:0:0:0:0:0:1]", "::1", null },
        { "xn--80ak6aa92e.example", "xn--80ak6aa92e.example", null },
        { "xn--ls8h.localhost", "xn--ls8h.localhost", null },
        { "a-b.example.com:443", "a-b.example.com", 443 },
        { new string('a', 63) + ".example", new string('a', 63) + ".example", null },
    };

    public static TheoryData<string> Malformed => new()
    {
        "",
        ":5000",
        "a..localhost",
        ".localhost",
        "localhost.",
        "localhost.:5000",
        "localhost..",
        "xn--.localhost",
        "xn--a.localhost",
        "xn--zz.localhost",
        "xn--9999999999.localhost",
        "xn--3000-abc-.localhost",
        "-a.localhost",
        "a-.localhost",
        "a_b.localhost",
        "a b.localhost",
        "bücher.localhost",
        "localhost:",
        "localhost:0",
        "localhost:65536",
        "localhost:99999999",
        "localhost:-1",
        "localhost:+80",
        "localhost:8a",
        "localhost:80:80",
        "[::1",
        "[::1]x",
        "[::1]:",
        "[fe80::1%25eth0]",
        "[127.0.0.1]",
        "::1",
        "127.1",
        "127.0.0.01",
        "0x7f.0.0.1",
        "2130706433",
        "256.0.0.1",
        "example.123",
        new string('a', 64) + ".example",
        string.Join('.', Enumerable.Repeat(new string('a', 50), 6)),
        "user@localhost",
        "localhost/path",
        "localhost\\x",
        "%6cocalhost",
    };

    [Theory]
    [MemberData(nameof(WellFormed))]
    public void TryParse_WellFormedHost_GivesTheLowerCaseNameAndPort(string value, string name, int? port)
    {
        Assert.True(HostHeader.TryParse(value, out var host), value);
        Assert.Equal(name, host.Name);
        Assert.Equal(port, host.Port);
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void TryParse_MalformedHost_IsRefused(string value) =>
        Assert.False(HostHeader.TryParse(value, out _), value);

    [Theory]
    [InlineData("localhost", "localhost", true)]
    [InlineData("LOCALHOST", "localhost", true)]
    [InlineData("ide.example.com", "*.example.com", true)]
    [InlineData("example.com", "*.example.com", false)]
    [InlineData("evilexample.com", "*.example.com", false)]
    [InlineData("anything.example", "*", true)]
    [InlineData("localhost.evil.example", "localhost", false)]
    public void Matches_Pattern_ComparesWholeNamesOrSubdomains(string name, string pattern, bool expected)
    {
        Assert.True(HostHeader.TryParse(name, out var host));
        Assert.Equal(expected, host.Matches(HostHeader.NormalizePattern(pattern)!));
    }

    [Fact]
    public void IdeHosts_Defaults_AreLoopbackNamesAndTheHostPreviewsSendTheBrowserBackTo()
    {
        Assert.Equal(["localhost", "127.0.0.1", "::1"], HostGuard.IdeHosts(new IdeHostsOptions(), new PreviewOptions()));
        var configured = new IdeHostsOptions { AllowedHosts = { "IDE.example.com", "[::1]", "Bücher.example" } };
        Assert.Equal(
            ["ide.example.com", "::1", "xn--bcher-kva.example", "code.example.org"],
            HostGuard.IdeHosts(configured, new PreviewOptions { Domain = "preview.example.net", IdeUrl = new Uri("https://code.example.org/") }));
    }

    [Theory]
    [InlineData("a..example")]
    [InlineData("ide.example.com:443")]
    [InlineData("http://ide.example.com")]
    [InlineData("*evil.example")]
    public void Validator_MalformedAllowedHost_NamesTheKey(string entry)
    {
        var result = new IdeHostsOptionsValidator().Validate(null, new IdeHostsOptions { AllowedHosts = { "localhost", entry } });
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("Workspaces:AllowedHosts:1 ", StringComparison.Ordinal));
    }
}

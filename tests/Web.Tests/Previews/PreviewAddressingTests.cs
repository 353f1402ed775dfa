using Microsoft.AspNetCore.Http;
using Workspaces.Web.Previews;

namespace Workspaces.Web.Tests.Previews;

public sealed class PreviewAddressingTests
{
    [Theory]
    [InlineData("3000-my-app-k3x9q2mz.localhost", 3000, "my-app-k3x9q2mz")]
    [InlineData("8080-WS-ABCDEFGH.LOCALHOST", 8080, "ws-abcdefgh")]
    [InlineData("1-ws-abcdefgh.localhost", 1, "ws-abcdefgh")]
    [InlineData("65535-ws-abcdefgh.localhost", 65535, "ws-abcdefgh")]
    public void IsUnderDomain_PortAndWorkspace_Parsed(string host, int port, string workspaceId)
    {
        Assert.True(PreviewHost.IsUnderDomain(host, "localhost", out var preview));
        Assert.Equal(new PreviewHost(port, workspaceId), preview);
    }

    [Theory]
    [InlineData("0-ws-abcdefgh.localhost")]
    [InlineData("65536-ws-abcdefgh.localhost")]
    [InlineData("03000-ws-abcdefgh.localhost")]
    [InlineData("99999999999-ws-abcdefgh.localhost")]
    [InlineData("x-ws-abcdefgh.localhost")]
    [InlineData("3000-.localhost")]
    [InlineData("3000-ws_abc.localhost")]
    [InlineData("3000-ws-abcdefgh.evil.localhost")]
    [InlineData("-3000-ws-abcdefgh.localhost")]
    public void IsUnderDomain_MalformedLabel_UnderTheDomainButNoPreview(string host)
    {
        Assert.True(PreviewHost.IsUnderDomain(host, "localhost", out var preview));
        Assert.Null(preview);
    }

    [Theory]
    [InlineData("s8080-3-api-my-app-k3x9q2mz.localhost", 8080, "api", "my-app-k3x9q2mz")]
    [InlineData("S80-9-front-end-WS-ABCDEFGH.LOCALHOST", 80, "front-end", "ws-abcdefgh")]
    [InlineData("s1-1-a-ws-abcdefgh.localhost", 1, "a", "ws-abcdefgh")]
    [InlineData("s443-6-a--b-c-ws--x.localhost", 443, "a--b-c", "ws--x")]
    public void IsUnderDomain_ServicePortAndWorkspace_Parsed(string host, int port, string service, string workspaceId)
    {
        Assert.True(PreviewHost.IsUnderDomain(host, "localhost", out var preview));
        Assert.Equal(new PreviewHost(port, workspaceId, service), preview);
        Assert.Equal(host[..host.IndexOf('.', StringComparison.Ordinal)].ToLowerInvariant(), preview!.Value.Label);
    }

    [Theory]
    [InlineData("s0-3-api-ws-abcdefgh.localhost")]
    [InlineData("s65536-3-api-ws-abcdefgh.localhost")]
    [InlineData("s08080-3-api-ws-abcdefgh.localhost")]
    [InlineData("s8080-03-api-ws-abcdefgh.localhost")]
    [InlineData("s8080-4-api-ws-abcdefgh.localhost")]
    [InlineData("s8080-2-api-ws-abcdefgh.localhost")]
    [InlineData("s8080-3-api-.localhost")]
    [InlineData("s8080-3-api.localhost")]
    [InlineData("s8080-100-api-ws.localhost")]
    [InlineData("s8080-0--ws-abcdefgh.localhost")]
    [InlineData("s8080-3-1pi-ws-abcdefgh.localhost")]
    [InlineData("s8080-3-ap_-ws-abcdefgh.localhost")]
    [InlineData("s8080-3-ap--ws-abcdefgh.localhost")]
    [InlineData("s8080-3-api-ws_a.localhost")]
    [InlineData("s-3-api-ws-abcdefgh.localhost")]
    [InlineData("s8080--api-ws-abcdefgh.localhost")]
    [InlineData("svc-3-api-ws-abcdefgh.localhost")]
    [InlineData("s8080-3-api-ws-abcdefgh.evil.localhost")]
    [InlineData("s8080-40-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-ws-abcdefghijklmnop.localhost")]
    public void IsUnderDomain_MalformedServiceLabel_UnderTheDomainButNoPreview(string host)
    {
        Assert.True(PreviewHost.IsUnderDomain(host, "localhost", out var preview));
        Assert.Null(preview);
    }

    [Fact]
    public void Origin_ServicePort_HasItsOwnLabelThatNoWorkspacePortShares()
    {
        var service = new PreviewHost(3000, "ws-abcdefgh", "api");
        var port = new PreviewHost(3000, "ws-abcdefgh");

        Assert.Equal("http://s3000-3-api-ws-abcdefgh.localhost:5000", service.Origin(new PreviewOptions(), "http", new HostString("localhost:5000")));
        Assert.NotEqual(port.Label, service.Label);
        Assert.NotEqual(port, service);
        Assert.True(service.FitsInALabel);
        Assert.False(new PreviewHost(65535, "a-very-long-workspace-slug-k3x9q2mz", "a-long-service-name-for-the-api").FitsInALabel);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    [InlineData("3000-ws-abcdefgh.localhost.evil.example")]
    [InlineData("3000-ws-abcdefghlocalhost")]
    [InlineData("ide.example.com")]
    public void IsUnderDomain_OtherHosts_LeftToTheIde(string host)
    {
        Assert.False(PreviewHost.IsUnderDomain(host, "localhost", out _));
    }

    [Fact]
    public void Origin_LocalhostDefault_KeepsTheIdesPortAndScheme()
    {
        var preview = new PreviewHost(3000, "ws-abcdefgh");

        Assert.Equal("http://3000-ws-abcdefgh.localhost:5000", preview.Origin(new PreviewOptions(), "http", new HostString("localhost:5000")));
        Assert.Equal(
            "https://3000-ws-abcdefgh.preview.example",
            preview.Origin(new PreviewOptions { Domain = "preview.example", IdeUrl = new Uri("https://ide.example/") }, "https", new HostString("ide.example")));
        Assert.Equal("http://3000-ws-abcdefgh.preview.test:8443", preview.Origin(new PreviewOptions { Domain = "preview.test:8443" }, "http", new HostString("ide.test:5000")));
    }

    [Theory]
    [InlineData("/app?x=1", "/app?x=1")]
    [InlineData("//evil.example/", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("/a\r\nSet-Cookie: x=1", "/")]
    [InlineData("/caf\u00e9", "/")]
    [InlineData("/a b", "/")]
    public void LocalPath_ReturnAfterSignIn_OnlyPathsOnThisOrigin(string path, string expected)
    {
        Assert.Equal(expected, PreviewProxy.LocalPath(path));
    }

    [Fact]
    public void Validator_BadValues_NameTheKey()
    {
        var result = new PreviewOptionsValidator().Validate(null, new PreviewOptions
        {
            Domain = "*.example.com",
            IdeUrl = new Uri("ftp://ide.example/"),
            TicketLifetime = TimeSpan.FromHours(1),
        });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("Workspaces:Previews:Domain", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Workspaces:Previews:IdeUrl", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Workspaces:Previews:TicketLifetime", StringComparison.Ordinal));
        Assert.True(new PreviewOptionsValidator().Validate(null, new PreviewOptions()).Succeeded);
    }
}

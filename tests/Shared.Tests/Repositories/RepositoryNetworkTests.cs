using System.Net;
using Workspaces.Shared.Repositories;

namespace Workspaces.Shared.Tests.Repositories;

/// <summary>The address rule clones connect under, over the ranges SSRF write-ups name, IPv4 and IPv6 alike.</summary>
public sealed class RepositoryNetworkTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.255.254")]
    [InlineData("0.0.0.0")]
    [InlineData("0.1.2.3")]
    [InlineData("10.0.0.1")]
    [InlineData("10.255.255.255")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("100.64.0.1")]
    [InlineData("100.127.255.255")]
    [InlineData("169.254.169.254")]
    [InlineData("169.254.170.2")]
    [InlineData("192.0.0.192")]
    [InlineData("192.0.2.1")]
    [InlineData("198.18.0.1")]
    [InlineData("198.51.100.7")]
    [InlineData("203.0.113.9")]
    [InlineData("192.88.99.1")]
    [InlineData("224.0.0.251")]
    [InlineData("239.255.255.250")]
    [InlineData("240.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:10.1.2.3")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("::127.0.0.1")]
    [InlineData("::8.8.8.8")]
    [InlineData("64:ff9b::127.0.0.1")]
    [InlineData("64:ff9b::a9fe:a9fe")]
    [InlineData("64:ff9b::c0a8:101")]
    [InlineData("64:ff9b:1::1")]
    [InlineData("2002:7f00:1::")]
    [InlineData("2002:a9fe:a9fe::1")]
    [InlineData("2002:c0a8:101::1")]
    [InlineData("fc00::1")]
    [InlineData("fd00:ec2::254")]
    [InlineData("fd12:3456:789a::1")]
    [InlineData("fe80::1")]
    [InlineData("fe80::1%1")]
    [InlineData("fec0::1")]
    [InlineData("ff02::1")]
    [InlineData("ff05::2")]
    [InlineData("100::1")]
    [InlineData("2001::1")]
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2")]
    [InlineData("2001:10::1")]
    [InlineData("2001:db8::1")]
    [InlineData("3fff::1")]
    public void IsPublic_InternalAddress_False(string text) =>
        Assert.False(RepositoryNetwork.IsPublic(IPAddress.Parse(text)), text);

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("140.82.112.3")]
    [InlineData("1.1.1.1")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.1")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.1")]
    [InlineData("169.253.1.1")]
    [InlineData("11.0.0.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("2a00:1450:4001:82a::200e")]
    [InlineData("2001:4860:4860::8888")]
    [InlineData("64:ff9b::808:808")]
    [InlineData("2002:808:808::1")]
    [InlineData("::ffff:140.82.112.3")]
    public void IsPublic_PublicAddress_True(string text) =>
        Assert.True(RepositoryNetwork.IsPublic(IPAddress.Parse(text)), text);

    /// <summary>The numeric notations inet_aton and URL parsers accept for 127.0.0.1: all land on an internal address.</summary>
    [Theory]
    [InlineData("2130706433")]
    [InlineData("0x7f000001")]
    [InlineData("0x7f.1")]
    [InlineData("0177.0.0.1")]
    [InlineData("0177.1")]
    [InlineData("127.1")]
    [InlineData("127.0.1")]
    [InlineData("017700000001")]
    public void IsPublic_NumericNotationsOfLoopback_False(string text)
    {
        Assert.True(IPAddress.TryParse(text, out var address), text);
        Assert.False(RepositoryNetwork.IsPublic(address));
    }

    [Fact]
    public void Allows_AllowedNetwork_AdmitsItsAddressesOnly()
    {
        var network = new RepositoryNetwork([], ["10.20.0.0/16", "fd12:3456::/32"]);

        Assert.True(network.Allows("git.corp", IPAddress.Parse("10.20.3.4")));
        Assert.True(network.Allows("git.corp", IPAddress.Parse("::ffff:10.20.3.4")));
        Assert.True(network.Allows("git.corp", IPAddress.Parse("fd12:3456::9")));
        Assert.False(network.Allows("git.corp", IPAddress.Parse("10.21.0.1")));
        Assert.False(network.Allows("git.corp", IPAddress.Parse("127.0.0.1")));
        Assert.False(network.Allows("git.corp", IPAddress.Parse("169.254.169.254")));
    }

    [Fact]
    public void Allows_AllowedHost_AdmitsThatNameInAnyCaseOrWithATrailingDot()
    {
        var network = new RepositoryNetwork(["git.corp.example"], []);

        Assert.True(network.Allows("GIT.corp.example.", IPAddress.Parse("10.1.1.1")));
        Assert.False(network.Allows("evil.example", IPAddress.Parse("10.1.1.1")));
        Assert.False(network.Allows("git.corp.example.evil.example", IPAddress.Parse("10.1.1.1")));
    }

    [Theory]
    [InlineData("https://git.corp.example", "10.0.0.0/8")]
    [InlineData("git.corp.example:8443", "10.0.0.0/8")]
    [InlineData("git.corp.example", "10.0.0.0/33")]
    [InlineData("git.corp.example", "git.corp.example")]
    [InlineData("", "10.0.0.0/8")]
    public void Problem_MalformedEntry_Named(string host, string network) =>
        Assert.NotNull(RepositoryNetwork.Problem([host], [network]));

    [Fact]
    public void Problem_WellFormedEntries_None() =>
        Assert.Null(RepositoryNetwork.Problem(["git.corp.example", "gitlab.internal."], ["10.20.0.0/16", "fd12:3456::/48", "127.0.0.0/8"]));
}

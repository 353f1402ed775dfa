using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Workspaces.Web.Hosting;
using Workspaces.Web.Previews;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Previews;

/// <summary>Cookie names and Set-Cookie spellings as browsers read them, against the names the running app configures.</summary>
public sealed class PreviewCookiesTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private IdeCookies Ide => fixture.App.Services.GetRequiredService<IdeCookies>();

    private string Antiforgery => fixture.App.Services.GetRequiredService<IOptions<AntiforgeryOptions>>().Value.Cookie.Name!;

    /// <summary>{af} is the app's antiforgery cookie name.</summary>
    public static TheoryData<string> IdeCookieNames => new()
    {
        "__Host-workspaces-session",
        "__host-workspaces-session",
        "__HOST-WORKSPACES-SESSION",
        "__Host-workspaces-sessionC1",
        "__Host-workspaces-sessionC2",
        "__Host-workspaces-sessionc12",
        "workspaces-session",
        "__Secure-workspaces-session",
        "__Secure-__Host-workspaces-session",
        "{af}",
        "{AF}",
        "__Host-{af}",
        "{af}C1",
        "workspaces-preview-owner",
        "Workspaces-Preview-Link",
        "__Secure-workspaces-preview-owner",
    };

    public static TheoryData<string> AppCookieNames => new()
    {
        "app",
        "session",
        "workspaces",
        "workspaces-sessio",
        "__Host-app",
        ".AspNetCore.Antiforgery.SomeOtherApp",
    };

    public static TheoryData<string> DomainSpellings => new()
    {
        "a=1; Domain=localhost",
        "a=1; domain=localhost",
        "a=1;domain=localhost",
        "a=1; Domain = localhost",
        "a=1; DOMAIN=.localhost",
        "a=1; \tdomain\t=\tlocalhost",
        "a=1; Domain",
        "a=1; Domain=",
        "a=1; Path=/; Domain=localhost; HttpOnly",
        "a=1; domain=localhost; Domain=other.localhost",
        "a=1; Secure; dOmAiN  =localhost; SameSite=None",
    };

    public static TheoryData<string> IdeSetCookies => new()
    {
        "__Host-workspaces-session=x; Path=/; Secure",
        "__host-workspaces-session=x",
        "workspaces-sessionC1=x; Path=/",
        " __Secure-workspaces-session =x",
        "=__Host-workspaces-session=x",
        "__Host-workspaces-session",
        "{af}=planted; Path=/; Domain=localhost",
        "{AF}=planted",
        "workspaces-preview-owner=evil; Path=/",
    };

    [Theory]
    [MemberData(nameof(IdeCookieNames))]
    public void Forwarded_AnIdeCookieInAnySpelling_IsNotSent(string name)
    {
        var cookie = Expand(name);
        Assert.Equal("app=mine", PreviewCookies.Forwarded(new StringValues([$"{cookie}=secret; app=mine", $"{cookie}=again"]), Ide));
        Assert.Null(PreviewCookies.Forwarded(new StringValues($"{cookie}=secret"), Ide));
    }

    [Theory]
    [MemberData(nameof(AppCookieNames))]
    public void Forwarded_TheAppsOwnCookies_AreSentAsTheyCame(string name) =>
        Assert.Equal($"{name}=1; other=2", PreviewCookies.Forwarded(new StringValues($"{name}=1;other=2"), Ide));

    [Theory]
    [MemberData(nameof(DomainSpellings))]
    public void Rewritten_DomainAttributeInAnySpelling_IsDropped(string setCookie)
    {
        var rewritten = PreviewCookies.Rewritten(setCookie, Ide);
        Assert.NotNull(rewritten);
        Assert.StartsWith("a=1", rewritten, StringComparison.Ordinal);
        // As a browser splits attributes: no attribute is named Domain any more.
        Assert.DoesNotContain(rewritten.Split(';').Skip(1), a => a.Split('=', 2)[0].Trim().Equals("domain", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [MemberData(nameof(IdeSetCookies))]
    public void Rewritten_ACookieNamedLikeTheIdes_IsDropped(string setCookie) =>
        Assert.Null(PreviewCookies.Rewritten(Expand(setCookie), Ide));

    [Fact]
    public void Names_ComeFromTheConfiguredOptions()
    {
        Assert.Contains("workspaces-session", Ide.Names);
        Assert.Contains(Antiforgery, Ide.Names);
        Assert.Contains(PreviewGrants.OwnerCookie, Ide.Names);
        Assert.Contains(PreviewGrants.ShareCookie, Ide.Names);
        Assert.Contains("Identity.External", Ide.Names);
        Assert.Contains("Identity.TwoFactorUserId", Ide.Names);
    }

    [Fact]
    public void Forwarded_EveryConfiguredNameChunkedOrPrefixed_IsNotSent()
    {
        foreach (var name in Ide.Names)
        {
            foreach (var variant in new[] { name, name + "C1", name + "C2", "__Host-" + name, "__Secure-" + name.ToUpperInvariant() })
            {
                Assert.True(PreviewCookies.Forwarded(new StringValues($"{variant}=x; app=mine"), Ide) == "app=mine", variant);
                Assert.True(PreviewCookies.Rewritten($"{variant}=x; Path=/", Ide) is null, variant);
            }
        }
    }

    private string Expand(string text) => text
        .Replace("{af}", Antiforgery, StringComparison.Ordinal)
        .Replace("{AF}", Antiforgery.ToUpperInvariant(), StringComparison.Ordinal);
}

using System.Net;
using System.Text.RegularExpressions;

namespace Workspaces.Web.Tests.Infrastructure;

/// <summary>
/// Signs in through the login form as a browser does (antiforgery token and all) and keeps the cookies by hand: the
/// session cookie is <c>__Host-</c> and Secure, which <see cref="CookieContainer"/> would not send over plain http.
/// </summary>
public sealed partial class BrowserSession
{
    private readonly Dictionary<string, string> _cookies = new(StringComparer.Ordinal);

    private BrowserSession()
    {
    }

    public const string SessionCookieName = "__Host-workspaces-session";

    public bool HasSessionCookie => _cookies.ContainsKey(SessionCookieName);

    /// <summary>The Cookie header this browser sends.</summary>
    public string CookieHeader => string.Join("; ", _cookies.Select(c => $"{c.Key}={c.Value}"));

    /// <summary>Another browser holding a copy of this one's cookies (a stolen or copied cookie).</summary>
    public BrowserSession Copy()
    {
        var copy = new BrowserSession();
        foreach (var (name, value) in _cookies)
        {
            copy._cookies[name] = value;
        }

        return copy;
    }

    /// <summary>A browser with no cookies yet.</summary>
    public static BrowserSession Anonymous() => new();

    public static async Task<BrowserSession> SignInAsync(TestApp app, string email, string password)
    {
        var session = new BrowserSession();
        using var client = app.CreateHttpClient();
        using var page = await session.SendAsync(client, new HttpRequestMessage(HttpMethod.Get, "/account/login"));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        var fields = HiddenInput().Matches(html).ToDictionary(m => WebUtility.HtmlDecode(m.Groups["name"].Value), m => WebUtility.HtmlDecode(m.Groups["value"].Value));
        Assert.True(fields.ContainsKey("__RequestVerificationToken"), "the login form carries an antiforgery token");

        fields["Input.Email"] = email;
        fields["Input.Password"] = password;
        using var post = new HttpRequestMessage(HttpMethod.Post, "/account/login") { Content = new FormUrlEncodedContent(fields) };
        post.Headers.Add("Origin", app.BaseAddress.GetLeftPart(UriPartial.Authority));
        using var signedIn = await session.SendAsync(client, post);
        Assert.True(
            session.HasSessionCookie,
            $"signing in sets {SessionCookieName}; the form answered {(int)signedIn.StatusCode}: {await signedIn.Content.ReadAsStringAsync()}");
        return session;
    }

    /// <summary>Sends with this session's cookies and keeps the cookies the answer sets.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpRequestMessage request)
    {
        if (_cookies.Count > 0)
        {
            request.Headers.Add("Cookie", CookieHeader);
        }

        var response = await client.SendAsync(request);
        if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
        {
            foreach (var header in setCookies)
            {
                var pair = header.Split(';', 2)[0];
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                _cookies[pair[..equals].Trim()] = pair[(equals + 1)..].Trim();
            }
        }

        return response;
    }

    [GeneratedRegex("""<input type="hidden" name="(?<name>[^"]+)" value="(?<value>[^"]*)"\s*/?>""")]
    private static partial Regex HiddenInput();
}

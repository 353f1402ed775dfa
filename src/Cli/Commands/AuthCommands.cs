using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Workspaces.Cli.Api;
using Workspaces.Cli.Configuration;

namespace Workspaces.Cli.Commands;

/// <summary><c>login</c> (approval in the browser, or <c>--token</c>), <c>logout</c> (revokes the token) and <c>whoami</c>.</summary>
public static class AuthCommands
{
    public static Command Login(GlobalOptions globals)
    {
        var url = new Argument<string>("url") { Description = "The server, e.g. https://workspaces.example.com" };
        var noBrowser = new Option<bool>("--no-browser") { Description = "Print the approval link instead of opening a browser" };
        var login = new Command("login", "Sign in: approve this CLI in the browser (or pass --token for CI); the token is stored for later commands") { url, noBrowser };
        login.SetAction((parse, ct) =>
        {
            var context = globals.For(parse);
            return Runner.RunAsync(context, token => LoginAsync(context, parse.GetValue(url)!, parse.GetValue(noBrowser), token), ct);
        });
        return login;
    }

    public static Command Logout(GlobalOptions globals)
    {
        var logout = new Command("logout", "Revoke the stored token on the server and forget it here");
        logout.SetAction((parse, ct) =>
        {
            var context = globals.For(parse);
            return Runner.RunAsync(context, token => LogoutAsync(context, token), ct);
        });
        return logout;
    }

    public static Command WhoAmI(GlobalOptions globals)
    {
        var whoami = new Command("whoami", "Who the token signs in as, on which server");
        whoami.SetAction((parse, ct) =>
        {
            var context = globals.For(parse);
            return Runner.RunAsync(context, async token =>
            {
                using var server = context.Connect();
                var me = await server.GetAsync("/api/me", token);
                me["server"] = server.BaseUrl.AbsoluteUri;
                context.Print(me, () => $"{me["email"]?.GetValue<string>()} on {server.BaseUrl}");
                return ExitCodes.Ok;
            }, ct);
        });
        return whoami;
    }

    private static async Task<int> LoginAsync(CliContext context, string urlText, bool noBrowser, CancellationToken cancellationToken)
    {
        var url = ServerConnection.ParseUrl(urlText);
        var given = context.Token ?? Environment.GetEnvironmentVariable("WORKSPACES_TOKEN");
        StoredLogin login;
        if (given is not null)
        {
            using var server = new ServerConnection(url, given);
            var me = await server.GetAsync("/api/me", cancellationToken);
            login = new StoredLogin(url.AbsoluteUri, given, null, me["email"]?.GetValue<string>());
        }
        else
        {
            login = await ApproveInBrowserAsync(context, url, noBrowser, cancellationToken);
        }

        context.Settings.WriteLogin(login);
        context.Print(
            new JsonObject { ["server"] = login.Url, ["email"] = login.Email, ["tokenId"] = login.TokenId },
            () => $"Signed in to {login.Url} as {login.Email}. The token is in {context.Settings.LoginFile}.");
        return ExitCodes.Ok;
    }

    /// <summary>Device-code style: the server gives a code and a page; the user approves there; the CLI polls for the token.</summary>
    private static async Task<StoredLogin> ApproveInBrowserAsync(CliContext context, Uri url, bool noBrowser, CancellationToken cancellationToken)
    {
        using var anonymous = new ServerConnection(url, token: null);
        var started = await anonymous.PostAsync("/api/cli/logins", new JsonObject { ["clientName"] = $"workspaces CLI on {Environment.MachineName}" }, cancellationToken);
        var approveUrl = started["approveUrl"]!.GetValue<string>();
        var code = started["code"]!.GetValue<string>();
        var pollToken = started["pollToken"]!.GetValue<string>();
        var interval = TimeSpan.FromSeconds(Math.Clamp(started["intervalSeconds"]?.GetValue<int>() ?? 1, 1, 10));
        context.Error.WriteLine($"Approve this sign-in in your browser: {approveUrl}\nThe page shows the code {code}: check that it is the same.");
        if (!noBrowser)
        {
            OpenBrowser(approveUrl);
        }

        while (true)
        {
            await Task.Delay(interval, cancellationToken);
            var answer = await anonymous.PostAsync("/api/cli/logins/poll", new JsonObject { ["pollToken"] = pollToken }, cancellationToken);
            switch (answer["status"]?.GetValue<string>())
            {
                case "approved":
                    return new StoredLogin(url.AbsoluteUri, answer["token"]!.GetValue<string>(), answer["tokenId"]?.GetValue<string>(), answer["email"]?.GetValue<string>());
                case "denied":
                    throw new CliException(ExitCodes.Cancelled, "The sign-in was denied in the browser. Run `workspaces login` again to retry.");
                case "expired":
                    throw new CliException(ExitCodes.Cancelled, "The sign-in was not approved in time. Run `workspaces login` again.");
                default:
                    continue;
            }
        }
    }

    private static async Task<int> LogoutAsync(CliContext context, CancellationToken cancellationToken)
    {
        var stored = context.Settings.ReadLogin();
        using (var server = context.Connect())
        {
            try
            {
                await server.DeleteAsync("/api/auth/token", cancellationToken);
            }
            catch (CliException e) when (e.ExitCode == ExitCodes.NotSignedIn)
            {
                // Revoked or expired already: forgetting it is all that is left to do.
            }
        }

        if (stored is not null)
        {
            context.Settings.DeleteLogin();
        }

        context.Print(new JsonObject { ["revoked"] = true }, () => "Signed out: the token is revoked on the server and forgotten here.");
        return ExitCodes.Ok;
    }

    /// <summary>The desktop's browser (xdg-open, open); where there is none the printed link is enough.</summary>
    public static void OpenBrowser(string url)
    {
        var opener = OperatingSystem.IsMacOS() ? "open" : "xdg-open";
        try
        {
            using var process = Process.Start(new ProcessStartInfo(opener, [url]) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true });
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No opener here (a server, a container): the link was printed.
        }
    }
}

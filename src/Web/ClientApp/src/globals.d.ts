// What the page gives the modules outside their imports: wwwroot/app.js, loaded by App.razor before any of them.
interface Window {
  workspaces: {
    copy(text: string): Promise<boolean>;
    click(selector: string): void;
    output(channel: string, text: string): void;
    outputBacklog: { channel: string; text: string }[];
    openPreview(url: string): void;
  };
}

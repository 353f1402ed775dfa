// The Output panel: channels of text. The workspace page (events, start timings) and other modules (language servers)
// add lines with a `workspaces:output` event ({ channel, text }); app.js keeps those sent before this panel existed.
import { el } from '../editor/util.js';

const MAX_LINES = 5000;

export class OutputPanel {
  constructor(host) {
    this.channels = new Map();
    this.select = el('select', { class: 'output-channel', 'aria-label': 'Output channel' });
    this.select.addEventListener('change', () => this.render());
    this.text = el('pre', { class: 'output-text', tabindex: '0', role: 'log', 'aria-label': 'Output' });
    host.append(el('div', { class: 'output-bar' }, this.select), this.text);
    this.onOutput = (e) => this.append(e.detail?.channel, e.detail?.text);
    for (const entry of window.workspaces?.outputBacklog ?? []) this.append(entry.channel, entry.text);
    window.addEventListener('workspaces:output', this.onOutput);
  }

  append(channel, text) {
    if (!channel || typeof text !== 'string') return;
    let lines = this.channels.get(channel);
    if (!lines) {
      lines = [];
      this.channels.set(channel, lines);
      this.select.append(el('option', { value: channel }, channel));
    }
    lines.push(...text.replace(/\n$/, '').split('\n'));
    if (lines.length > MAX_LINES) lines.splice(0, lines.length - MAX_LINES);
    if (this.select.value === channel) this.render();
  }

  show(channel) {
    if (this.channels.has(channel)) this.select.value = channel;
    this.render();
  }

  render() {
    const atEnd = this.text.scrollTop + this.text.clientHeight >= this.text.scrollHeight - 4;
    this.text.textContent = (this.channels.get(this.select.value) ?? []).join('\n');
    if (atEnd) this.text.scrollTop = this.text.scrollHeight;
  }

  dispose() {
    window.removeEventListener('workspaces:output', this.onOutput);
  }
}

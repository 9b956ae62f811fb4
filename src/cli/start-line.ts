// The line a person reads when `parley serve` starts in a terminal: where to open the app. Logs
// stay pino JSON for machines; this line is written only when stdout is a terminal, so piped or
// collected output is unchanged.

/** "Parley is running: open http://localhost:8080 (WebSocket at ws://localhost:8080/ws; Ctrl+C stops it)" */
export function startLine(url: string, workers = 1): string {
  const processes = workers > 1 ? ` on ${workers} workers` : '';
  return `Parley is running${processes}: open ${url} (WebSocket at ${url.replace(/^http/, 'ws')}/ws; Ctrl+C stops it)`;
}

/** Writes the start line when stdout is a terminal. */
export function announceStart(url: string, workers = 1, out: NodeJS.WriteStream = process.stdout): void {
  if (out.isTTY === true) out.write(`${startLine(url, workers)}\n`);
}

/** The URL people open for a server listening on `host:port` (an any-address host is this machine). */
export function shownUrl(host: string, port: number, tls: boolean): string {
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `${tls ? 'https' : 'http'}://${shownHost}:${port}`;
}

/** The server's HTTP base for its WebSocket URL (wss://chat.example/ws -> https://chat.example): uploads go there, file URLs are relative to it. */
export function httpBase(wsUrl: string): string {
  try {
    const url = new URL(wsUrl, location.href);
    return `${url.protocol === 'wss:' || url.protocol === 'https:' ? 'https:' : 'http:'}//${url.host}`;
  } catch {
    return '';
  }
}

import type { ListenConfig } from './config.js';

/**
 * "host:port", "[v6]:port" or "unix:/absolute/path": the one spelling used in the config file, in
 * COWSNAP_LISTEN and in messages. Returns a problem sentence instead of throwing so the loader can list it.
 */
export function parseListenAddress(text: string): ListenConfig | string {
  if (text.startsWith('unix:')) {
    const socket = text.slice('unix:'.length);
    return socket.startsWith('/') ? { socket } : `"${text}": a unix socket path must be absolute (unix:/run/cowsnap.sock)`;
  }
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(text);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
    return `"${text}" is not an address: use host:port (127.0.0.1:7878, [::1]:7878) or unix:/path/to.sock`;
  }
  return { host, port };
}

export function formatListenAddress(listen: ListenConfig): string {
  if ('socket' in listen) return `unix:${listen.socket}`;
  return listen.host.includes(':') ? `[${listen.host}]:${listen.port}` : `${listen.host}:${listen.port}`;
}

/** The base URL a client uses to reach a service listening there; a wildcard host is reached on loopback. */
export function listenUrl(listen: ListenConfig): string {
  if ('socket' in listen) return `unix:${listen.socket}`;
  const host = listen.host === '0.0.0.0' ? '127.0.0.1' : listen.host === '::' ? '::1' : listen.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${listen.port}`;
}

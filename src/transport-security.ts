/**
 * Where the service may speak plain `http://`: to itself only. The LLM request carries the
 * de-identified findings and notes, and Langfuse holds the prompts and (with tracing) every
 * generation; over the network they must travel under TLS. A server on loopback (Ollama, vLLM or
 * llama.cpp beside the service, a local Langfuse, the tests' servers) never leaves the machine.
 */
import { isIP } from 'node:net';

/** True for `https:` URLs, and for `http:` ones whose host is this machine. */
export function isTlsOrLoopbackUrl(value: string): boolean {
  const url = URL.parse(value);
  if (!url) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && isLoopbackHost(url.hostname);
}

/** `localhost`, 127.0.0.0/8 and `[::1]`: the names that cannot leave the machine. */
function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

export const plainHttpRefused =
  'must be https:// (plain http:// only to a server on this machine: localhost, 127.0.0.1 or [::1])';

/** The configured allow-list of webhook hosts: exact names or `*.example.com` (subdomains only); empty = any. */
export function hostAllowed(allowed: readonly string[], url: URL): boolean {
  if (allowed.length === 0) return true;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return allowed.some((entry) => {
    const pattern = entry.toLowerCase();
    return pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1 : host === pattern.replace(/^\[|\]$/g, '');
  });
}

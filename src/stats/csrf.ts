// Cross-site protection for the admin POST. Browsers always say where a POST comes from
// (Origin, or Referer, or Sec-Fetch-Site); scripts like curl send none of these and are let
// through, since they must already pass Basic auth and the `stats admin` condition.

import type { AppletRequest } from '../proxy/applet.js';

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return undefined;
  }
}

export function crossSite(req: AppletRequest): boolean {
  const site = req.header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  const host = req.header('host')?.toLowerCase();
  const origin = req.header('origin');
  if (origin !== undefined) return origin === 'null' || hostOf(origin) !== host;
  const referer = req.header('referer');
  if (referer !== undefined) return hostOf(referer) !== host;
  return false;
}

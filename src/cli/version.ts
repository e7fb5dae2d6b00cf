// One version string for -v, -vv, `show info` and the stats page. It reads as HAProxy 2.6
// because tools (VTest's run-regtests.sh, hatop) take the third word of
// `HAProxy version X` and compare it with 2.x numbers.
import { release, machine } from 'node:os';

export const SWITCHYARD_VERSION = '0.1.0';
export const VERSION = `2.6.12-switchyard-${SWITCHYARD_VERSION}`;
export const RELEASE_DATE = '2026/11/26';

/** What `feature(<name>)` in `-cc` / `.if` conditions answers true for. */
export const FEATURES: readonly string[] = ['GETADDRINFO', 'THREAD', 'PROMEX', 'CRYPT_H', 'LIBCRYPT'];

export function versionText(level: 1 | 2): string {
  const lines = [
    `HAProxy version ${VERSION} ${RELEASE_DATE} - https://github.com/switchyard/switchyard`,
    `Switchyard ${SWITCHYARD_VERSION}: a load balancer in TypeScript speaking HAProxy 2.6's configuration language.`,
    `Running on: Node.js ${process.version} ${process.platform} ${release()} ${machine()}`,
  ];
  if (level === 2) {
    lines.push(
      'Build options :',
      '  TARGET  = node',
      `  OPTIONS = ${FEATURES.map((f) => `USE_${f}=1`).join(' ')}`,
      '',
      `Feature list : ${FEATURES.map((f) => `+${f}`).join(' ')} -OPENSSL -LUA -PCRE2 -ZLIB -SLZ -QUIC`,
      '',
      'Default settings :',
      '  bufsize = 16384, maxrewrite = 1024, maxpollevents = 200',
      '',
      'Encrypted password support via crypt(3): yes',
      '',
      'Available services : prometheus-exporter',
      'Available filters : none',
    );
  }
  return lines.join('\n') + '\n';
}

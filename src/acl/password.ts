// Userlist passwords: `insecure-password` compares plainly; `password` holds a crypt(3)
// string. SHA-crypt ($5$ / $6$, the usual `mkpasswd` output) is computed here with
// node:crypto; other hash schemes never match.
import { createRequire } from 'node:module';

// node:crypto (and OpenSSL's start-up) is loaded at the first password check, so a data-plane
// process whose config never checks one does not carry it.
let crypto: typeof import('node:crypto') | undefined;
const nodeCrypto = (): typeof import('node:crypto') => (crypto ??= createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto'));
const createHash = (algo: string) => nodeCrypto().createHash(algo);
const timingSafeEqual = (a: Buffer, b: Buffer) => nodeCrypto().timingSafeEqual(a, b);

const ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

const ORDER_512: number[][] = [
  [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48], [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10],
  [53, 11, 32], [12, 33, 54], [34, 55, 13], [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41],
];
const ORDER_256: number[][] = [[0, 10, 20], [21, 1, 11], [12, 22, 2], [3, 13, 23], [24, 4, 14], [15, 25, 5], [6, 16, 26], [27, 7, 17], [18, 28, 8], [9, 19, 29]];

function encode24(b2: number, b1: number, b0: number, n: number): string {
  let w = (b2 << 16) | (b1 << 8) | b0;
  let s = '';
  for (let i = 0; i < n; i++) {
    s += ALPHABET[w & 0x3f];
    w >>= 6;
  }
  return s;
}

function repeatTo(block: Buffer, len: number): Buffer {
  const out = Buffer.alloc(len);
  for (let i = 0; i < len; i++) out[i] = block[i % block.length];
  return out;
}

/** crypt(3) SHA-256/SHA-512 scheme: `$5$` or `$6$`, optional `rounds=N$`, salt, hash. */
export function shaCrypt(password: string, setting: string): string | undefined {
  const m = /^\$([56])\$(rounds=(\d+)\$)?([^$]{0,16})/.exec(setting);
  if (!m) return undefined;
  const algo = m[1] === '5' ? 'sha256' : 'sha512';
  const size = algo === 'sha256' ? 32 : 64;
  const rounds = m[3] !== undefined ? Math.min(999_999_999, Math.max(1000, Number(m[3]))) : 5000;
  const P = Buffer.from(password, 'utf8');
  const S = Buffer.from(m[4], 'utf8');
  const H = (...parts: Buffer[]) => {
    const h = createHash(algo);
    for (const p of parts) h.update(p);
    return h.digest();
  };
  const B = H(P, S, P);
  const a = createHash(algo).update(P).update(S).update(repeatTo(B, P.length));
  for (let n = P.length; n > 0; n >>= 1) a.update(n & 1 ? B : P);
  let C = a.digest();
  const dp = createHash(algo);
  for (let i = 0; i < P.length; i++) dp.update(P);
  const Pp = repeatTo(dp.digest(), P.length);
  const ds = createHash(algo);
  for (let i = 0; i < 16 + C[0]; i++) ds.update(S);
  const Sp = repeatTo(ds.digest(), S.length);
  for (let i = 0; i < rounds; i++) {
    const h = createHash(algo);
    h.update(i & 1 ? Pp : C);
    if (i % 3) h.update(Sp);
    if (i % 7) h.update(Pp);
    h.update(i & 1 ? C : Pp);
    C = h.digest();
  }
  let out = '';
  if (size === 64) {
    for (const [x, y, z] of ORDER_512) out += encode24(C[x], C[y], C[z], 4);
    out += encode24(0, 0, C[63], 2);
  } else {
    for (const [x, y, z] of ORDER_256) out += encode24(C[x], C[y], C[z], 4);
    out += encode24(0, C[31], C[30], 3);
  }
  return `$${m[1]}$${m[2] ?? ''}${m[4]}$${out}`;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function checkPassword(given: string, stored: string, insecure: boolean): boolean {
  if (insecure) return sameText(given, stored);
  const computed = shaCrypt(given, stored);
  return computed !== undefined && sameText(computed, stored);
}

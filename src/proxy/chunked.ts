// Tracks where a chunked body ends while its bytes pass through unchanged: a small state
// machine fed with each received buffer, no copies, no allocation.

const SIZE = 0, EXT = 1, SIZE_LF = 2, DATA = 3, DATA_CR = 4, DATA_LF = 5, TRAILER_START = 6, TRAILER = 7, TRAILER_LF = 8, END_LF = 9, DONE = 10, SIZE_WS = 11, TRAILER_NAME = 12;

// RFC 9110 tchar: a trailer field name is a token, as in a head.
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TCHAR[c.charCodeAt(0)] = 1;

/** A control byte other than HTAB: never valid in an extension or a field value. */
function isCtl(c: number): boolean {
  return (c < 0x20 && c !== 0x09) || c === 0x7f;
}

export class ChunkedScanner {
  private state = SIZE;
  private remaining = 0;
  private digits = 0;

  reset(): void {
    this.state = SIZE;
    this.remaining = 0;
    this.digits = 0;
  }

  get done(): boolean {
    return this.state === DONE;
  }

  /** Consume buf[from..to); returns the index just past the body's end, `to` if it goes on, or -1 on a framing error. */
  scan(buf: Buffer, from: number, to: number): number {
    let i = from;
    while (i < to) {
      const c = buf[i]!;
      switch (this.state) {
        case SIZE: {
          const v = hexValue(c);
          if (v >= 0) {
            if (++this.digits > 12) return -1;
            this.remaining = this.remaining * 16 + v;
          } else if (this.digits === 0) return -1;
          else if (c === 0x0d) this.state = SIZE_LF;
          else if (c === 0x3b) this.state = EXT;
          else if (c === 0x20 || c === 0x09) this.state = SIZE_WS;
          else return -1;
          i++;
          break;
        }
        // After the size only blanks, then an extension or the line's end (as HAProxy).
        case SIZE_WS:
          if (c === 0x0d) this.state = SIZE_LF;
          else if (c === 0x3b) this.state = EXT;
          else if (c !== 0x20 && c !== 0x09) return -1;
          i++;
          break;
        case EXT:
          if (c === 0x0d) this.state = SIZE_LF;
          else if (isCtl(c)) return -1;
          i++;
          break;
        case SIZE_LF:
          if (c !== 0x0a) return -1;
          this.digits = 0;
          this.state = this.remaining === 0 ? TRAILER_START : DATA;
          i++;
          break;
        case DATA: {
          const n = Math.min(this.remaining, to - i);
          this.remaining -= n;
          i += n;
          if (this.remaining === 0) this.state = DATA_CR;
          break;
        }
        case DATA_CR:
          if (c !== 0x0d) return -1;
          this.state = DATA_LF;
          i++;
          break;
        case DATA_LF:
          if (c !== 0x0a) return -1;
          this.state = SIZE;
          i++;
          break;
        // Trailers are fields: a token name, a colon, a value without CTLs; a bare LF or an
        // obs-fold there could end the message early for the next hop.
        case TRAILER_START:
          if (c === 0x0d) this.state = END_LF;
          else if (c < 128 && TCHAR[c] === 1) this.state = TRAILER_NAME;
          else return -1;
          i++;
          break;
        case TRAILER_NAME:
          if (c === 0x3a) this.state = TRAILER;
          else if (c >= 128 || TCHAR[c] === 0) return -1;
          i++;
          break;
        case TRAILER:
          if (c === 0x0d) this.state = TRAILER_LF;
          else if (isCtl(c)) return -1;
          i++;
          break;
        case TRAILER_LF:
          if (c !== 0x0a) return -1;
          this.state = TRAILER_START;
          i++;
          break;
        case END_LF:
          if (c !== 0x0a) return -1;
          this.state = DONE;
          return i + 1;
        default:
          return i;
      }
    }
    return i;
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

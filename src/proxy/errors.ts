// HAProxy's built-in error responses, byte for byte as 2.6 sends them (status line, the three
// headers, an HTML body), each prebuilt once as a Buffer so an error costs one write.

const MESSAGES: Record<number, [string, string]> = {
  400: ['Bad request', 'Your browser sent an invalid request.'],
  403: ['Forbidden', 'Request forbidden by administrative rules.'],
  408: ['Request Time-out', "Your browser didn't send a complete request in time."],
  414: ['Request-URI Too Long', 'The request URL is too long.'],
  422: ['Unprocessable Content', 'The server cannot process the contained instructions.'],
  431: ['Request Header Fields Too Large', 'The request header fields are too large.'],
  500: ['Internal Server Error', 'An internal server error occurred.'],
  502: ['Bad Gateway', 'The server returned an invalid or incomplete response.'],
  503: ['Service Unavailable', 'No server is available to handle this request.'],
  504: ['Gateway Time-out', "The server didn't respond in time."],
};

const cache = new Map<number, Buffer>();

/** The full response for `status` (falls back to 500 for codes HAProxy has no page for). */
export function errorResponse(status: number): Buffer {
  let b = cache.get(status);
  if (!b) {
    const [reason, text] = MESSAGES[status] ?? MESSAGES[500]!;
    const body = `<html><body><h1>${status} ${reason}</h1>\n${text}\n</body></html>\n`;
    b = Buffer.from(
      `HTTP/1.1 ${status} ${reason}\r\ncontent-length: ${body.length}\r\ncache-control: no-cache\r\ncontent-type: text/html\r\nconnection: close\r\n\r\n${body}`,
      'latin1',
    );
    cache.set(status, b);
  }
  return b;
}

export function errorBodyLength(status: number): number {
  const b = errorResponse(status);
  return b.length - b.indexOf('\r\n\r\n') - 4;
}

// Requests Node's HTTP parser refuses before any route sees them (fastify's clientErrorHandler): a request line and
// headers over the 16 KB limit — in practice a long CQL2 or FES filter in a URL — a timeout, or bytes that are not
// HTTP. They get the platform's error shape (the OGC API's or WFS's own under /ogc and /wfs) with a machine code and
// a message saying what to do, instead of a bare status line. The connection is closed after the answer: the parser
// cannot find where this request ends, so nothing after it on the connection can be read.
import http from 'node:http';
import type { Socket } from 'node:net';
import { exceptionReport, WfsError } from '../wfs/exceptions.ts';

interface ClientError {
  code?: string;
  /** What the parser was reading when it gave up (Node sets a Buffer; fastify's types say otherwise). */
  rawPacket?: Buffer;
}

/** Node's default --max-http-header-size; the request line counts towards it. */
const HEADER_LIMIT_KB = Math.round(http.maxHeaderSize / 1024);
const METHOD_AND_PATH = /^[A-Z]{3,10} (\S+)/;

interface Refusal {
  status: number;
  code: string;
  message: string;
}

/**
 * What to answer. A request line that is itself over half the limit (or has not ended within the bytes read) is a
 * 414 URI Too Long; otherwise the headers are what is too large, 431.
 */
export function refusalFor(err: ClientError): Refusal {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'ERR_HTTP_HEADERS_TIMEOUT') {
    return { status: 408, code: 'request_timeout', message: 'The request was not received in time; send it again.' };
  }
  if (err.code !== 'HPE_HEADER_OVERFLOW') {
    return { status: 400, code: 'bad_request', message: 'The request could not be read as HTTP.' };
  }
  const packet = Buffer.isBuffer(err.rawPacket) ? err.rawPacket.toString('latin1') : '';
  const lineEnd = packet.indexOf('\r\n');
  const longLine = METHOD_AND_PATH.test(packet) && (lineEnd < 0 || lineEnd > http.maxHeaderSize / 2);
  return {
    status: longLine ? 414 : 431,
    code: 'request_too_large',
    message: `The request's ${longLine ? 'URL' : 'headers'} are larger than the ${HEADER_LIMIT_KB} KB this server reads. ` +
      'A long filter does not fit in a URL: send a smaller filter (fewer values, a simpler expression), or send it in ' +
      'the body of a POST (WFS GetFeature takes its filter as XML).',
  };
}

/** The path of the refused request, when its request line is among the bytes read. */
function pathOf(err: ClientError): string {
  if (!Buffer.isBuffer(err.rawPacket)) return '';
  return METHOD_AND_PATH.exec(err.rawPacket.toString('latin1', 0, 256))?.[1] ?? '';
}

function render(refusal: Refusal, path: string): { type: string; body: string } {
  if (path.startsWith('/ogc')) {
    return { type: 'application/json; charset=utf-8', body: JSON.stringify({ code: refusal.code, description: refusal.message }) };
  }
  if (path.startsWith('/wfs')) {
    return { type: 'application/xml; charset=utf-8', body: exceptionReport(new WfsError('OperationParsingFailed', refusal.message, undefined, refusal.status)) };
  }
  return { type: 'application/json; charset=utf-8', body: JSON.stringify(refusal) };
}

const answered = new WeakSet<Socket>();

/** Fastify's clientErrorHandler option. */
export function answerClientError(error: Error, socket: Socket): void {
  const err = error as ClientError;
  // A reset connection has no one to answer; a socket already answered gets the parser's later errors too.
  if (err.code === 'ECONNRESET' || socket.destroyed || answered.has(socket)) return;
  answered.add(socket);
  const refusal = refusalFor(err);
  const { type, body } = render(refusal, pathOf(err));
  if (socket.writable) {
    const length = Buffer.byteLength(body);
    socket.end(`HTTP/1.1 ${refusal.status} ${http.STATUS_CODES[refusal.status]}\r\nContent-Type: ${type}\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n${body}`);
  }
  // end() lets the answer go out while the client may still be sending; then the connection goes.
  setTimeout(() => socket.destroy(), 2_000).unref();
}

// Sending a stream whose source holds a pooled connection. The route awaits this inside withCaller, so the
// connection (and the caller's transaction) stays checked out exactly as long as the stream is read.
import type { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';

/**
 * Sends `stream` as the body; settles once the stream is closed: read to the end, failed, or destroyed
 * because the client went away. Resolves with the error the stream failed with, if any, so the caller can
 * let withCaller see it (a lost connection must not go back to the pool); fastify has already answered it.
 */
export function sendStream(reply: FastifyReply, stream: Readable): Promise<Error | null> {
  return new Promise((resolve) => {
    let failure: Error | null = null;
    stream.once('error', (err: Error) => {
      failure = err;
    });
    stream.once('close', () => resolve(failure));
    // Fastify destroys the source when the response closes early; this covers a response that never started.
    reply.raw.once('close', () => {
      if (!stream.destroyed) stream.destroy();
    });
    reply.send(stream);
  });
}

/** Whether the response is beyond the point where an error could still become an error response. */
export function responseCommitted(reply: FastifyReply): boolean {
  return reply.sent || reply.raw.headersSent || reply.raw.destroyed;
}

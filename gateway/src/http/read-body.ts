import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';

/** The body was larger than the endpoint accepts. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`The request body is larger than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/**
 * The request body as text, at most `limit` bytes (stops reading, and throws, beyond). Behind
 * @hono/node-server it reads Node's request stream directly: going through `c.req.text()` builds a
 * WHATWG Request and a web stream for every token request, a cost larger than the rest of a refresh.
 * Elsewhere (app.request() in tests) it falls back to the standard Request.
 */
export async function readBodyText(c: Context, limit: number): Promise<string> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const declared = Number(c.req.header('content-length') ?? Number.NaN);
  if (declared > limit) throw new BodyTooLargeError(limit);
  if (!incoming || incoming.readableEnded) {
    const text = await c.req.text();
    if (Buffer.byteLength(text) > limit) throw new BodyTooLargeError(limit);
    return text;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of incoming as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      incoming.destroy();
      throw new BodyTooLargeError(limit);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { HTTP_STATUS, LIMITS, type ContractError } from '../../src/contract/index.ts';

export class BodyError extends Error {}

/** Reads a JSON body of at most 64 KiB (the same limit as a socket frame). */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > LIMITS.maxHttpBufferSizeBytes) throw new BodyError(`body exceeds ${LIMITS.maxHttpBufferSizeBytes} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BodyError('body is not valid JSON');
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, error: ContractError): void {
  sendJson(res, HTTP_STATUS[error.code], { error });
}

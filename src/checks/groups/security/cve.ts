import { openRawSocket, type RawSocket } from '../../probes/raw-socket.ts';
import { clientFrame, sendFrameAfterUpgrade, sendRawHttp, upgradeRequest } from '../../probes/raw-http.ts';
import type { CheckContext, CheckDefinition } from '../../types.ts';
import { openBystander, stillServing } from './bystander.ts';

/*
 * Known CVE shapes in the Socket.IO stack (engine.io, socket.io-parser, ws), sent as raw frames
 * and raw HTTP: the packets and requests that crashed or stalled servers running a vulnerable
 * version. A patched stack refuses each one (closes the connection, answers an error); the
 * server must stay up and keep serving a bystander connected before the attack. Each shape names
 * its advisory (docs/checks.md, docs/security.md). A pass says the server survives these shapes,
 * not which versions it runs: an app's own code in the same place (a custom parser, an engine
 * `packet` listener, an `allowRequest` hook) can fall to them too.
 */

const ANSWER_MS = 3_000;

interface ParserShape {
  advisory: string;
  what: string;
  /** WebSocket messages sent in order: engine.io packets (`4...`) and binary attachments. */
  messages: (string | Uint8Array)[];
}

const attachment = () => new Uint8Array([1, 2, 3, 4]);

/** socket.io-parser shapes, as engine.io message packets ('4' + the Socket.IO packet). */
export const PARSER_SHAPES: readonly ParserShape[] = [
  { advisory: 'CVE-2022-2421 / GHSA-qm95-pgcg-qqfq', what: 'a binary event whose placeholder num is a method name ("splice")', messages: ['451-["message:send",{"_placeholder":true,"num":"splice"}]', attachment()] },
  { advisory: 'CVE-2022-2421 / GHSA-qm95-pgcg-qqfq', what: 'a binary event whose placeholder num is "__proto__"', messages: ['451-["message:send",{"_placeholder":true,"num":"__proto__"}]', attachment()] },
  { advisory: 'CVE-2022-2421 / GHSA-qm95-pgcg-qqfq', what: 'a binary event whose placeholder num is out of bounds (99)', messages: ['451-["message:send",{"_placeholder":true,"num":99}]', attachment()] },
  { advisory: 'CVE-2022-2421 / GHSA-qm95-pgcg-qqfq', what: 'a binary event whose placeholder num is an object', messages: ['451-["message:send",{"_placeholder":true,"num":{"length":1}}]', attachment()] },
  { advisory: 'CVE-2023-32695 / GHSA-cqmj-92xf-r6r9', what: 'a binary event whose event name is a placeholder', messages: ['451-[{"_placeholder":true,"num":0},"x"]', attachment()] },
  { advisory: 'CVE-2023-32695 / GHSA-cqmj-92xf-r6r9', what: 'a binary event whose event name is an object', messages: ['451-[{"toString":"x"},{"_placeholder":true,"num":0}]', attachment()] },
  { advisory: 'CVE-2023-32695 / GHSA-cqmj-92xf-r6r9', what: 'an event whose name is null, with an ack id', messages: ['427[null,"x"]'] },
  { advisory: 'CVE-2023-32695 / GHSA-cqmj-92xf-r6r9', what: 'a binary event announcing 10^12 attachments', messages: ['451000000000000-["message:send",{"_placeholder":true,"num":0}]', attachment()] },
  { advisory: 'CVE-2023-32695 / GHSA-cqmj-92xf-r6r9', what: 'an ack id beyond Number.MAX_SAFE_INTEGER', messages: ['4299999999999999999999999["x"]'] },
  { advisory: 'CVE-2023-32695 / GHSA-cqmj-92xf-r6r9', what: 'a binary ack whose data is a placeholder', messages: ['4617-[{"_placeholder":true,"num":0}]', attachment()] },
];

async function connectedRaw(ctx: CheckContext, name: string): Promise<RawSocket> {
  const raw = await openRawSocket(ctx.url, name);
  // On the contract's wire the frames reach a connected socket's handlers; elsewhere they reach
  // the parser, which is where these advisories live (it decodes before any namespace check).
  if (ctx.claims('contractWire')) {
    const answer = await raw.connect({ token: await ctx.token(name, 'buyer') }, ANSWER_MS);
    if (answer.kind !== 'connected') throw new Error(`setup: raw socket ${name} could not CONNECT: ${answer.kind === 'refused' ? answer.message : 'no answer'}`);
  }
  return raw;
}

async function parserShapes(ctx: CheckContext): Promise<void> {
  const bystander = await openBystander(ctx);
  for (const shape of PARSER_SHAPES) {
    const raw = await connectedRaw(ctx, ctx.id('cve'));
    try {
      for (const message of shape.messages) raw.send(message);
      // The server handles a socket's frames in order: a ping of the engine after them is
      // answered once they were taken (or the connection is closed).
      raw.send('2probe');
      await raw.waitForFrame((d) => d === '3probe', 0, ANSWER_MS);
      const what = `${shape.what} (${shape.advisory}) from ${raw.name}`;
      if (!(await stillServing(ctx, bystander, what))) return;
    } finally {
      raw.close();
    }
  }
}

interface TransportShape {
  advisory: string;
  what: string;
  send(ctx: CheckContext): Promise<string>;
}

const FILLER_HEADERS = 2_100;

/** engine.io and ws shapes: raw HTTP requests and WebSocket frames. */
const TRANSPORT_SHAPES: readonly TransportShape[] = [
  {
    advisory: 'CVE-2024-37890 / GHSA-3h5v-q93c-6h6q (ws)',
    what: `a WebSocket upgrade with ${FILLER_HEADERS} headers before Host and Sec-WebSocket-Key (beyond Node's maxHeadersCount, so those are dropped)`,
    async send(ctx) {
      // Short lines, so that the count (not the 16 KiB size limit) is what the server meets first.
      const filler = Array.from({ length: FILLER_HEADERS }, () => 'a:1');
      const answer = await sendRawHttp(ctx.url, upgradeRequest(ctx.url, filler), ANSWER_MS);
      return answer.statusLine ?? (answer.closed ? 'closed with no answer' : `no answer within ${ANSWER_MS} ms`);
    },
  },
  {
    advisory: 'CVE-2022-41940 / GHSA-r7qp-cfhv-p84w (engine.io)',
    what: 'a WebSocket upgrade request cut by a TCP reset before the server answers',
    async send(ctx) {
      const answer = await sendRawHttp(ctx.url, upgradeRequest(ctx.url).slice(0, -2), ANSWER_MS, { resetAfterMs: 20 });
      return answer.statusLine ?? 'reset by us';
    },
  },
  {
    advisory: 'CVE-2022-41940 / GHSA-r7qp-cfhv-p84w (engine.io)',
    what: 'an HTTP/1.0 polling request without a Host header and with a malformed query',
    async send(ctx) {
      const answer = await sendRawHttp(ctx.url, 'GET /socket.io/?EIO=4&transport=polling&t=%zz&%%% HTTP/1.0\r\n\r\n', ANSWER_MS);
      return answer.statusLine ?? (answer.closed ? 'closed with no answer' : `no answer within ${ANSWER_MS} ms`);
    },
  },
  {
    advisory: 'CVE-2022-21676 / GHSA-273r-mgr4-v34f (engine.io, ws)',
    what: 'a WebSocket frame with the reserved bits RSV2 and RSV3 set',
    async send(ctx) {
      const answer = await sendFrameAfterUpgrade(ctx.url, clientFrame(0x80 | 0x20 | 0x10 | 0x1, '2probe'), ANSWER_MS);
      return `${answer.statusLine ?? 'no upgrade'}, then ${answer.closed ? 'closed' : 'left open'}`;
    },
  },
  {
    advisory: 'CVE-2020-36048 / GHSA-j4f2-536g-r55m (engine.io)',
    what: 'a 5 MB polling POST to an open session',
    async send(ctx) {
      const open = await fetch(`${ctx.url}/socket.io/?EIO=4&transport=polling`, { signal: AbortSignal.timeout(ANSWER_MS) });
      const text = await open.text();
      const sid = /"sid":"([^"]+)"/.exec(text)?.[1];
      if (!sid) return `no polling session to post to (GET answered ${open.status})`;
      const startedAtMs = Date.now();
      try {
        const res = await fetch(`${ctx.url}/socket.io/?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain;charset=UTF-8' },
          body: `4${'x'.repeat(5 * 1024 * 1024)}`,
          signal: AbortSignal.timeout(ANSWER_MS * 2),
        });
        await res.arrayBuffer();
        return `answered ${res.status} in ${Date.now() - startedAtMs} ms`;
      } catch (error) {
        return `connection ended after ${Date.now() - startedAtMs} ms (${(error as Error).message})`;
      }
    },
  },
];

async function transportShapes(ctx: CheckContext): Promise<void> {
  const bystander = await openBystander(ctx);
  for (const shape of TRANSPORT_SHAPES) {
    const outcome = await shape.send(ctx);
    ctx.note(`${shape.what} (${shape.advisory}): ${outcome}`);
    if (!(await stillServing(ctx, bystander, `${shape.what} (${shape.advisory}; the server: ${outcome})`))) return;
  }
}

export const cveChecks: CheckDefinition[] = [
  {
    id: 'security.cve.parser-packets',
    title: 'Socket.IO packets of known socket.io-parser advisories (placeholder type confusion, malformed packets) crash nothing and cost a bystander nothing',
    guarantee: 'CVE-2022-2421, CVE-2023-32695: the server stays up and keeps serving others',
    severity: 'high',
    fixHint: 'upgrade socket.io (socket.io-parser 4.2.4 or later); code that reads packets itself (a custom parser, a socket.conn "packet" listener) must treat every field as untrusted, and attachments as possibly not Buffers',
    timeoutMs: 30_000,
    run: parserShapes,
  },
  {
    id: 'security.cve.transport-requests',
    title: 'HTTP requests and WebSocket frames of known engine.io and ws advisories (many headers, reset handshakes, reserved bits, huge polling bodies) crash nothing',
    guarantee: 'CVE-2024-37890, CVE-2022-41940, CVE-2022-21676, CVE-2020-36048: the server stays up and keeps serving others',
    severity: 'high',
    fixHint: 'upgrade socket.io, engine.io (6.2.1 or later) and ws (8.17.1 or later); keep maxHttpBufferSize small; an allowRequest hook or upgrade handler must not assume any header is present',
    timeoutMs: 30_000,
    run: transportShapes,
  },
];

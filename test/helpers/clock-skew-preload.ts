/*
 * Preloaded (node --import) into a server process to put its clock BAZAAR_TEST_CLOCK_SKEW_MS
 * off: Date.now(), new Date() and the HTTP Date header, which Node otherwise takes from a
 * clock user code cannot reach. Timers are untouched, as on a machine whose clock is set wrong.
 */
import { ServerResponse } from 'node:http';

const skewMs = Number(process.env.BAZAAR_TEST_CLOCK_SKEW_MS ?? 0);
const RealDate = Date;

class SkewedDate extends RealDate {
  constructor(...args: unknown[]) {
    if (args.length === 0) super(RealDate.now() + skewMs);
    else super(...(args as [string | number | Date]));
  }

  static override now(): number {
    return RealDate.now() + skewMs;
  }
}
globalThis.Date = SkewedDate as DateConstructor;

const writeHead = ServerResponse.prototype.writeHead;
ServerResponse.prototype.writeHead = function (this: ServerResponse, ...args: unknown[]) {
  if (!this.headersSent && this.sendDate) this.setHeader('Date', new SkewedDate().toUTCString());
  return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
} as typeof writeHead;

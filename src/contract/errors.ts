/** Error codes an ack or an HTTP error body may carry (docs/contract.md §2.2). */
export const ERROR_CODES = [
  'bad_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'rate_limited',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ContractError {
  code: ErrorCode;
  message: string;
}

export type AckOk<T extends object = {}> = { ok: true } & T;
export interface AckErr {
  ok: false;
  error: ContractError;
}
export type Ack<T extends object = {}> = AckOk<T> | AckErr;

export function ackError(code: ErrorCode, message: string): AckErr {
  return { ok: false, error: { code, message } };
}

/** HTTP status for each code, as the HTTP API answers it. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  internal: 500,
};

/** The exact `connect_error` message for every rejected handshake. */
export const UNAUTHORIZED_MESSAGE = 'unauthorized';

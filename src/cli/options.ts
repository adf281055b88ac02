import { InvalidArgumentError } from 'commander';
import { ADAPTERS, isAdapterName, type AdapterName } from '../../reference-server/index.ts';
import { isRole, ROLES, type Role } from '../contract/index.ts';
import { BazaarError } from '../errors.ts';
import { parseDurationMs } from '../util/duration.ts';

/** Commander argument parsers: a bad value becomes a usage error (exit 2) naming the fix. */
export function durationArg(value: string): number {
  try {
    return parseDurationMs(value);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof BazaarError ? `${error.message}; ${error.hint}` : String(error));
  }
}

export function portArg(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) throw new InvalidArgumentError('a port is an integer from 0 to 65535');
  return port;
}

export function roleArg(value: string): Role {
  if (!isRole(value)) throw new InvalidArgumentError(`role must be one of ${ROLES.join(', ')}`);
  return value;
}

export function nodesArg(value: string): number {
  const nodes = Number(value);
  if (!/^\d+$/.test(value) || nodes < 1 || nodes > 64) throw new InvalidArgumentError('--nodes is an integer from 1 to 64');
  return nodes;
}

export function fanoutArg(value: string): 'ordered' | 'adapter' {
  if (value !== 'ordered' && value !== 'adapter') throw new InvalidArgumentError('--fanout is ordered or adapter');
  return value;
}

export function adapterArg(value: string): AdapterName {
  if (!isAdapterName(value)) throw new InvalidArgumentError(`--adapter is one of ${ADAPTERS.join(', ')}`);
  return value;
}

export function scaleArg(value: string): number {
  const factor = Number(value);
  if (!(factor > 0) || !Number.isFinite(factor)) throw new InvalidArgumentError('a scale factor is a positive number, e.g. 0.5 or 2');
  return factor;
}

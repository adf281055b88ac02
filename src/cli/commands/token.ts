import type { Command } from 'commander';
import { signToken, type Role } from '../../contract/index.ts';
import { BazaarError } from '../../errors.ts';
import type { CliIo } from '../io.ts';
import { durationArg, roleArg } from '../options.ts';

interface TokenOptions {
  sub: string;
  role: Role;
  ttl: number;
  jwtSecret?: string;
}

export function registerToken(program: Command, io: CliIo): void {
  program
    .command('token')
    .description('print a contract JWT (HS256) for one user')
    .requiredOption('--sub <userId>', 'user id, e.g. u1')
    .requiredOption('--role <role>', 'buyer, seller or admin', roleArg)
    .option('--ttl <duration>', 'how long the token is valid', durationArg, 15 * 60_000)
    .option('--jwt-secret <secret>', 'the server\'s secret (default: JWT_SECRET)')
    .action((options: TokenOptions) => {
      const secret = options.jwtSecret ?? io.env.JWT_SECRET;
      if (!secret) {
        throw new BazaarError(
          'BAZAAR_NO_SECRET',
          'no JWT secret to sign with',
          'pass --jwt-secret S (bazaar serve prints the one it uses) or set JWT_SECRET',
        );
      }
      io.out(signToken({ sub: options.sub, role: options.role, ttlMs: options.ttl, secret }));
    });
}

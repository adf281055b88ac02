import { describe, expect, it } from 'vitest';
import { dialectError, judgeDialect, renderFindings } from './detect-dialect.ts';
import type { ProbeFinding } from './probe.ts';

const ok = (id: string, required = true): ProbeFinding => ({ id, probed: `probe ${id}`, required, ok: true, found: 'fine' });
const miss = (id: string, missing: 'unreachable' | 'dialect' | 'credentials', found: string, required = true): ProbeFinding =>
  ({ id, probed: `probe ${id}`, required, ok: false, missing, found });
const options = { dialect: 'the contract (docs/contract.md)', credentialsHint: 'pass --jwt-secret' };

describe('judgeDialect', () => {
  it.each([
    ['every required probe passed', [ok('a'), ok('b'), miss('c', 'dialect', 'x', false)], 'speaks'],
    ['a required probe got no answer', [miss('a', 'unreachable', 'cannot reach'), miss('b', 'dialect', 'websocket error')], 'unreachable'],
    ['a required probe found the dialect missing', [ok('a'), miss('b', 'dialect', '404')], 'foreign'],
    ['only credentials refused', [ok('a'), miss('b', 'credentials', 'refused')], 'credentials'],
    ['a dialect miss and refused credentials: the dialect is what is wrong', [miss('a', 'credentials', 'refused'), miss('b', 'dialect', '404')], 'foreign'],
    ['an optional probe failing decides nothing', [ok('a'), miss('b', 'credentials', 'refused', false)], 'speaks'],
  ] as const)('%s', (_name, findings, kind) => {
    expect(judgeDialect([...findings]).kind).toBe(kind);
  });
});

describe('dialectError', () => {
  it('for a foreign server lists every probe and what it found, and points at bazaar init and docs/own-server.md', () => {
    const findings = [ok('engine.io'), miss('http.listings', 'dialect', 'POST /api/listings → 404 {"message":"not found"}'), miss('socket.session', 'dialect', 'no `session` event within 2 s')];
    const error = dialectError('http://h:1', judgeDialect(findings), options);
    expect(error?.code).toBe('BAZAAR_UNKNOWN_DIALECT');
    expect(error?.message).toMatch(/^http:\/\/h:1 does not speak the contract/);
    expect(error?.message).toContain('✗ probe http.listings: POST /api/listings → 404');
    expect(error?.message).toContain('✗ probe socket.session: no `session` event within 2 s');
    expect(error?.message).toContain('✓ probe engine.io: fine');
    expect(error?.hint).toContain('npx bazaar init --target http://h:1');
    expect(error?.hint).toContain('docs/own-server.md');
  });

  it('for refused credentials says so with the hint given', () => {
    const error = dialectError('http://h:1', judgeDialect([ok('a'), miss('b', 'credentials', 'refused a token')]), options);
    expect(error).toMatchObject({ code: 'BAZAAR_BAD_SECRET', message: 'http://h:1 refused a token', hint: 'pass --jwt-secret' });
  });

  it('is undefined when the target speaks the dialect', () => {
    expect(dialectError('http://h:1', judgeDialect([ok('a')]), options)).toBeUndefined();
  });
});

describe('renderFindings', () => {
  it('marks passed, required-missing and optional-missing probes apart', () => {
    expect(renderFindings([ok('a'), miss('b', 'dialect', 'no'), miss('c', 'dialect', 'no', false)])).toEqual([
      '✓ probe a: fine', '✗ probe b: no', '· probe c: no',
    ]);
  });
});

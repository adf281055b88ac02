import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startRun } from '../../src/engine/run.ts';
import { watchLeaks } from '../helpers/leaks.ts';

it('leaves no referenced timer, socket or server behind once a run resolves (so the CLI exits on its own)', async () => {
  const { pendingTimers, leakedHandles } = await watchLeaks(() =>
    startRun({ scenario: 'smoke', reportDir: mkdtempSync(join(tmpdir(), 'bazaar-leak-')) }),
  );
  expect(pendingTimers).toEqual([]);
  expect(leakedHandles).toEqual([]);
});

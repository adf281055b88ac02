import { crossNodeReorder } from './cross-node-reorder.ts';
import { proxyTimeout } from './proxy-timeout.ts';
import { frozenNode } from './frozen-node.ts';
import { ghostAfterKill } from './ghost-after-kill.ts';
import { loopBlock } from './loop-block.ts';
import { reconnectStorm } from './reconnect-storm.ts';
import { recoveryGap } from './recovery-gap.ts';
import { redisRestart } from './redis-restart.ts';
import { slowConsumer } from './slow-consumer.ts';
import { stickyMissing } from './sticky-missing.ts';
import type { ReproEntry } from './types.ts';

/** Every entry of `bazaar repro`, in the order the list shows them (docs/repro/README.md). */
export const REPROS: readonly ReproEntry[] = [stickyMissing, crossNodeReorder, proxyTimeout, redisRestart, reconnectStorm, recoveryGap, frozenNode, loopBlock,
  ghostAfterKill, slowConsumer];

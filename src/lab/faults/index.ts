export * from './fault-spec.ts';
export { describeFault, normalizeFault, parseFault, parseRateBytesPerSec } from './parse-fault.ts';
export { planFaults, type FaultPlanInput } from './plan-faults.ts';
export { analyzeFaultImpact, type FaultEvent, type FaultImpact, type FaultImpactOptions } from './fault-impact.ts';
export { startFaultProxy, type FaultProxy, type FaultProxyOptions, type SlowConsumers, type Toxic } from './fault-proxy.ts';
export { startFaultInjector, type FaultInjector, type FaultInjectorOptions, type FaultTargets } from './inject-faults.ts';
export { startFaultLab, type FaultLab, type FaultLabOptions } from './fault-lab.ts';
export { startLabRedis, type LabRedis } from './lab-redis.ts';

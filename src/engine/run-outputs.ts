import { renderPrometheus } from '../metrics/prometheus.ts';
import { createReportWriter, defaultReportDir } from '../report/write-report.ts';
import { runGauges, startMetricsExporter } from './metrics-exporter.ts';
import type { RunContext } from './run-context.ts';

/** Where the run's figures go while it lasts: result.json's folder, and live metrics when asked for. */
export async function openRunOutputs(run: RunContext): Promise<void> {
  const { options, registry } = run;
  if (options.reportDir !== false) run.writer = createReportWriter(options.reportDir ?? defaultReportDir(run.name, run.startedAt));
  if (options.metricsPort !== undefined) {
    run.exporter = await startMetricsExporter({
      port: options.metricsPort,
      ...(options.metricsHost ? { host: options.metricsHost } : {}),
      render: () => renderPrometheus({ ...registry.liveSeries(), gauges: liveGauges(run) }),
    });
    options.onMetricsListening?.(run.exporter.url);
  }
}

/** The run's gauges as they stand, for the Prometheus exporter. */
function liveGauges(run: RunContext) {
  const generator = run.health.current();
  let connected = 0;
  for (const user of run.users?.live ?? []) if (user.connected) connected++;
  return runGauges({
    vus: run.busyVus(),
    connected_users: connected,
    elapsed_seconds: run.elapsedMs() / 1000,
    planned_seconds: run.totalMs / 1000,
    generator_loop_delay_p99_seconds: generator.loopDelayP99Ms / 1000,
    generator_cpu_percent: generator.cpuPercent,
    generator_saturated: generator.saturated ? 1 : 0,
  });
}

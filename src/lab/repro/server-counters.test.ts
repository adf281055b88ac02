import { describe, expect, it } from 'vitest';
import { mergeServerCounters, parseServerCounters } from './server-counters.ts';

describe('parseServerCounters', () => {
  it('reads refusals by code and message and disconnects by reason, ignoring everything else', () => {
    const text = [
      '# HELP socket_io_connection_errors_total Engine.IO requests refused',
      '# TYPE socket_io_connection_errors_total counter',
      'socket_io_connection_errors_total{code="1",message="Session ID unknown"} 7',
      'socket_io_disconnects_total{reason="transport close"} 3',
      'socket_io_disconnects_total{reason="ping timeout"} 1',
      'socket_io_connected 12',
      'nodejs_eventloop_lag_p99_seconds 0.01',
    ].join('\n');
    expect(parseServerCounters(text)).toEqual({
      connectionErrors: { '1 Session ID unknown': 7 },
      disconnects: { 'transport close': 3, 'ping timeout': 1 },
    });
  });

  it('sums nodes', () => {
    const a = parseServerCounters('socket_io_connection_errors_total{code="1",message="Session ID unknown"} 2\n');
    const b = parseServerCounters('socket_io_connection_errors_total{code="1",message="Session ID unknown"} 5\nsocket_io_disconnects_total{reason="transport close"} 1\n');
    expect(mergeServerCounters([a, b])).toEqual({ connectionErrors: { '1 Session ID unknown': 7 }, disconnects: { 'transport close': 1 } });
  });
});

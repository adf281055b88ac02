/** One chart as the page's script draws it with uPlot: everything in it is plain data. */
export interface ChartSpec {
  /** The id of the element the chart goes in. */
  id: string;
  /** 'ms' and 'per_s' label the y axis; 'count' is a bare number. */
  unit: 'ms' | 'per_s' | 'count';
  /** 'seconds' since the schedule started, or 'percentile' as x = 1 / (1 - p), on a log scale (HdrHistogram's plot). */
  x: 'seconds' | 'percentile';
  xs: number[];
  series: { label: string; values: (number | null)[] }[];
  /** Vertical lines across the plot: where contract violations happened (red), where faults were injected and lifted (blue). */
  markers?: { atS: number; label: string; kind?: 'violation' | 'fault' }[];
  /** Draw bars rather than lines (counts per interval). */
  bars?: boolean;
}

/**
 * The page's own script, run after uPlot: draws every chart from the JSON in
 * `<script id="bazaar-charts" type="application/json">`. Plain ES5-ish JavaScript in a string (not
 * a function's source, which a test transform could rewrite): it reaches no network and reads no
 * HTML from the data; uPlot puts labels in with textContent. Each drawn chart is listed in
 * `window.bazaarCharts` and its element gets `data-points` (the points drawn), for people
 * inspecting the page and for the browser test.
 */
export const CHARTS_SCRIPT = String.raw`
(function () {
  'use strict';
  var specs = JSON.parse(document.getElementById('bazaar-charts').textContent);
  // No red among the lines: dashed red lines mark contract violations.
  var palette = ['#2563eb', '#f59e0b', '#7c3aed', '#059669', '#0891b2', '#db2777', '#65a30d', '#ea580c', '#4b5563', '#a16207',
    '#1e3a8a', '#be185d', '#0f766e', '#9333ea', '#84cc16', '#78350f'];
  var drawn = [];
  window.bazaarCharts = drawn;

  function sig(v) {
    var a = Math.abs(v);
    if (a === 0) return '0';
    if (a >= 100) return String(Math.round(v));
    if (a >= 10) return v.toFixed(1);
    if (a >= 1) return v.toFixed(2);
    return String(Number(v.toPrecision(2)));
  }
  function yText(unit, v) {
    if (v == null) return '-';
    if (unit === 'ms') return v >= 1000 ? sig(v / 1000) + ' s' : sig(v) + ' ms';
    if (unit === 'per_s') return sig(v) + '/s';
    return sig(v);
  }
  function percentText(x) {
    var p = 100 * (1 - 1 / x);
    if (p <= 0) return '0%';
    var digits = Math.max(0, Math.min(5, Math.ceil(-Math.log10(100 - p) + 1e-9) + 1));
    return p.toFixed(digits).replace(/\.?0+$/, '') + '%';
  }
  function xText(spec, v) {
    if (v == null) return '';
    return spec.x === 'percentile' ? percentText(v) : sig(v) + ' s';
  }
  function markersHook(spec) {
    return function (u) {
      if (!spec.markers || spec.markers.length === 0) return;
      var ctx = u.ctx;
      var top = u.bbox.top;
      var bottom = u.bbox.top + u.bbox.height;
      ctx.save();
      ctx.strokeStyle = 'rgba(220, 38, 38, 0.75)';
      ctx.lineWidth = Math.max(1, uPlot.pxRatio);
      ctx.setLineDash([4 * uPlot.pxRatio, 3 * uPlot.pxRatio]);
      for (var i = 0; i < spec.markers.length; i++) {
        var x = Math.round(u.valToPos(spec.markers[i].atS, 'x', true));
        if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
        ctx.strokeStyle = spec.markers[i].kind === 'fault' ? 'rgba(37, 99, 235, 0.85)' : 'rgba(220, 38, 38, 0.75)';
        ctx.beginPath();
        ctx.moveTo(x, top);
        ctx.lineTo(x, bottom);
        ctx.stroke();
      }
      ctx.restore();
    };
  }

  specs.forEach(function (spec) {
    var el = document.getElementById(spec.id);
    if (!el) return;
    var width = Math.max(320, el.clientWidth || 640);
    var many = spec.xs.length > 60;
    var bars = spec.bars && uPlot.paths && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.8, 40] }) : null;
    var series = [{ label: spec.x === 'percentile' ? 'percentile' : 'time', value: function (u, v) { return xText(spec, v); } }];
    spec.series.forEach(function (s, i) {
      var color = palette[i % palette.length];
      series.push({
        label: s.label,
        stroke: color,
        width: 1.5,
        fill: bars ? color + '55' : undefined,
        paths: bars || undefined,
        points: { show: !many },
        spanGaps: false,
        value: function (u, v) { return yText(spec.unit, v); }
      });
    });
    var opts = {
      width: width,
      height: 220,
      scales: {
        x: spec.x === 'percentile'
          ? { time: false, distr: 3, log: 10 }
          : { time: false, range: function (u, min, max) { return [0, Math.max(max, 1)]; } },
        y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.08 : 1]; } }
      },
      axes: [
        { values: function (u, vals) { return vals.map(function (v) { return xText(spec, v); }); } },
        { size: 64, values: function (u, vals) { return vals.map(function (v) { return v == null ? '' : yText(spec.unit, v); }); } }
      ],
      series: series,
      legend: { live: true },
      hooks: { draw: [markersHook(spec)] }
    };
    var data = [spec.xs].concat(spec.series.map(function (s) { return s.values; }));
    var plot = new uPlot(opts, data, el);
    var points = 0;
    spec.series.forEach(function (s) { s.values.forEach(function (v) { if (v != null) points++; }); });
    el.setAttribute('data-points', String(points));
    drawn.push({ id: spec.id, plot: plot, points: points });
  });

  var resizing = 0;
  window.addEventListener('resize', function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () {
      drawn.forEach(function (d) {
        var el = document.getElementById(d.id);
        if (el) d.plot.setSize({ width: Math.max(320, el.clientWidth), height: 220 });
      });
    }, 100);
  });
})();
`;

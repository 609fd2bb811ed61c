// The traffic page's chart: requests over time by status class, drawn with uPlot (served by
// Ripcord itself, no CDN) from the numbers the server wrote on #chart's data-series attribute.
// Nothing from the page's text is evaluated: the data is parsed as JSON numbers.
(() => {
  const el = document.getElementById('chart');
  const U = window.uPlot;
  if (el === null || U === undefined) return;
  const d = JSON.parse(el.dataset.series ?? '{}');
  if (!Array.isArray(d.time) || d.time.length === 0) return;
  const num = (a) => (Array.isArray(a) ? a.map(Number) : []);
  const size = () => ({ width: Math.max(260, el.clientWidth), height: 240 });
  const opts = {
    ...size(),
    cursor: { drag: { x: false, y: false } },
    series: [
      {},
      { label: '2xx', stroke: '#1a7f37', width: 1.5 },
      { label: '3xx', stroke: '#0b57d0', width: 1.5 },
      { label: '4xx', stroke: '#b7791f', width: 1.5 },
      { label: '5xx', stroke: '#b00020', width: 1.5 },
    ],
  };
  const chart = new U(opts, [num(d.time).map((t) => t / 1000), num(d.s2xx), num(d.s3xx), num(d.s4xx), num(d.s5xx)], el);
  el.dataset.drawn = 'yes';
  window.addEventListener('resize', () => chart.setSize(size()));
})();

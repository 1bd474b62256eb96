// The composite distribution on a round's results page, drawn from the JSON block the page carries
// (<script type="application/json" id="score-distribution">): no inline script, so the CSP allows none.
(() => {
  const source = document.getElementById("score-distribution");
  const canvas = document.getElementById("score-distribution-chart");
  if (!source || !canvas || typeof window.Chart === "undefined") {
    return; // the table under the chart carries the same figures
  }
  const chart = JSON.parse(source.textContent);
  new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: chart.labels,
      datasets: [{ label: chart.label, data: chart.counts, backgroundColor: "rgba(176, 42, 55, 0.7)" }],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      plugins: { legend: { display: false } },
      scales: {
        x: { title: { display: true, text: chart.xTitle } },
        y: { beginAtZero: true, ticks: { precision: 0 } },
      },
    },
  });
})();

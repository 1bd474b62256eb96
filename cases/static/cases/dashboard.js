// The cases dashboard's charts, drawn from the JSON block the page carries
// (<script type="application/json" id="dashboard-data">): no inline script, so the CSP allows none.
// Each <canvas data-chart="name"> gets the chart of that name; data-stacked="true" stacks its bars.
(() => {
  const source = document.getElementById("dashboard-data");
  if (!source || typeof window.Chart === "undefined") {
    return; // the table under each chart carries the same figures
  }
  const charts = JSON.parse(source.textContent);
  const palette = ["#b02a37", "#fd7e14", "#ffc107", "#198754", "#0d6efd", "#6f42c1", "#20c997", "#6c757d", "#d63384", "#343a40"];
  document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const chart = charts[canvas.dataset.chart];
    if (!chart || chart.labels.length === 0) {
      return;
    }
    const stacked = canvas.dataset.stacked === "true";
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: chart.labels,
        datasets: chart.datasets.map((set, index) => ({ ...set, backgroundColor: palette[index % palette.length] })),
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        plugins: { legend: { display: chart.datasets.length > 1 } },
        scales: {
          x: { stacked },
          y: { stacked, beginAtZero: true, ticks: { precision: 0 }, max: chart.percent ? 100 : undefined },
        },
      },
    });
  });
})();

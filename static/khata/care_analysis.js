// Charts of the claims analysis page: Pareto bars with their cumulative line, and the NPS/CSAT trend.
// The numbers come from the page's JSON block; the tables under each chart hold the same numbers.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("care-analysis-data");
    if (!source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var accent = "#2563eb", line = "#d97706", muted = "#059669";
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var key = canvas.getAttribute("data-chart");
      var set = data[key];
      if (!set) return;
      if (key === "trend") {
        new window.Chart(canvas, {
          type: "line",
          data: {
            labels: set.labels,
            datasets: [
              { label: "NPS", data: set.nps, borderColor: accent, backgroundColor: accent, yAxisID: "y", spanGaps: true, pointRadius: 4 },
              { label: "CSAT", data: set.csat, borderColor: muted, backgroundColor: muted, yAxisID: "y1", spanGaps: true, pointRadius: 4 }
            ]
          },
          options: {
            aspectRatio: 3,
            animation: false,
            scales: {
              // Months sit in the middle of their slot, so a single month's point is not lost on the edge.
              x: { offset: true },
              y: { min: -100, max: 100, position: "left", title: { display: true, text: "NPS" } },
              y1: { min: 1, max: 5, position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: "CSAT" } }
            }
          }
        });
        return;
      }
      new window.Chart(canvas, {
        data: {
          labels: set.labels,
          datasets: [
            { type: "bar", label: canvas.getAttribute("aria-label"), data: set.counts, backgroundColor: accent, yAxisID: "y", order: 2, maxBarThickness: 72 },
            { type: "line", label: "%", data: set.cumulative, borderColor: line, backgroundColor: line, yAxisID: "y1", order: 1 }
          ]
        },
        options: {
          animation: false,
          plugins: { legend: { display: false } },
          scales: {
            y: { beginAtZero: true, ticks: { precision: 0 } },
            y1: { min: 0, max: 100, position: "right", grid: { drawOnChartArea: false }, ticks: { callback: function (v) { return v + "%"; } } }
          }
        }
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();

/* The centre dashboard's chart: Chart.js (vendored beside this file) draws the figures the
   page carries as JSON in the canvas's data-chart attribute (no inline script: CSP). */
(function () {
  "use strict";
  function draw() {
    var canvas = document.getElementById("dashboard-chart");
    if (!canvas || typeof Chart === "undefined") {
      return;
    }
    var data = JSON.parse(canvas.getAttribute("data-chart"));
    var colours = ["#0d6efd", "#198754", "#20c997", "#6f42c1", "#fd7e14", "#dc3545"];
    var chart = new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.datasets.map(function (set, i) {
          return { label: set.label, data: set.data, backgroundColor: colours[i % colours.length] };
        })
      },
      options: {
        animation: false,
        responsive: true,
        plugins: {
          tooltip: { callbacks: { title: function (items) { return data.titles[items[0].dataIndex]; } } }
        },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
    canvas.setAttribute("data-drawn", String(chart.data.datasets.length));
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();

// Peaks & staffing charts: the data comes from the page's JSON script, the same numbers as its tables.
(function () {
  var node = document.getElementById("staffing-data");
  if (!node || typeof echarts === "undefined") return;
  var data = JSON.parse(node.textContent);
  var heat = document.getElementById("heatmap");
  if (heat) {
    echarts.init(heat).setOption({
      animation: false,
      tooltip: { position: "top" },
      grid: { left: 60, right: 20, top: 10, bottom: 70 },
      xAxis: { type: "category", data: data.hours, splitArea: { show: true } },
      yAxis: { type: "category", data: data.weekdays, inverse: true, splitArea: { show: true } },
      visualMap: { min: 0, max: Math.max(1, data.heat_max), calculable: true, orient: "horizontal", left: "center", bottom: 0 },
      series: [{ name: data.labels.arrivals, type: "heatmap", data: data.heat, label: { show: true } }]
    });
  }
  var gaps = document.getElementById("gaps");
  if (gaps) {
    echarts.init(gaps).setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { data: [data.labels.needed, data.labels.rostered] },
      grid: { left: 40, right: 20, top: 30, bottom: 60 },
      xAxis: { type: "category", data: data.gap_labels, axisLabel: { rotate: 60 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: data.labels.needed, type: "bar", data: data.needed },
        { name: data.labels.rostered, type: "line", step: "middle", data: data.rostered }
      ]
    });
  }
})();

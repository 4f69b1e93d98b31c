// NPL ratio by branch: a bar chart with the 2 % limit line. The numbers are in the table.
(function () {
  var holder = document.getElementById("npl-chart");
  var data = document.getElementById("npl-data");
  if (!holder || !data || typeof echarts === "undefined") return;
  var rows = JSON.parse(data.textContent);
  var chart = echarts.init(holder);
  chart.setOption({
    grid: { left: 48, right: 16, top: 24, bottom: 80 },
    tooltip: { trigger: "axis", valueFormatter: function (v) { return v.toFixed(2) + " %"; } },
    xAxis: { type: "category", data: rows.map(function (r) { return r.name; }), axisLabel: { rotate: 40 } },
    yAxis: { type: "value", axisLabel: { formatter: "{value} %" } },
    series: [{
      type: "bar",
      data: rows.map(function (r) {
        return { value: Number(r.ratio.toFixed(3)), itemStyle: { color: r.ratio >= 2 ? "#b42318" : "#0b5394" } };
      }),
      markLine: { symbol: "none", data: [{ yAxis: 2, label: { formatter: "2 %" } }], lineStyle: { color: "#b42318" } },
    }],
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();

/* Dashboard charts (ECharts). Every chart has a table with the same numbers beside it. */
(function () {
  "use strict";
  function data(id) { return JSON.parse(document.getElementById(id).textContent); }
  function mount(id) {
    var element = document.getElementById(id);
    var chart = echarts.init(element);
    window.addEventListener("resize", function () { chart.resize(); });
    return chart;
  }
  var STATUS_COLOURS = ["#e4e7eb", "#b42318", "#c9a227", "#9aa5b1", "#1b7f3b"];

  function heatmap(id, dataId, detailUrl) {
    var d = data(dataId);
    var chart = mount(id);
    chart.setOption({
      tooltip: { formatter: function (p) { return d.branches[p.value[1]] + " · " + d.titles[p.value[0]] + "<br>" + d.labels[p.value[2]]; } },
      grid: { left: 90, right: 20, top: 10, bottom: 120 },
      xAxis: { type: "category", data: d.titles, axisLabel: { rotate: 40, fontSize: 10 } },
      yAxis: { type: "category", data: d.branches, inverse: true },
      visualMap: { type: "piecewise", show: true, orient: "horizontal", left: "center", bottom: 0,
        pieces: [0, 1, 2, 3, 4].map(function (v) { return { value: v, label: d.labels[v], color: STATUS_COLOURS[v] }; }) },
      series: [{ type: "heatmap", data: d.cells, itemStyle: { borderColor: "#fff", borderWidth: 1 } }]
    });
    chart.on("click", function (p) {
      window.location.href = detailUrl.replace("CODE", encodeURIComponent(d.kpis[p.value[0]])) + encodeURIComponent(d.branches[p.value[1]]);
    });
  }

  function trend(id, dataId) {
    var d = data(dataId);
    var chart = mount(id);
    var series = [{ name: d.labels.value, type: "line", data: d.values, connectNulls: false, symbolSize: 6 }];
    if (d.bank.length) { series.push({ name: d.labels.bank, type: "line", data: d.bank, lineStyle: { type: "dotted" } }); }
    series.push({ name: d.labels.target, type: "line", step: "middle", data: d.targets, lineStyle: { type: "dashed", color: "#b42318" }, itemStyle: { color: "#b42318" }, symbol: "none" });
    if (d.baseline !== null) {
      series[0].markLine = { symbol: "none", label: { formatter: d.labels.baseline }, lineStyle: { color: "#616e7c", type: "solid" }, data: [{ yAxis: d.baseline }] };
    }
    chart.setOption({
      tooltip: { trigger: "axis" }, legend: { top: 0 },
      grid: { left: 60, right: 80, top: 40, bottom: 30 },
      xAxis: { type: "category", data: d.periods }, yAxis: { type: "value", scale: true },
      series: series
    });
  }

  function gantt(id, dataId, labelsId, today) {
    var rows = data(dataId), labels = data(labelsId);
    var colours = { done: "#1b7f3b", overdue: "#b42318", in_progress: "#0b5394", planned: "#9aa5b1" };
    var names = rows.map(function (r) { return r.initiative + " · " + r.step; });
    var chart = mount(id);
    chart.setOption({
      tooltip: { formatter: function (p) { var r = rows[p.dataIndex]; return r.step + "<br>" + r.start + " → " + r.end + "<br>" + labels[r.state]; } },
      grid: { left: 320, right: 30, top: 20, bottom: 40 },
      xAxis: { type: "time" },
      yAxis: { type: "category", data: names, inverse: true, axisLabel: { width: 300, overflow: "truncate", fontSize: 11 } },
      series: [{
        type: "custom",
        renderItem: function (params, api) {
          var start = api.coord([api.value(1), api.value(0)]), end = api.coord([api.value(2), api.value(0)]);
          var height = api.size([0, 1])[1] * 0.6;
          return { type: "rect", shape: { x: start[0], y: start[1] - height / 2, width: Math.max(end[0] - start[0], 2), height: height },
                   style: api.style({ fill: colours[rows[params.dataIndex].state] }) };
        },
        encode: { x: [1, 2], y: 0 },
        data: rows.map(function (r, i) { return [i, r.start, r.end]; }),
        markLine: { symbol: "none", label: { formatter: today }, lineStyle: { color: "#b54708" }, data: [{ xAxis: today }] }
      }]
    });
  }
  window.kpiCharts = { heatmap: heatmap, trend: trend, gantt: gantt };
})();

// Twelve-month trend of the branch's service figures (the table under the chart has the numbers).
(function () {
  var node = document.getElementById("trend-data");
  var target = document.getElementById("trend");
  if (!node || !target || typeof echarts === "undefined") return;
  var data = JSON.parse(node.textContent);
  var line = function (key, axis) {
    return { name: data.labels[key], type: "line", yAxisIndex: axis, data: data[key], connectNulls: false };
  };
  echarts.init(target).setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { data: [data.labels.counter_wait, data.labels.counter_handling, data.labels.phone_asa, data.labels.csat] },
    grid: { left: 50, right: 50, top: 40, bottom: 30 },
    xAxis: { type: "category", data: data.months },
    yAxis: [{ type: "value", name: "s" }, { type: "value", name: "%", min: 0, max: 100 }],
    series: [line("counter_wait", 0), line("counter_handling", 0), line("phone_asa", 0), line("csat", 1)]
  });
})();

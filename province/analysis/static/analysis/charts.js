/* Small ECharts helpers shared by the analysis pages (R2.5). Figures arrive through
   json_script; amounts are strings (exact decimals), so values are converted with Number. */
(function (global) {
  "use strict";

  function init(id) {
    const element = document.getElementById(id);
    if (!element) return null;
    const chart = echarts.init(element);
    window.addEventListener("resize", () => chart.resize());
    return chart;
  }

  function num(value) {
    return value === null || value === undefined ? null : Number(value);
  }

  /* Bars (or lines) over categories; series: [{name, data, type?, yAxisIndex?}]. */
  function bars(id, categories, series, options) {
    const chart = init(id);
    if (!chart) return;
    const opts = options || {};
    const yAxis = (opts.axes || [{}]).map((axis) => Object.assign({type: "value"}, axis));
    chart.setOption({
      tooltip: {trigger: "axis"},
      legend: {top: 0},
      grid: {left: 50, right: yAxis.length > 1 ? 50 : 20, top: 40, bottom: opts.rotate ? 80 : 40},
      xAxis: {type: "category", data: categories, axisLabel: {rotate: opts.rotate || 0}},
      yAxis: yAxis,
      series: series.map((s) => Object.assign(
        {type: "bar", stack: opts.stack ? "total" : undefined},
        s,
        {data: s.data.map(num)},
      )),
    });
  }

  /* A doughnut of [{label, count}] rows (or another value key). */
  function pie(id, rows, valueKey) {
    const chart = init(id);
    if (!chart) return;
    const key = valueKey || "count";
    chart.setOption({
      tooltip: {trigger: "item", formatter: "{b}: {c} ({d}%)"},
      legend: {type: "scroll", bottom: 0},
      series: [{
        type: "pie",
        radius: ["35%", "65%"],
        top: -20,
        data: rows.map((row) => ({name: row.label, value: num(row[key])})),
      }],
    });
  }

  global.AnalysisCharts = {bars: bars, pie: pie, num: num};
})(window);

// Runs in the report page: embed each chart spec as SVG; a failure is shown in place of its chart.
(function () {
  var specs = JSON.parse(document.getElementById('regsweep-specs').textContent);
  var pending = [];
  Object.keys(specs).forEach(function (id) {
    var el = document.getElementById('chart-' + id);
    if (!el || !specs[id]) return;
    pending.push(vegaEmbed(el, specs[id], { renderer: 'svg', actions: false }).catch(function (e) {
      el.innerHTML = '';
      var p = document.createElement('p');
      p.className = 'chart-error';
      p.textContent = 'chart failed: ' + (e && e.message ? e.message : String(e));
      el.appendChild(p);
    }));
  });
  Promise.all(pending).then(function () { document.body.setAttribute('data-charts', 'done'); });
})();

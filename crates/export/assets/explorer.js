// spillnet network explorer: draws the embedded view of the knowledge-flow
// graph with cytoscape.js at the positions computed by spillnet, and filters
// it in the browser. The filters apply the steps of spillnet's graph views
// (crates/network/src/graph/views.rs) to the embedded graph, in its order:
//  1. year slice: keep edges active in the year (annual) or started by it
//     (cumulative); drop suppliers and provinces this leaves without edges;
//     drop nodes whose own span does not match (models off the market, JVs
//     not yet founded or dissolved) and again the suppliers and provinces
//     left without edges;
//  2. channels: when some channel is switched off, keep only the edges of
//     the channels that are on and the nodes they touch;
//  3. minimum weights: drop weighted edges whose weight, summed over the
//     parallel edges of their channel between the same two nodes still shown,
//     is below the channel's minimum, and the nodes this leaves without edges;
//  4. focus: the clicked node, its neighbours and the edges between it and
//     them (its star; ties among the neighbours are left out to keep it legible).
// The URL fragment sets the initial state:
//   #year=2010&mode=cumulative&channels=owns,worker_flow&minw=worker_flow:10&focus=firm:FAW
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('graph-data').textContent);
  var KINDS = D.kinds, CHANNELS = D.channels, ATTRS = D.attributes;
  var N = D.nodes.map(function (a, i) {
    return { i: i, id: a[0], label: a[1], kind: KINDS[a[2]], x: a[3], y: a[4], from: a[5], to: a[6],
      group: a[7], segment: a[8], production: a[9], attrs: a[10], search: (a[1] + ' ' + a[0]).toLowerCase() };
  });
  var E = D.edges.map(function (a, j) {
    return { j: j, s: a[0], t: a[1], ch: CHANNELS[a[2]], c: a[2], weight: a[3], width: a[4], from: a[5], to: a[6],
      share: a[7], components: a[8] };
  });
  var byId = {};
  N.forEach(function (n) { byId[n.id] = n.i; });
  var $ = function (id) { return document.getElementById(id); };

  var state = { year: null, mode: 'cumulative', on: CHANNELS.map(function () { return true; }),
    minw: CHANNELS.map(function () { return 0; }), focus: null };

  // ------------------------------------------------------------ formatting
  function esc(s) {
    return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  }
  function fmt(x) {
    if (x === null || x === undefined) return '–';
    if (Math.abs(x - Math.round(x)) < 1e-9) return Math.round(x).toLocaleString('en-US');
    return x.toPrecision(4);
  }
  function compact(u) {
    var a = Math.abs(u);
    if (a >= 1e6) return (u / 1e6).toFixed(2) + 'M';
    if (a >= 1e3) return (u / 1e3).toFixed(1) + 'k';
    return u.toFixed(0);
  }
  function span(from, to) {
    if (from === null && to === null) return 'always';
    if (from !== null && to !== null && from === to) return String(from);
    return (from === null ? '' : from) + '–' + (to === null ? '' : to);
  }
  function unitsUpTo(n, year) {
    var best = null, by = null;
    for (var y in n.production) {
      var yy = +y;
      if ((year === null || yy <= year) && (by === null || yy > by)) { by = yy; best = n.production[y]; }
    }
    return best === null ? null : { year: by, units: best };
  }

  // ------------------------------------------------------------ URL fragment
  var fragmentNotes = [];
  // `bench=N` in the fragment: time N year-slider moves and N pan steps, each with a full
  // synchronous redraw, and publish the mean and worst times (data-bench-*) for measuring.
  var bench = 0;
  (function readFragment() {
    var h = window.location.hash.replace(/^#/, '');
    if (!h) return;
    h.split('&').forEach(function (kv) {
      var p = kv.split('='), k = decodeURIComponent(p[0]), v = decodeURIComponent(p.slice(1).join('='));
      var chIndex = function (name) {
        for (var c = 0; c < CHANNELS.length; c++) if (CHANNELS[c].name === name) return c;
        fragmentNotes.push('no channel `' + name + '` in this graph');
        return -1;
      };
      if (k === 'year') { if (/^-?\d+$/.test(v)) state.year = +v; else fragmentNotes.push('year `' + v + '` is not a year'); }
      else if (k === 'mode') { if (v === 'annual' || v === 'cumulative') state.mode = v; else fragmentNotes.push('mode `' + v + '`: annual or cumulative'); }
      else if (k === 'channels') {
        state.on = CHANNELS.map(function () { return false; });
        v.split(',').filter(Boolean).forEach(function (name) { var c = chIndex(name); if (c >= 0) state.on[c] = true; });
      } else if (k === 'minw') {
        v.split(',').filter(Boolean).forEach(function (cw) {
          var q = cw.split(':'), c = chIndex(q[0]), w = +q[1];
          if (c >= 0 && isFinite(w) && w >= 0) state.minw[c] = w;
        });
      } else if (k === 'bench') { bench = Math.max(1, Math.min(100, +v || 10)); }
      else if (k === 'focus') { if (v in byId) state.focus = byId[v]; else fragmentNotes.push('no node `' + v + '`'); }
      else fragmentNotes.push('unknown key `' + k + '`');
    });
  })();

  // ------------------------------------------------------------ filters
  function compute() {
    var n = N.length, m = E.length, i, j;
    var nodeOn = new Uint8Array(n).fill(1), edgeOn = new Uint8Array(m).fill(1);
    function degrees() {
      var d = new Int32Array(n);
      for (j = 0; j < m; j++) if (edgeOn[j]) { d[E[j].s]++; d[E[j].t]++; }
      return d;
    }
    function cutDangling() {
      for (j = 0; j < m; j++) if (edgeOn[j] && !(nodeOn[E[j].s] && nodeOn[E[j].t])) edgeOn[j] = 0;
    }
    function dropOrphans(before, pred) {
      var after = degrees();
      for (i = 0; i < n; i++) if (nodeOn[i] && before[i] > 0 && after[i] === 0 && pred(N[i])) nodeOn[i] = 0;
    }
    var plain = function (nd) { return nd.kind.name === 'supplier' || nd.kind.name === 'province'; };
    var any = function () { return true; };
    if (state.year !== null) {
      var t = state.year, cumulative = state.mode === 'cumulative';
      var keeps = function (from, to) {
        return (from === null || from <= t) && (cumulative || to === null || t <= to);
      };
      var before = degrees();
      for (j = 0; j < m; j++) if (!keeps(E[j].from, E[j].to)) edgeOn[j] = 0;
      dropOrphans(before, plain);
      before = degrees();
      for (i = 0; i < n; i++) if (nodeOn[i] && !keeps(N[i].from, N[i].to)) nodeOn[i] = 0;
      cutDangling();
      dropOrphans(before, plain);
    }
    if (state.on.some(function (o) { return !o; })) {
      for (j = 0; j < m; j++) if (!state.on[E[j].c]) edgeOn[j] = 0;
      var d = degrees();
      for (i = 0; i < n; i++) if (d[i] === 0) nodeOn[i] = 0;
    }
    if (state.minw.some(function (w, c) { return w > 0 && CHANNELS[c].weighted; })) {
      var pooled = new Map();
      for (j = 0; j < m; j++) {
        if (!edgeOn[j]) continue;
        var key = E[j].s + ',' + E[j].t + ',' + E[j].c;
        pooled.set(key, (pooled.get(key) || 0) + E[j].weight);
      }
      var before2 = degrees();
      for (j = 0; j < m; j++) {
        var w = state.minw[E[j].c];
        if (edgeOn[j] && E[j].ch.weighted && w > 0 && pooled.get(E[j].s + ',' + E[j].t + ',' + E[j].c) < w) edgeOn[j] = 0;
      }
      dropOrphans(before2, any);
    }
    var focusShown = state.focus !== null && nodeOn[state.focus] === 1;
    if (focusShown) {
      var f = state.focus, keep = new Uint8Array(n);
      keep[f] = 1;
      for (j = 0; j < m; j++) if (edgeOn[j]) { if (E[j].s === f) keep[E[j].t] = 1; if (E[j].t === f) keep[E[j].s] = 1; }
      for (i = 0; i < n; i++) nodeOn[i] = nodeOn[i] & keep[i];
      // Only the node's own edges: ties among its neighbours would hide them.
      for (j = 0; j < m; j++) if (edgeOn[j] && E[j].s !== f && E[j].t !== f) edgeOn[j] = 0;
    }
    return { nodeOn: nodeOn, edgeOn: edgeOn, focusShown: focusShown };
  }

  // ------------------------------------------------------------ drawing
  var maxUnits = 0;
  N.forEach(function (n) { for (var y in n.production) if (n.production[y] > maxUnits) maxUnits = n.production[y]; });
  var BASE = { foreign_parent: 22, jv: 20, domestic_firm: 20, model: 9, supplier: 8, province: 16 };
  var SHAPE = { box: 'rectangle', 'rounded box': 'round-rectangle', hexagon: 'hexagon', ellipse: 'ellipse',
    diamond: 'diamond', note: 'polygon' };
  var NOTE_POINTS = '-1 -1 0.5 -1 1 -0.5 1 1 -1 1';
  function nodeSize(n) {
    var u = unitsUpTo(n, state.year);
    var base = BASE[n.kind.name] || 12;
    if (u && u.units > 0 && maxUnits > 0) return Math.round((base + 40 * Math.sqrt(u.units / maxUnits)) * 10) / 10;
    return base;
  }
  function isWide(kind) { return kind.shape === 'box' || kind.shape === 'rounded box' || kind.shape === 'note' || kind.shape === 'ellipse'; }

  var elements = [];
  N.forEach(function (n) {
    elements.push({ group: 'nodes', data: { id: 'n' + n.i, k: n.kind.name, label: n.kind.labelled ? n.label : '',
      size: nodeSize(n), wide: isWide(n.kind) ? 1.6 : 1, wsize: 0 }, position: { x: n.x, y: n.y } });
  });
  elements.forEach(function (el) { el.data.wsize = Math.round(el.data.size * el.data.wide * 10) / 10; });
  E.forEach(function (e) {
    var lab = '';
    if (e.ch.name === 'owns' && e.share !== null) lab = Math.round(100 * e.share) + '%';
    else if (e.ch.weighted) lab = fmt(e.weight);
    elements.push({ group: 'edges', data: { id: 'e' + e.j, source: 'n' + e.s, target: 'n' + e.t, ch: e.ch.name,
      w: e.width, lab: lab } });
  });
  var style = [
    { selector: 'node', style: { 'width': 'data(wsize)', 'height': 'data(size)',
      'border-width': 1, 'border-color': '#555', 'label': 'data(label)', 'font-size': 9, 'min-zoomed-font-size': 6,
      'text-valign': 'bottom', 'text-margin-y': 2, 'text-outline-color': '#fff', 'text-outline-width': 2, 'color': '#222' } },
    { selector: 'edge', style: { 'curve-style': 'straight', 'width': 'data(w)', 'opacity': 0.75, 'arrow-scale': 0.7,
      'label': 'data(lab)', 'font-size': 7, 'min-zoomed-font-size': 9, 'color': '#444', 'text-outline-color': '#fff',
      'text-outline-width': 1.5 } },
    { selector: '.off', style: { 'display': 'none' } },
    { selector: 'node.focus', style: { 'border-width': 4, 'border-color': '#000' } },
    { selector: 'node.hover', style: { 'border-width': 3, 'border-color': '#d62728', 'label': 'data(full)' } },
    { selector: 'edge.hover', style: { 'opacity': 1, 'line-color': '#d62728', 'target-arrow-color': '#d62728' } }
  ];
  KINDS.forEach(function (k) {
    var s = { 'shape': SHAPE[k.shape] || 'ellipse', 'background-color': k.color };
    if (k.shape === 'note') s['shape-polygon-points'] = NOTE_POINTS;
    style.push({ selector: 'node[k = "' + k.name + '"]', style: s });
  });
  CHANNELS.forEach(function (c) {
    style.push({ selector: 'edge[ch = "' + c.name + '"]', style: { 'line-color': c.color, 'line-style': c.style,
      'target-arrow-shape': c.arrow ? 'triangle' : 'none', 'target-arrow-color': c.color } });
  });
  var big = E.length > 3000;
  var cy = cytoscape({
    container: $('cy'), elements: elements, style: style, layout: { name: 'preset', fit: true, padding: 30 },
    minZoom: 0.01, maxZoom: 10, boxSelectionEnabled: false, autounselectify: true, autoungrabify: true,
    hideEdgesOnViewport: big, textureOnViewport: big, pixelRatio: big ? 1 : 'auto'
  });
  var nodeEles = N.map(function (n) { return cy.getElementById('n' + n.i); });
  var edgeEles = E.map(function (e) { return cy.getElementById('e' + e.j); });
  nodeEles.forEach(function (ele, i) { ele.data('full', N[i].label); });

  var shown = null, current = null;
  function apply(refit) {
    var r = compute();
    current = r;
    cy.batch(function () {
      for (var i = 0; i < N.length; i++) {
        if (!shown || shown.nodeOn[i] !== r.nodeOn[i]) nodeEles[i].toggleClass('off', !r.nodeOn[i]);
        var s = nodeSize(N[i]);
        if (nodeEles[i].data('size') !== s) nodeEles[i].data({ size: s, wsize: Math.round(s * nodeEles[i].data('wide') * 10) / 10 });
        nodeEles[i].toggleClass('focus', state.focus === i);
      }
      for (var j = 0; j < E.length; j++) {
        if (!shown || shown.edgeOn[j] !== r.edgeOn[j]) edgeEles[j].toggleClass('off', !r.edgeOn[j]);
      }
    });
    shown = r;
    var nn = 0, ne = 0;
    for (var i = 0; i < N.length; i++) nn += r.nodeOn[i];
    for (var j = 0; j < E.length; j++) ne += r.edgeOn[j];
    var out = $('drawn');
    out.setAttribute('data-nodes', String(nn));
    out.setAttribute('data-edges', String(ne));
    out.setAttribute('data-errors', String(window.spillnetErrors.length));
    out.textContent = 'Drawn: ' + fmt(nn) + ' nodes, ' + fmt(ne) + ' edges (of ' + fmt(N.length) + ' and ' + fmt(E.length) + ' embedded)';
    if (refit) {
      var vis = cy.elements().not('.off');
      if (vis.length) {
        cy.fit(vis, 40);
        // A few nodes would fill the screen: keep them at a readable size.
        if (cy.zoom() > 1.5) cy.zoom({ level: 1.5, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
      }
    }
    renderFocus();
    renderChannelCounts();
  }

  // ------------------------------------------------------------ controls
  $('title').textContent = D.title;
  $('description').textContent = 'View: ' + D.description + '. Positions: spillnet force layout.';
  var yearInput = $('year'), allYears = $('all-years');
  var hasYears = D.years[0] !== null;
  if (hasYears) {
    yearInput.min = D.years[0]; yearInput.max = D.years[1];
    yearInput.value = state.year !== null ? state.year : D.years[1];
  } else {
    allYears.disabled = true;
  }
  function syncYear() {
    allYears.checked = state.year === null;
    $('year-controls').className = state.year === null ? 'disabled' : '';
    $('year-label').textContent = state.year === null ? '(all years)' : String(state.year);
    document.querySelectorAll('input[name=mode]').forEach(function (r) { r.checked = r.value === state.mode; });
  }
  allYears.addEventListener('change', function () {
    state.year = allYears.checked || !hasYears ? null : +yearInput.value;
    syncYear(); apply(false);
  });
  yearInput.addEventListener('input', function () { state.year = +yearInput.value; syncYear(); apply(false); });
  document.querySelectorAll('input[name=mode]').forEach(function (r) {
    r.addEventListener('change', function () { state.mode = r.value; apply(false); });
  });
  syncYear();

  function lineSvg(c, width) {
    var dash = c.style === 'dashed' ? '6,3' : c.style === 'dotted' ? '1.5,2.5' : '';
    return '<svg class="swatch" width="' + width + '" height="12" viewBox="0 0 ' + width + ' 12">' +
      '<line x1="1" y1="6" x2="' + (width - (c.arrow ? 8 : 1)) + '" y2="6" stroke="' + c.color + '" stroke-width="2"' +
      (dash ? ' stroke-dasharray="' + dash + '"' : '') + '/>' +
      (c.arrow ? '<polygon points="' + (width - 9) + ',2 ' + (width - 1) + ',6 ' + (width - 9) + ',10" fill="' + c.color + '"/>' : '') +
      '</svg>';
  }
  var channelsBox = $('channels');
  CHANNELS.forEach(function (c, i) {
    var div = document.createElement('div');
    div.className = 'channel';
    var html = '<label><input type="checkbox" data-c="' + i + '"' + (state.on[i] ? ' checked' : '') + '> ' +
      lineSvg(c, 34) + '<b>' + esc(c.name) + '</b> <span class="muted" id="count-' + i + '"></span></label>';
    if (c.weighted) {
      var max = Math.max(1, Math.ceil(c.max_weight));
      html += '<div class="minw">min weight <input type="range" min="0" max="' + max + '" step="1" value="' +
        state.minw[i] + '" data-w="' + i + '"> <span id="minw-' + i + '">' + state.minw[i] + '</span></div>';
    }
    div.innerHTML = html;
    channelsBox.appendChild(div);
  });
  channelsBox.querySelectorAll('input[type=checkbox]').forEach(function (cb) {
    cb.addEventListener('change', function () { state.on[+cb.getAttribute('data-c')] = cb.checked; apply(false); });
  });
  channelsBox.querySelectorAll('input[type=range]').forEach(function (sl) {
    sl.addEventListener('input', function () {
      var c = +sl.getAttribute('data-w');
      state.minw[c] = +sl.value;
      $('minw-' + c).textContent = sl.value;
      apply(false);
    });
  });
  function renderChannelCounts() {
    var counts = CHANNELS.map(function () { return 0; });
    for (var j = 0; j < E.length; j++) if (current.edgeOn[j]) counts[E[j].c]++;
    CHANNELS.forEach(function (c, i) { $('count-' + i).textContent = fmt(counts[i]) + ' of ' + fmt(c.count) + ' edges'; });
  }

  // Search: label or id containing the text; Enter or a list pick focuses the first match.
  var names = $('names');
  var sorted = N.slice().sort(function (a, b) { return a.label < b.label ? -1 : a.label > b.label ? 1 : a.i - b.i; });
  names.innerHTML = sorted.filter(function (n) { return n.kind.labelled; })
    .map(function (n) { return '<option value="' + esc(n.label) + '">'; }).join('');
  function matches(q) {
    q = q.trim().toLowerCase();
    if (!q) return [];
    var exact = sorted.filter(function (n) { return n.label.toLowerCase() === q || n.id.toLowerCase() === q; });
    var part = sorted.filter(function (n) { return n.search.indexOf(q) >= 0 && exact.indexOf(n) < 0; });
    return exact.concat(part);
  }
  function nodeLink(i) {
    return '<a class="node-link" data-node="' + i + '">' + esc(N[i].label) + '</a>';
  }
  $('search').addEventListener('input', function () {
    var m = matches(this.value);
    $('matches').innerHTML = m.slice(0, 15).map(function (n) {
      return '<a class="node-link" data-node="' + n.i + '">' + esc(n.label) + ' <span class="muted">' + esc(n.kind.caption) + '</span></a>';
    }).join('') + (m.length > 15 ? '<span class="muted">… ' + (m.length - 15) + ' more</span>' : '') +
      (this.value.trim() && !m.length ? '<span class="muted">no node matches</span>' : '');
  });
  $('search').addEventListener('keydown', function (e) {
    if (e.key === 'Enter') { var m = matches(this.value); if (m.length) setFocus(m[0].i); }
  });
  $('search').addEventListener('change', function () {
    var m = matches(this.value);
    if (m.length && m[0].label.toLowerCase() === this.value.trim().toLowerCase()) setFocus(m[0].i);
  });
  document.addEventListener('click', function (e) {
    var a = e.target.closest && e.target.closest('a.node-link');
    if (a) { e.preventDefault(); setFocus(+a.getAttribute('data-node')); }
    if (e.target.id === 'clear-focus') setFocus(null);
  });

  function setFocus(i) {
    state.focus = i;
    apply(true);
  }

  // Focus panel: the node and its neighbours by channel and direction, with summed weights and years.
  function renderFocus() {
    var box = $('focus');
    if (state.focus === null) {
      box.innerHTML = '<p class="muted">Click a node (or pick one in the search) to show only it, its neighbours and its edges to them; ' +
        'click the background or <i>clear</i> to show everything again.</p>' +
        (fragmentNotes.length ? '<p class="muted">URL fragment: ' + esc(fragmentNotes.join('; ')) + '</p>' : '');
      return;
    }
    var f = state.focus, n = N[f];
    var html = '<p><b>' + esc(n.label) + '</b> <span class="muted">' + esc(n.kind.caption) + '</span> ' +
      '<button id="clear-focus">clear</button></p>';
    if (!current.focusShown) {
      html += '<p class="muted">Not shown with the current year, channel and weight settings.</p>';
      box.innerHTML = html;
      return;
    }
    var groups = {};
    for (var j = 0; j < E.length; j++) {
      if (!current.edgeOn[j]) continue;
      var e = E[j], out = e.s === f, other = out ? e.t : e.s;
      if (e.s !== f && e.t !== f) continue;
      var key = e.ch.name + (e.ch.arrow ? (out ? ' →' : ' ←') : '');
      var g = groups[key] || (groups[key] = {});
      var r = g[other] || (g[other] = { weight: 0, from: null, to: null, n: 0, share: null });
      r.weight += e.weight; r.n++;
      if (e.share !== null) r.share = e.share;
      if (e.from !== null && (r.from === null || e.from < r.from)) r.from = e.from;
      if (e.to !== null && (r.to === null || e.to > r.to)) r.to = e.to;
    }
    var rank = function (key) { return key.indexOf('→') >= 0 ? 0 : key.indexOf('←') >= 0 ? 1 : 2; };
    Object.keys(groups).sort(function (a, b) {
      var ca = a.split(' ')[0], cb = b.split(' ')[0];
      return ca < cb ? -1 : ca > cb ? 1 : rank(a) - rank(b);
    }).forEach(function (key) {
      var g = groups[key], others = Object.keys(g).map(Number);
      others.sort(function (a, b) { return g[b].weight - g[a].weight || (N[a].label < N[b].label ? -1 : 1); });
      html += '<div><b>' + esc(key) + '</b> (' + others.length + ')<ul>' + others.map(function (o) {
        var r = g[o], ch = key.split(' ')[0], bits = [N[o].kind.caption];
        if (ch === 'worker_flow') bits.push(fmt(r.weight) + ' workers');
        else if (ch === 'supplies') bits.push(fmt(r.weight) + ' components');
        else if (ch === 'shared_supplier') bits.push(fmt(r.weight) + ' shared suppliers');
        else if (r.share !== null) bits.push(Math.round(100 * r.share) + '% share');
        else if (r.weight !== r.n) bits.push('weight ' + fmt(r.weight));
        if (r.from !== null || r.to !== null) bits.push(span(r.from, r.to));
        return '<li>' + nodeLink(o) + (bits.length ? ' <span class="muted">' + esc(bits.join(', ')) + '</span>' : '') + '</li>';
      }).join('') + '</ul></div>';
    });
    box.innerHTML = html;
  }

  // Tooltips.
  var tip = $('tooltip');
  function showTip(html, ev) {
    tip.innerHTML = html;
    tip.hidden = false;
    var x = ev.clientX + 14, y = ev.clientY + 14;
    if (x + 360 > window.innerWidth) x = Math.max(0, ev.clientX - 370);
    tip.style.left = x + 'px';
    tip.style.top = Math.min(y, window.innerHeight - 40) + 'px';
  }
  function row(k, v) { return '<tr><td>' + esc(k) + '</td><td>' + esc(v) + '</td></tr>'; }
  function nodeTip(i) {
    var n = N[i], rows = '';
    rows += row('kind', n.kind.caption) + row('id', n.id);
    if (n.group !== null) rows += row('group', n.group);
    if (n.segment !== null) rows += row('segment', n.segment);
    if (n.from !== null || n.to !== null) rows += row('years', span(n.from, n.to));
    var u = unitsUpTo(n, state.year);
    if (u) rows += row('production', fmt(u.units) + ' units in ' + u.year);
    var din = 0, dout = 0;
    for (var j = 0; j < E.length; j++) {
      if (!current.edgeOn[j]) continue;
      if (E[j].t === i) din++;
      if (E[j].s === i) dout++;
    }
    rows += row('drawn edges in / out', din + ' / ' + dout);
    ATTRS.forEach(function (a, k) { if (n.attrs[k] !== null) rows += row(a + ' (embedded view)', fmt(n.attrs[k])); });
    return '<b>' + esc(n.label) + '</b><table>' + rows + '</table><span class="muted">click to focus</span>';
  }
  function edgeTip(j) {
    var e = E[j], rows = '';
    rows += row('channel', e.ch.caption);
    rows += row('from → to', N[e.s].label + ' → ' + N[e.t].label);
    rows += row('weight', fmt(e.weight));
    rows += row('years', span(e.from, e.to));
    if (e.share !== null) rows += row('equity share', Math.round(100 * e.share) + '%');
    if (e.components.length) rows += row('components', e.components.slice(0, 12).join(', ') + (e.components.length > 12 ? ', …' : ''));
    return '<table>' + rows + '</table>';
  }
  cy.on('mouseover', 'node', function (ev) {
    ev.target.addClass('hover');
    showTip(nodeTip(+ev.target.id().slice(1)), ev.originalEvent);
  });
  cy.on('mouseover', 'edge', function (ev) {
    ev.target.addClass('hover');
    showTip(edgeTip(+ev.target.id().slice(1)), ev.originalEvent);
  });
  cy.on('mouseout', 'node, edge', function (ev) { ev.target.removeClass('hover'); tip.hidden = true; });
  cy.on('tap', 'node', function (ev) { setFocus(+ev.target.id().slice(1)); });
  cy.on('tap', function (ev) { if (ev.target === cy && state.focus !== null) setFocus(null); });

  // Legend: every mark and number on the page.
  function shapeSvg(k) {
    var c = k.color, st = ' fill="' + c + '" stroke="#555"', body;
    switch (k.shape) {
      case 'box': body = '<rect x="2" y="5" width="26" height="14"' + st + '/>'; break;
      case 'rounded box': body = '<rect x="2" y="5" width="26" height="14" rx="5"' + st + '/>'; break;
      case 'hexagon': body = '<polygon points="8,4 22,4 28,12 22,20 8,20 2,12"' + st + '/>'; break;
      case 'diamond': body = '<polygon points="15,3 26,12 15,21 4,12"' + st + '/>'; break;
      case 'note': body = '<polygon points="2,5 23,5 28,9 28,19 2,19"' + st + '/>'; break;
      default: body = '<ellipse cx="15" cy="12" rx="13" ry="7"' + st + '/>';
    }
    return '<svg width="30" height="24" viewBox="0 0 30 24">' + body + '</svg>';
  }
  var legend = KINDS.map(function (k) {
    return '<div class="legend-row">' + shapeSvg(k) + '<span>' + esc(k.caption) + ' <span class="muted">(' +
      esc(k.name) + ', ' + fmt(k.count) + ')</span></span></div>';
  }).join('') + CHANNELS.map(function (c) {
    return '<div class="legend-row">' + lineSvg(c, 30) + '<span>' + esc(c.caption) + ' <span class="muted">(' + fmt(c.count) +
      ')</span></span></div>';
  }).join('') +
    '<p class="muted">Node size: √ of the firm\'s production in the latest year up to the year chosen (all years: the latest); ' +
    'nodes without production have their kind\'s size. Edge width: 1 + ln(weight), from 0.5 to 8. Edge labels (zoom in): ' +
    'equity share of owns edges, the weight of weighted edges. Arrows point from source to target; shared-supplier and ' +
    'located-in edges have none. Parallel edges (one per year, e.g. worker flows) are drawn on top of each other; ' +
    'the focus panel sums them.</p>' +
    '<p class="muted"><b>Drawn</b>: nodes and edges shown now, each yearly edge counted once (what <code>spillnet graph stats</code> ' +
    'counts for the same view). Tooltip attributes marked <i>embedded view</i> are computed by spillnet on the whole ' +
    'embedded view; <i>drawn edges</i> count what is on screen. Minimum-weight sliders sum a pair\'s parallel edges ' +
    'of the channel that are shown.</p>';
  $('legend').innerHTML = legend;

  apply(state.focus !== null);
  var out = $('drawn');
  out.setAttribute('data-setup-ms', String(Math.round(performance.now())));
  if (bench) {
    var renderer = cy.renderer(), times = function (step) {
      var all = [], draw = [];
      for (var b = 0; b < bench; b++) {
        var t0 = performance.now();
        step(b);
        var t1 = performance.now();
        renderer.render({ drawAllLayers: true });
        all.push(performance.now() - t0);
        draw.push(performance.now() - t1);
      }
      var mean = function (v) { return Math.round(v.reduce(function (a, x) { return a + x; }, 0) / v.length); };
      // mean / worst total, then the mean of the drawing alone
      return mean(all) + '/' + Math.round(Math.max.apply(null, all)) + ' draw ' + mean(draw);
    };
    var saved = state.year, lo = hasYears ? D.years[0] : null, hi = hasYears ? D.years[1] : null;
    out.setAttribute('data-bench-year-ms', times(function (b) {
      state.year = hasYears ? lo + Math.round((hi - lo) * (b + 1) / bench) : null;
      apply(false);
    }));
    state.year = saved;
    apply(false);
    out.setAttribute('data-bench-pan-ms', times(function (b) { cy.panBy({ x: b % 2 ? -20 : 20, y: 0 }); }));
    out.setAttribute('data-bench-zoom-ms', times(function (b) {
      cy.zoom({ level: cy.zoom() * (b % 2 ? 1 / 1.2 : 1.2), renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
    }));
  }
  out.setAttribute('data-ready', 'true');
})();

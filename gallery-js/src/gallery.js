// The mediakit gallery page: reads data/index.js (written by mediakit.gallery.build), draws one
// panel per logged key, loads each panel's data scripts when it scrolls into view. Only DOM APIs
// and textContent are used for logged text (never innerHTML). Heavy libraries (vega, plotly,
// three) are separate scripts in assets/, loaded the first time a panel needs them.
(function () {
  'use strict';
  const MKG = (window.MKG = window.MKG || {});
  const store = new Map();
  const waiting = new Map();
  const requested = new Set();

  MKG.d = function (id, value) {
    store.set(id, value);
    const list = waiting.get(id) || [];
    waiting.delete(id);
    list.forEach((f) => f[0](value));
  };

  function script(src) {
    return new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = src;
      s.onload = () => resolve();
      s.onerror = () => reject(new Error('could not load ' + src));
      document.head.appendChild(s);
    });
  }

  // The value a data script registers under `id` (the script at `path` is loaded once).
  function load(id, path) {
    if (store.has(id)) return Promise.resolve(store.get(id));
    return new Promise((resolve, reject) => {
      if (!waiting.has(id)) waiting.set(id, []);
      waiting.get(id).push([resolve, reject]);
      if (!requested.has(path)) {
        requested.add(path);
        script(path).catch((e) => {
          const list = waiting.get(id) || [];
          waiting.delete(id);
          requested.delete(path);
          list.forEach((f) => f[1](e));
        });
      }
    });
  }
  const file = (id) => load(id, 'data/f/' + id.slice(0, 2) + '/' + id + '.js');
  MKG.load = load;

  const libs = {};
  function lib(name) {
    if (!libs[name]) libs[name] = script('assets/' + name);
    return libs[name];
  }
  MKG.lib = lib;

  // -- DOM helpers --------------------------------------------------------------------------------
  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : v);
    }
    for (const kid of kids.flat()) if (kid !== null && kid !== undefined) el.append(kid);
    return el;
  }
  const svgNS = 'http://www.w3.org/2000/svg';
  function s(tag, attrs) {
    const el = document.createElementNS(svgNS, tag);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
    return el;
  }
  function fmt(v) {
    if (v === null || v === undefined) return '—';
    if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(+v.toPrecision(6));
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v);
  }
  function errorBox(msg) {
    return h('div', { class: 'mk-error', role: 'alert' }, h('strong', { text: 'Cannot show this value: ' }), h('span', { text: msg }));
  }
  function note(msg) {
    return h('div', { class: 'mk-note', text: msg });
  }
  function caption(text) {
    return text ? h('div', { class: 'mk-caption', text: text }) : null;
  }

  // -- views per item type --------------------------------------------------------------------------
  const views = {};

  views.error = (it) => errorBox(it.msg);
  views.text = (it) => h('pre', { class: 'mk-text', text: fmt(it.value) });
  views.json = (it) => h('pre', { class: 'mk-text', text: JSON.stringify(it.value, null, 2) });
  views.scalar = (it) => h('div', { class: 'mk-big', text: fmt(it.value) });

  // Image with mask layers (canvas, coloured per class here from id-coded PNG data URLs) and box
  // groups (SVG), toggled per layer, per group and per class; a score threshold hides boxes.
  views.image = (it, panel) => {
    const st = panel.state;
    const wrap = h('div', { class: 'mk-image' });
    const stage = h('div', { class: 'mk-stage', style: `aspect-ratio:${it.w}/${it.h}` });
    stage.append(h('img', { src: it.thumb || it.src, alt: it.caption || panel.key, width: it.w, height: it.h, decoding: 'async' }));
    const masks = it.masks || [];
    const groups = it.boxes || [];
    const canvases = masks.map((m) => {
      const c = h('canvas', { class: 'mk-mask', 'data-layer': m.name });
      stage.append(c);
      return c;
    });
    const svg = s('svg', { class: 'mk-boxes', viewBox: `0 0 ${it.w} ${it.h}`, preserveAspectRatio: 'none' });
    if (groups.length) stage.append(svg);
    wrap.append(stage);

    const idsCache = masks.map(() => null);
    const colourOf = (cls) => Object.fromEntries(cls.map((c) => [c[0], c[2]]));
    function drawMask(i) {
      const m = masks[i], c = canvases[i];
      const paint = (ids, w, hh) => {
        c.width = w; c.height = hh;
        const ctx = c.getContext('2d');
        const img = ctx.createImageData(w, hh);
        const hidden = st.layers.has('mask:' + m.name);
        const colours = {};
        for (const [id, , hex] of m.classes) {
          if (st.classes.has(m.name + ':' + id)) continue;
          colours[id] = [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)];
        }
        if (!hidden) {
          for (let p = 0; p < ids.length; p++) {
            const col = colours[ids[p]];
            if (col) { img.data[4 * p] = col[0]; img.data[4 * p + 1] = col[1]; img.data[4 * p + 2] = col[2]; img.data[4 * p + 3] = 115; }
          }
        }
        ctx.putImageData(img, 0, 0);
      };
      if (idsCache[i]) return paint(...idsCache[i]);
      const im = new Image();
      im.onload = () => {
        const t = document.createElement('canvas');
        t.width = im.naturalWidth; t.height = im.naturalHeight;
        const tc = t.getContext('2d', { willReadFrequently: true });
        tc.drawImage(im, 0, 0);
        const px = tc.getImageData(0, 0, t.width, t.height).data;
        const ids = new Int32Array(t.width * t.height);
        for (let p = 0; p < ids.length; p++) ids[p] = px[4 * p] + 256 * px[4 * p + 1];
        idsCache[i] = [ids, t.width, t.height];
        paint(ids, t.width, t.height);
      };
      im.src = m.data;
    }
    const scoreKeys = [...new Set(groups.flatMap((g) => g.boxes.flatMap((b) => Object.keys(b[6]))))].sort();
    if (st.scoreKey === undefined || (st.scoreKey && !scoreKeys.includes(st.scoreKey))) st.scoreKey = scoreKeys[0] || null;
    function drawBoxes() {
      svg.replaceChildren();
      const lw = Math.max(1, Math.round(Math.max(it.w, it.h) / 200));
      for (const g of groups) {
        if (st.layers.has('boxes:' + g.name)) continue;
        const colours = colourOf(g.classes);
        const names = Object.fromEntries(g.classes.map((c) => [c[0], c[1]]));
        for (const [x0, y0, x1, y1, cid, cap, scores] of g.boxes) {
          if (st.classes.has(g.name + ':' + cid)) continue;
          if (st.scoreKey && scores[st.scoreKey] !== undefined && scores[st.scoreKey] < st.threshold) continue;
          const col = colours[cid] || '#e6194b';
          svg.append(s('rect', { x: x0, y: y0, width: x1 - x0, height: y1 - y0, fill: 'none', stroke: col, 'stroke-width': lw, 'data-group': g.name, 'data-class': cid }));
          let label = cap || names[cid] || '';
          if (st.scoreKey && scores[st.scoreKey] !== undefined) label += ` ${st.scoreKey}=${fmt(scores[st.scoreKey])}`;
          if (label) {
            const fs = Math.max(8, Math.round(Math.max(it.w, it.h) / 28));
            const t = s('text', { x: x0 + lw, y: Math.max(y0 - lw, fs), fill: col, 'font-size': fs, 'font-family': 'sans-serif' });
            t.textContent = label;
            svg.append(t);
          }
        }
      }
    }
    function redraw() {
      masks.forEach((_, i) => drawMask(i));
      drawBoxes();
    }
    // controls
    const controls = h('div', { class: 'mk-controls' });
    const toggle = (label, key, set) =>
      h('label', { class: 'mk-toggle' },
        h('input', { type: 'checkbox', checked: !set.has(key), 'data-toggle': key, onchange: (e) => { e.target.checked ? set.delete(key) : set.add(key); redraw(); } }),
        h('span', { text: label }));
    for (const m of masks) {
      controls.append(h('div', { class: 'mk-layer' }, toggle('mask: ' + m.name, 'mask:' + m.name, st.layers),
        h('div', { class: 'mk-legend' }, m.classes.map(([id, name, col]) => h('span', { class: 'mk-class' }, h('i', { style: `background:${col}` }), toggle(name, m.name + ':' + id, st.classes))))));
    }
    for (const g of groups) {
      controls.append(h('div', { class: 'mk-layer' }, toggle(`boxes: ${g.name} (${g.boxes.length})`, 'boxes:' + g.name, st.layers),
        h('div', { class: 'mk-legend' }, g.classes.map(([id, name, col]) => h('span', { class: 'mk-class' }, h('i', { style: `background:${col}` }), toggle(name, g.name + ':' + id, st.classes))))));
    }
    if (scoreKeys.length) {
      const all = groups.flatMap((g) => g.boxes.map((b) => b[6][st.scoreKey])).filter((v) => typeof v === 'number');
      const lo = Math.min(0, ...all), hi = Math.max(1, ...all);
      const out = h('output', { text: fmt(st.threshold) });
      const range = h('input', { type: 'range', min: lo, max: hi, step: (hi - lo) / 100, value: st.threshold, class: 'mk-threshold', 'aria-label': 'score threshold',
        oninput: (e) => { st.threshold = +e.target.value; out.textContent = fmt(st.threshold); drawBoxes(); } });
      const pick = h('select', { class: 'mk-score-key', 'aria-label': 'score', onchange: (e) => { st.scoreKey = e.target.value; drawBoxes(); } },
        scoreKeys.map((k) => h('option', { value: k, selected: k === st.scoreKey, text: k })));
      controls.append(h('div', { class: 'mk-score' }, h('span', { text: 'min score ' }), pick, range, out));
    }
    if (masks.length || groups.length) wrap.append(controls);
    redraw();
    if (it.caption) wrap.append(caption(it.caption));
    return wrap;
  };

  views.list = (it, panel) => {
    const wrap = h('div', { class: 'mk-list' });
    const detail = h('div', { class: 'mk-detail' });
    const grid = h('div', { class: 'mk-grid' });
    const per = 60;
    let shown = 0;
    const open = (i) => {
      detail.replaceChildren(h('div', { class: 'mk-detail-title', text: `item ${i + 1} of ${it.count}` }), render(it.items[i], panel));
      grid.querySelectorAll('.mk-cell').forEach((c) => c.classList.toggle('mk-on', +c.dataset.i === i));
    };
    const more = h('button', { class: 'mk-more', onclick: () => addCells() });
    function addCells() {
      const end = Math.min(it.items.length, shown + per);
      for (let i = shown; i < end; i++) grid.append(h('button', { class: 'mk-cell', 'data-i': i, onclick: () => open(i) }, cell(it.items[i])));
      shown = end;
      more.textContent = `show more (${it.items.length - shown} left)`;
      more.hidden = shown >= it.items.length;
    }
    addCells();
    wrap.append(detail, grid, more);
    if (it.items.length) open(Math.min(panel.state.item || 0, it.items.length - 1));
    return wrap;
  };

  // A small preview of an item (list cells and table media cells): its thumbnail first.
  function cell(it) {
    const src = it.thumb || (it.t === 'image' ? it.src : null);
    if (src) return h('img', { src, alt: it.caption || it.t, loading: 'lazy', decoding: 'async' });
    if (it.t === 'error') return h('span', { class: 'mk-cell-error', text: '⚠ ' + it.msg });
    return h('span', { class: 'mk-cell-kind', text: it.t });
  }

  views.audio = (it) => {
    const audio = h('audio', { controls: true, preload: 'none', src: it.src });
    const parts = [it.thumb ? h('img', { class: 'mk-wave', src: it.thumb, alt: 'waveform', loading: 'lazy' }) : null, audio, caption(it.caption)];
    if (!audio.canPlayType(it.mime)) parts.push(note(`This browser cannot play ${it.mime}.`));
    return h('div', { class: 'mk-audio' }, parts);
  };

  views.video = (it) => {
    const parts = [];
    if (it.format === 'gif') {
      parts.push(h('img', { src: it.src, alt: it.caption || 'animation', class: 'mk-gif' }));
    } else {
      const v = h('video', { controls: true, preload: 'metadata', muted: true, playsinline: true, poster: it.thumb, width: it.w, height: it.h });
      const playable = v.canPlayType(it.mime) !== '';
      if (playable && !it.note) {
        v.src = it.src;
        parts.push(v);
      } else {
        if (it.thumb) parts.push(h('img', { src: it.thumb, alt: 'first frame' }));
        parts.push(note((it.note || `This browser cannot play ${it.mime}.`) + ' '), h('a', { href: it.src, download: true, text: 'download the file' }));
      }
    }
    parts.push(caption(it.caption));
    return h('div', { class: 'mk-video' }, parts);
  };

  views.html = (it) => {
    // Sandboxed without allow-scripts and without allow-same-origin; srcdoc inherits the
    // page's Content-Security-Policy, so logged HTML can neither run scripts nor load anything.
    const frame = h('iframe', { sandbox: '', class: 'mk-html', title: it.title || 'logged HTML', referrerpolicy: 'no-referrer' });
    const box = h('div', { class: 'mk-htmlbox' }, frame);
    file(it.file).then((text) => { frame.srcdoc = text; }, (e) => box.replaceChildren(errorBox(e.message)));
    return box;
  };

  function later(build) {
    // A container filled asynchronously; failures become an error box in place.
    const box = h('div', { class: 'mk-async' }, h('div', { class: 'mk-loading', text: 'loading…' }));
    Promise.resolve().then(() => build(box)).catch((e) => box.replaceChildren(errorBox(e && e.message ? e.message : String(e))));
    return box;
  }

  function vegaEmbed(box, spec) {
    return lib('vega.js').then(() => window.MKVega.embed(box, spec)).then(() => box.querySelector('.mk-loading')?.remove());
  }
  MKG.vegaEmbed = vegaEmbed;

  views.chart = (it) => later(async (box) => {
    const spec = JSON.parse(JSON.stringify(it.spec));
    if (it.file) spec.datasets = Object.assign({}, spec.datasets, { table: await file(it.file) });
    await vegaEmbed(box, spec);
  });

  function histSpec(bins, values, title) {
    const rows = values.map((v, i) => ({ x0: bins[i], x1: bins[i + 1], count: v }));
    return {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json', width: 'container', height: 200, title: title || undefined,
      data: { values: rows }, mark: { type: 'rect', tooltip: true, color: '#4c78a8' },
      encoding: { x: { field: 'x0', type: 'quantitative', title: 'value' }, x2: { field: 'x1' }, y: { field: 'count', type: 'quantitative' } },
    };
  }
  views.histogram = (it, panel) => {
    const wrap = h('div', { class: 'mk-hist' });
    const single = later((box) => vegaEmbed(box, histSpec(it.bins, it.values)));
    wrap.append(single);
    if (panel.over_steps) {
      const over = h('div', { class: 'mk-over', hidden: !panel.state.over });
      const btn = h('label', { class: 'mk-toggle' }, h('input', { type: 'checkbox', checked: !!panel.state.over, class: 'mk-over-toggle', onchange: (e) => {
        panel.state.over = e.target.checked; over.hidden = !e.target.checked; single.hidden = e.target.checked; if (e.target.checked && !over.firstChild) fill(); } }), h('span', { text: 'over steps' }));
      const fill = () => over.append(later(async (box) => {
        const rows = await file(panel.over_steps);
        await vegaEmbed(box, {
          $schema: 'https://vega.github.io/schema/vega-lite/v5.json', width: 'container', height: 220, data: { values: rows },
          mark: { type: 'rect', tooltip: true },
          encoding: { x: { field: 'x0', type: 'quantitative', title: 'value' }, x2: { field: 'x1' }, y: { field: 'step', type: 'ordinal', sort: 'descending' },
            color: { field: 'count', type: 'quantitative', scale: { scheme: 'viridis' } } },
        });
      }));
      single.hidden = !!panel.state.over;
      if (panel.state.over) fill();
      wrap.prepend(btn);
      wrap.append(over);
    }
    return wrap;
  };
  views.tensor = (it, panel) => {
    const rows = Object.entries(it.stats).map(([k, v]) => h('tr', {}, h('th', { text: k }), h('td', { text: fmt(v) })));
    return h('div', {}, h('table', { class: 'mk-kv' }, rows), it.bins ? views.histogram(it, panel) : null);
  };

  views.plotly = (it) => later(async (box) => {
    const fig = await file(it.file);
    await lib('plotly.min.js');
    box.replaceChildren();
    const el = h('div', { class: 'mk-plotly' });
    box.append(el);
    const layout = Object.assign({}, fig.layout || {}, { autosize: true });
    await window.Plotly.newPlot(el, fig.data || [], layout, { displaylogo: false, responsive: true, showLink: false, showSendToCloud: false, showEditInChartStudio: false, topojsonURL: 'assets/', mathjax: false });
  });

  // 3-D: the software thumbnail first; the interactive view on demand (WebGL contexts are few).
  function view3d(it, panel, make) {
    const box = h('div', { class: 'mk-3d' });
    const thumb = it.thumb ? h('img', { src: it.thumb, alt: 'thumbnail', class: 'mk-3d-thumb' }) : null;
    const start = async () => {
      btn.disabled = true;
      try {
        const payload = await file(it.file);
        await lib('viewer3d.js');
        const host = h('div', { class: 'mk-3d-view' });
        box.replaceChildren(...[host, caption(it.caption)].filter(Boolean));
        panel.dispose = window.MK3D[make](host, payload, it);
        panel.state.live = true;
      } catch (e) {
        box.replaceChildren(...[thumb, note('The interactive view could not start (' + (e && e.message ? e.message : e) + '); this is the software rendering.'), caption(it.caption)].filter(Boolean));
      }
    };
    const btn = h('button', { class: 'mk-3d-start', onclick: start, disabled: !it.file, text: it.file ? 'open 3-D view' : 'file too large for the 3-D view' });
    box.append(...[thumb, h('div', {}, btn), caption(it.caption)].filter(Boolean));
    if (panel.state.live && it.file) start();
    return box;
  }
  views.molecule = (it, panel) => view3d(it, panel, 'molecule');
  views.object3d = (it, panel) => view3d(it, panel, 'object');

  views.other = (it) => h('div', {}, it.thumb ? h('img', { src: it.thumb, alt: it.kind }) : null,
    h('table', { class: 'mk-kv' }, Object.entries(it.fields).map(([k, v]) => h('tr', {}, h('th', { text: k }), h('td', { text: fmt(v) })))));

  views.table = (it, panel) => MKG.tableView(it, panel, { h, file, load, cell, fmt, errorBox, note });

  function render(it, panel) {
    const v = views[it.t] || views.json;
    try {
      return v(it, panel);
    } catch (e) {
      return errorBox('this ' + it.t + ' could not be drawn: ' + e.message);
    }
  }
  MKG.render = render;

  // -- panels ---------------------------------------------------------------------------------------
  function panelEl(p, index) {
    p.state = { layers: new Set(), classes: new Set(), threshold: 0, pos: p.steps.length - 1 };
    const body = h('div', { class: 'mk-body' }, h('div', { class: 'mk-loading', text: 'loading…' }));
    const head = h('header', {}, h('h2', { text: p.key }), h('span', { class: 'mk-kind', text: p.kind }));
    const el = h('section', { class: 'mk-panel mk-kind-' + p.kind, id: 'panel-' + p.id, 'data-key': p.key }, head, body);
    let foot = null;
    if (p.series === undefined && p.steps.length > 1) {
      const label = h('output', { class: 'mk-step-label' });
      const range = h('input', { type: 'range', min: 0, max: p.steps.length - 1, value: p.state.pos, class: 'mk-step', 'aria-label': 'step of ' + p.key });
      let timer = null;
      range.addEventListener('input', () => {
        p.state.pos = +range.value;
        label.textContent = `step ${p.steps[p.state.pos]}`;
        clearTimeout(timer);
        timer = setTimeout(() => show(p, body), 60);
      });
      label.textContent = `step ${p.steps[p.state.pos]}`;
      foot = h('footer', {}, range, label, h('span', { class: 'mk-step-count', text: `${p.steps.length} steps` }));
      el.append(foot);
    } else if (p.series === undefined) {
      el.append(h('footer', {}, h('span', { class: 'mk-step-label', text: `step ${p.steps[0]}` })));
    }
    p.el = el;
    return el;
  }

  async function show(p, body) {
    const pos = p.state.pos;
    const token = (p.token = (p.token || 0) + 1);
    try {
      let node;
      if (p.series !== undefined) {
        const series = await file(p.series);
        node = later((box) => vegaEmbed(box, {
          $schema: 'https://vega.github.io/schema/vega-lite/v5.json', width: 'container', height: 200,
          data: { values: series.map(([step, v]) => ({ step, value: v })) },
          mark: { type: 'line', tooltip: true, point: series.length < 50 },
          encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'value', type: 'quantitative', title: p.key } },
        }));
        body.replaceChildren(h('div', { class: 'mk-last', text: 'last: ' + fmt(p.last) }), node);
        p.el.dataset.ready = '1';
        return;
      }
      const chunk = Math.floor(pos / MKG.index.chunk);
      const data = await load(`p${p.id}:${chunk}`, `data/p/${p.id}/${chunk}.js`);
      if (token !== p.token) return;
      const it = data[String(p.steps[pos])];
      if (p.dispose) { try { p.dispose(); } catch (e) { /* already gone */ } p.dispose = null; }
      node = render(it, p);
      body.replaceChildren(node);
      p.el.dataset.step = String(p.steps[pos]);
      p.el.dataset.ready = '1';
    } catch (e) {
      body.replaceChildren(errorBox(e.message));
      p.el.dataset.ready = '1';
    }
  }

  function kv(title, rows) {
    if (!rows.length) return null;
    return h('details', { class: 'mk-kvbox', open: rows.length <= 12 }, h('summary', { text: `${title} (${rows.length})` }),
      h('table', { class: 'mk-kv' }, rows.map(([k, v]) => h('tr', {}, h('th', { text: k }), h('td', { text: fmt(v) })))));
  }

  function start(index) {
    MKG.index = index;
    document.title = index.title + ' — mediakit gallery';
    const app = document.getElementById('app');
    const top = h('div', { class: 'mk-top' }, h('h1', { text: index.title }),
      h('div', { class: 'mk-meta' }, kv('summary', index.summary), kv('config', Object.entries(index.config))));
    if (index.problems.length) top.append(h('div', { class: 'mk-problems' }, index.problems.map((m) => note(m))));
    const filter = h('input', { type: 'search', placeholder: 'filter keys', class: 'mk-filter', 'aria-label': 'filter keys' });
    top.append(filter);
    const grid = h('div', { class: 'mk-panels' });
    app.replaceChildren(top, grid);
    const observer = new IntersectionObserver((entries) => {
      for (const e of entries) {
        if (!e.isIntersecting) continue;
        observer.unobserve(e.target);
        const p = index.panels[+e.target.id.slice(6)];
        show(p, e.target.querySelector('.mk-body'));
      }
    }, { rootMargin: '300px' });
    for (const p of index.panels) {
      const el = panelEl(p, index);
      grid.append(el);
      observer.observe(el);
    }
    filter.addEventListener('input', () => {
      const q = filter.value.toLowerCase();
      for (const p of index.panels) p.el.hidden = q && !p.key.toLowerCase().includes(q);
    });
    document.body.dataset.ready = '1';
  }

  load('index', 'data/index.js').then(() => {
    const go = () => start(store.get('index'));
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', go);
    else go();
  });
})();

// Tables: sortable columns and pages. Small tables arrive whole (sorted and paged here); big ones
// as pre-split pages, each its own data script, and pre-sorted pages per column when the build
// made them (otherwise sorting applies to the page shown, and the page says so).
(function () {
  'use strict';
  const MKG = (window.MKG = window.MKG || {});
  const PER = 25;

  function compare(a, b) {
    const rank = (v) => (v === null || v === undefined ? 3 : typeof v === 'number' || typeof v === 'boolean' ? 0 : typeof v === 'string' ? 1 : 2);
    const ra = rank(a), rb = rank(b);
    if (ra !== rb) return ra - rb;
    if (ra === 0) return +a - +b;
    if (ra === 1) return a < b ? -1 : a > b ? 1 : 0;
    return 0;
  }

  MKG.tableView = function (it, panel, u) {
    const { h, file, load, cell, fmt, errorBox, note } = u;
    const st = (panel.state.table = panel.state.table || { col: null, desc: false, page: 0 });
    const wrap = h('div', { class: 'mk-table' });
    const info = h('span', { class: 'mk-page-info' });
    const prev = h('button', { class: 'mk-prev', text: '‹ prev', onclick: () => go(st.page - 1) });
    const next = h('button', { class: 'mk-next', text: 'next ›', onclick: () => go(st.page + 1) });
    const table = h('table', { class: 'mk-grid-table' });
    const extra = h('div');
    const big = !it.whole;
    const perPage = big ? it.page_rows : PER;
    const pages = Math.max(1, Math.ceil(it.nrows / perPage));
    let whole = null;

    function header() {
      return h('thead', {}, h('tr', {}, it.columns.map((c, j) =>
        h('th', { 'data-col': j, class: 'mk-sortable', title: `${c} (${it.types[j]}) — click to sort`, onclick: () => sortBy(j) },
          h('span', { text: String(c) }), h('span', { class: 'mk-arrow', text: st.col === j ? (st.desc ? ' ▼' : ' ▲') : '' })))));
    }
    function cellEl(v) {
      if (v && typeof v === 'object' && v.$m) return h('td', { class: 'mk-media-cell' }, cell(v.$m));
      return h('td', { class: typeof v === 'number' ? 'mk-num' : null, text: fmt(v) });
    }
    function draw(rows) {
      table.replaceChildren(header(), h('tbody', {}, rows.map((r) => h('tr', {}, r.map(cellEl)))));
      info.textContent = `page ${st.page + 1} of ${pages} · ${it.nrows} rows`;
      prev.disabled = st.page <= 0;
      next.disabled = st.page >= pages - 1;
      wrap.dataset.page = String(st.page);
    }
    async function rowsOf(page) {
      if (!big) {
        if (!whole) whole = await file(it.whole);
        let rows = whole;
        if (st.col !== null) {
          const j = st.col;
          rows = whole.map((r, i) => [r, i]).sort((a, b) => compare(a[0][j], b[0][j]) || a[1] - b[1]).map((x) => x[0]);
          if (st.desc) rows.reverse();
        }
        return rows.slice(page * perPage, (page + 1) * perPage);
      }
      const id = it.file;
      const dir = 'data/f/' + id.slice(1, 3) + '/' + id;
      if (st.col === null) return load(`${id}:${page}`, `${dir}-${page}.js`);
      if (it.sorted) {
        const p = st.desc ? pages - 1 - page : page;
        const rows = await load(`${id}:s${st.col}:${p}`, `${dir}-s${st.col}-${p}.js`);
        return st.desc ? rows.slice().reverse() : rows;
      }
      const rows = (await load(`${id}:${page}`, `${dir}-${page}.js`)).slice();
      rows.sort((a, b) => compare(a[st.col], b[st.col]));
      return st.desc ? rows.reverse() : rows;
    }
    async function go(page) {
      st.page = Math.max(0, Math.min(pages - 1, page));
      try {
        draw(await rowsOf(st.page));
      } catch (e) {
        table.replaceChildren();
        extra.replaceChildren(errorBox(e.message));
      }
    }
    function sortBy(j) {
      if (st.col === j) st.desc = !st.desc;
      else { st.col = j; st.desc = false; }
      go(0);
    }
    if (big && !it.sorted) extra.append(note('This table is too big to sort as a whole here: sorting orders the rows of the page shown.'));
    wrap.append(h('div', { class: 'mk-scroll' }, table), h('div', { class: 'mk-pager' }, prev, info, next), extra);
    go(st.page);
    return wrap;
  };
})();

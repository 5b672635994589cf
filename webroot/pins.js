// ferry dashboard: the pins panel, all through the HTTP API with the caller's credentials.
// Counts by status per node come from each node's samples (ferry_pins{status}); the list is
// GET /dashboard/pins a page at a time (server-side paging and search: as fast at 100,000 pins as at
// 100); a pin's per-node status is GET /pins/{cid}; files dropped on the page are added with
// POST /add (a progress bar per file), a CID is pinned with POST /pins/{cid}, unpinned with
// DELETE /pins/{cid}, recovered with POST /pins/{cid}/recover. Change controls are for admins only.
(function (f) {
  'use strict';
  var PAGE = 20;
  var STATUS_ORDER = ['pinned', 'pinning', 'pin_queued', 'pin_error', 'unpinning', 'unpin_queued', 'unpin_error',
    'unexpectedly_unpinned', 'remote'];
  var listing = { after: null, back: [], q: '', next: null };
  var selected = null;

  function message(text, error) {
    var p = document.getElementById('pin-message');
    p.textContent = text;
    p.className = error ? 'error' : 'muted';
  }

  function badge(status) { return f.el('span', status, 'status s-' + status); }

  function replication(pin) {
    var min = pin.replication_min, max = pin.replication_max;
    if (min === -1 || max === -1) return 'every node';
    return min === max ? String(min) : min + '–' + max;
  }

  /** The per-node counts table, from each node's newest sample. */
  function renderCounts() {
    var table = document.getElementById('pin-counts');
    var nodes = f.charts.nodes();
    var names = Object.keys(nodes).sort().filter(function (n) { return nodes[n].last; });
    var used = STATUS_ORDER.filter(function (s) {
      return s === 'pinned' || names.some(function (n) { return nodes[n].last.values['pins.' + s] > 0; });
    });
    table.replaceChildren();
    if (names.length === 0) return;
    var head = f.el('thead');
    head.appendChild(f.row(['node'].concat(used), true));
    table.appendChild(head);
    var body = f.el('tbody');
    names.forEach(function (n) {
      var values = nodes[n].last.values;
      var tr = f.row([n].concat(used.map(function (s) {
        var v = values['pins.' + s];
        return typeof v === 'number' ? String(v) : '—';
      })));
      tr.dataset.node = n;
      used.forEach(function (s, i) { tr.children[i + 1].dataset.status = s; });
      body.appendChild(tr);
    });
    table.appendChild(body);
  }

  function renderTotal(pins) {
    var box = document.getElementById('pins');
    if (!pins || pins.error) return;
    box.className = '';
    box.dataset.count = String(pins.count);
    box.textContent = pins.count + ' pin' + (pins.count === 1 ? '' : 's') + ' in the cluster';
  }

  function load() {
    var query = '?limit=' + PAGE + (listing.after ? '&after=' + encodeURIComponent(listing.after) : '')
      + (listing.q ? '&q=' + encodeURIComponent(listing.q) : '');
    return f.api('GET', '/dashboard/pins' + query).then(renderList, function (e) { message('listing pins failed: ' + e.message, true); });
  }

  function renderList(page) {
    var body = document.getElementById('pin-list');
    body.replaceChildren();
    listing.next = page.next;
    if (page.pins.length === 0) {
      var empty = f.row([listing.q ? 'no pin matches "' + listing.q + '"' + (page.next ? ' in the first ' + page.scanned + ' pins read' : '') : 'no pins']);
      empty.firstChild.colSpan = 4;
      empty.firstChild.className = 'muted';
      body.appendChild(empty);
    }
    page.pins.forEach(function (pin) {
      var open = f.el('button', pin.cid.length > 24 ? pin.cid.slice(0, 12) + '…' + pin.cid.slice(-8) : pin.cid, 'link mono');
      open.type = 'button';
      open.title = pin.cid;
      open.setAttribute('aria-label', 'details of ' + pin.cid);
      open.addEventListener('click', function () { detail(pin.cid); });
      var statuses = f.el('span');
      Object.keys(pin.peer_map || {}).sort().forEach(function (n) {
        var b = badge(pin.peer_map[n].status);
        b.textContent = n + ': ' + pin.peer_map[n].status;
        b.dataset.node = n;
        statuses.appendChild(b);
      });
      var tr = f.row([open, pin.name || '', replication(pin), statuses]);
      tr.dataset.cid = pin.cid;
      tr.dataset.statuses = Object.keys(pin.peer_map || {}).sort().map(function (n) { return n + ':' + pin.peer_map[n].status; }).join(',');
      body.appendChild(tr);
    });
    document.getElementById('pins-prev').disabled = listing.back.length === 0;
    document.getElementById('pins-next').disabled = !page.next;
    document.getElementById('pins-page').textContent = 'page ' + (listing.back.length + 1) + ' of the ' + page.count + ' pins'
      + (listing.q ? ', searched' : '');
  }

  function detail(cid) {
    selected = cid;
    var box = document.getElementById('pin-detail');
    return f.api('GET', '/pins/' + encodeURIComponent(cid)).then(function (info) {
      box.hidden = false;
      box.replaceChildren();
      box.dataset.cid = cid;
      box.appendChild(f.el('h3', (info.name ? info.name + ' — ' : '') + cid, 'mono'));
      var table = f.el('table');
      table.appendChild(f.row(['node', 'status', 'since', 'attempts', 'error'], true));
      Object.keys(info.peer_map || {}).forEach(function (peer) {
        var s = info.peer_map[peer];
        var tr = f.row([s.peername || peer, badge(s.status), s.timestamp ? new Date(s.timestamp).toLocaleTimeString() : '',
          String(s.attempt_count || 0), s.error || '']);
        tr.dataset.node = s.peername || peer;
        tr.dataset.status = s.status;
        table.appendChild(tr);
      });
      box.appendChild(table);
      if (f.session.mayChange) {
        var actions = f.el('div', null, 'actions');
        [['recover', function () { return change('POST', '/pins/' + encodeURIComponent(cid) + '/recover', 'recovered ' + cid); }],
          ['unpin', function () { return change('DELETE', '/pins/' + encodeURIComponent(cid), 'unpinned ' + cid); }]]
          .forEach(function (a) {
            var b = f.el('button', a[0]);
            b.type = 'button';
            b.dataset.action = a[0];
            b.addEventListener('click', a[1]);
            actions.appendChild(b);
          });
        box.appendChild(actions);
      }
      box.focus();
    }, function (e) { message('status of ' + cid + ' failed: ' + e.message, true); });
  }

  function change(method, path, done) {
    return f.api(method, path).then(function () {
      message(done);
      refreshList();
      if (selected) detail(selected);
    }, function (e) { message(method + ' ' + path + ' failed: ' + e.message, true); });
  }

  function refreshList() { return load(); }

  function query(form) {
    var params = [];
    var name = form.elements.name.value.trim();
    var replicationValue = form.elements.replication.value.trim();
    if (name) params.push('name=' + encodeURIComponent(name));
    if (replicationValue) params.push('replication=' + encodeURIComponent(replicationValue));
    return params;
  }

  /** Adds one file with POST /add (XMLHttpRequest, for its upload progress), showing a progress bar. */
  function upload(file) {
    var item = f.el('li');
    item.dataset.file = file.name;
    item.dataset.state = 'uploading';
    var label = f.el('span', file.name + ' (' + f.bytes(file.size) + ')');
    var bar = f.el('progress');
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute('aria-label', 'upload of ' + file.name);
    var result = f.el('span', '', 'muted');
    item.appendChild(label);
    item.appendChild(bar);
    item.appendChild(result);
    document.getElementById('uploads').appendChild(item);

    var params = query(document.getElementById('add-form'));
    var xhr = new XMLHttpRequest();
    xhr.open('POST', '/add' + (params.length ? '?' + params.join('&') : ''));
    var headers = f.headers();
    Object.keys(headers).forEach(function (h) { xhr.setRequestHeader(h, headers[h]); });
    xhr.upload.onprogress = function (e) { if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total); };
    xhr.onload = function () {
      if (xhr.status !== 200) {
        var text = xhr.responseText;
        try { text = JSON.parse(text).message; } catch (e) { /* the text as it is */ }
        item.dataset.state = 'error';
        result.textContent = ' failed: ' + text;
        result.className = 'error';
        return;
      }
      var added = xhr.responseText.split('\n').filter(Boolean).map(function (l) { return JSON.parse(l); })
        .filter(function (l) { return l.cid; });
      var root = added[added.length - 1];
      bar.value = 100;
      item.dataset.state = 'done';
      item.dataset.cid = root ? root.cid : '';
      result.textContent = root ? ' added ' + root.cid : ' added';
      refreshList();
    };
    xhr.onerror = function () { item.dataset.state = 'error'; result.textContent = ' failed: the connection broke'; result.className = 'error'; };
    var form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  }

  function wire() {
    document.getElementById('pin-search').addEventListener('submit', function (e) {
      e.preventDefault();
      listing = { after: null, back: [], q: e.target.elements.q.value.trim(), next: null };
      load();
    });
    document.getElementById('pins-next').addEventListener('click', function () {
      if (!listing.next) return;
      listing.back.push(listing.after);
      listing.after = listing.next;
      load();
    });
    document.getElementById('pins-prev').addEventListener('click', function () {
      if (listing.back.length === 0) return;
      listing.after = listing.back.pop();
      load();
    });
    document.getElementById('pin-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var form = e.target;
      var cid = form.elements.cid.value.trim();
      var params = query(form);
      change('POST', '/pins/' + encodeURIComponent(cid) + (params.length ? '?' + params.join('&') : ''), 'pinned ' + cid)
        .then(function () { form.elements.cid.value = ''; });
    });
    var drop = document.getElementById('drop');
    var input = document.getElementById('files');
    ['dragenter', 'dragover'].forEach(function (type) {
      drop.addEventListener(type, function (e) { e.preventDefault(); drop.classList.add('over'); });
    });
    drop.addEventListener('dragleave', function () { drop.classList.remove('over'); });
    drop.addEventListener('drop', function (e) {
      e.preventDefault();
      drop.classList.remove('over');
      Array.prototype.forEach.call(e.dataTransfer.files, upload);
    });
    drop.addEventListener('click', function () { input.click(); });
    drop.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); input.click(); }
    });
    input.addEventListener('change', function () { Array.prototype.forEach.call(input.files, upload); input.value = ''; });
  }

  f.pins = {
    wire: wire,
    load: load,
    /** Shows a pin's status on each node (and, to an admin, its unpin and recover buttons). */
    detail: detail,
    renderCounts: renderCounts,
    renderTotal: renderTotal
  };
})(window.ferry = window.ferry || {});

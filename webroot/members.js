// ferry dashboard: members and alerts.
// Members come from ferry.status (names, incarnations; members that left stay listed as down), each
// node's ID object from GET /peers (peer ID, addresses, version) and its samples (up since, IPFS store
// used/maximum). Alerts are GET /health/alerts (IPFS Cluster's Alert objects: name, peer, expire,
// triggered_at, ...), asked again on every refresh and on every ferry.events.alerts event. Pins in
// error are alerts too: while some node's samples count pins in pin_error or unpin_error, every refresh
// asks GET /dashboard/errors for each node's count and a few of them (never the whole pinset), each a
// click away from its detail. A member with an alert or pins in error is highlighted.
(function (f) {
  'use strict';
  var known = {};     // node name -> {name, incarnation, host, up, since}
  var peers = {};     // node name -> ID object from GET /peers
  var alerts = [];    // IPFS Cluster Alert objects
  var alertsError = null;
  var alertsServed = true;   // false once this node answered 404: it is not asked again until an alert event comes
  var ERRORS_SHOWN = 5;      // pins in error listed per node
  var ERROR_CHARS = 100;     // an error's text shown in the list
  var ERROR_STATUSES = ['pin_error', 'unpin_error'];
  var pinErrors = {};        // node name -> {count, pins: [{cid, status, error, time, attempts}]} or {error}
  var pinErrorsFailure = null;

  function nodeOfPeer(peerId) {
    var name = Object.keys(peers).filter(function (n) { return peers[n].id === peerId; })[0];
    return name || null;
  }

  function uptime(startedAt) {
    if (!startedAt) return '—';
    var s = Math.max(0, Math.round((Date.now() - startedAt) / 1000));
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min';
    if (s < 86400) return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
    return Math.floor(s / 86400) + ' d ' + Math.floor((s % 86400) / 3600) + ' h';
  }

  function store(node) {
    if (!node || !node.store) return '—';
    var kind = node.store.kind === 'kubo' ? 'Kubo at ' + (node.store.api || '?') : 'embedded';
    var v = node.last ? node.last.values : {};
    // used and maximum from the node's samples: the embedded store's figures or the daemon's repo/stat?size-only
    if (typeof v['store.used'] !== 'number' || typeof v['store.max'] !== 'number') return kind + ', space not measured';
    return kind + ', ' + f.bytes(v['store.used']) + ' of ' + f.bytes(v['store.max']);
  }

  function alertsOf(name) {
    var id = peers[name] && peers[name].id;
    return alerts.filter(function (a) { return a.peer === name || (id && a.peer === id); });
  }

  /** How many pins in error a node has: the API's count once asked, else its newest sample's. */
  function pinErrorCount(name, samples) {
    if (pinErrors[name] && typeof pinErrors[name].count === 'number') return pinErrors[name].count;
    var values = samples[name] && samples[name].last ? samples[name].last.values : {};
    return ERROR_STATUSES.reduce(function (n, s) { return n + (values['pins.' + s] || 0); }, 0);
  }

  function render() {
    var body = document.getElementById('members');
    var samples = f.charts ? f.charts.nodes() : {};
    body.replaceChildren();
    var names = Object.keys(known).sort();
    if (names.length === 0) body.appendChild(f.row(['no members']));
    names.forEach(function (name) {
      var m = known[name];
      var p = peers[name] || {};
      var addresses = f.el('div', null, 'mono small');
      (p.addresses || []).forEach(function (a) { addresses.appendChild(f.el('div', a)); });
      var state = f.el('span', m.up ? 'up' : 'down', 'badge ' + (m.up ? 'up' : 'down'));
      var id = f.el('span', p.id ? p.id.slice(0, 12) + '…' : '—', 'mono');
      if (p.id) id.title = p.id;
      var tr = f.row([name, state, id, addresses, p.version || '—', m.up ? uptime((samples[name] || {}).started_at) : '—',
        store(samples[name]), f.el('span', m.incarnation || '', 'mono')]);
      var mine = alertsOf(name);
      tr.dataset.node = name;
      tr.dataset.peer = p.id || '';
      tr.dataset.store = samples[name] && samples[name].store ? samples[name].store.kind : '';
      var values = samples[name] && samples[name].last ? samples[name].last.values : {};
      tr.dataset.storeUsed = typeof values['store.used'] === 'number' ? String(values['store.used']) : '';
      tr.dataset.storeMax = typeof values['store.max'] === 'number' ? String(values['store.max']) : '';
      tr.dataset.state = m.up ? 'up' : 'down';
      tr.dataset.alerts = String(mine.length);
      var errors = pinErrorCount(name, samples);
      tr.dataset.pinErrors = String(errors);
      if (mine.length || errors) {
        tr.className = 'alerted';
        tr.title = mine.map(function (a) { return a.name; })
          .concat(errors ? [errors + ' pin' + (errors === 1 ? '' : 's') + ' in error'] : []).join(', ');
      }
      body.appendChild(tr);
    });
  }

  /** The pins in error of each node that has some: its count and a few CIDs, each opening the pin's detail. */
  function pinErrorItems() {
    var items = [];
    if (pinErrorsFailure) {
      var failed = f.el('li', pinErrorsFailure, 'muted');
      failed.dataset.kind = 'pins';
      items.push(failed);
    }
    Object.keys(pinErrors).sort().forEach(function (node) {
      var e = pinErrors[node];
      if (!e.count && !e.error) return;
      var item = f.el('li');
      item.dataset.kind = 'pins';
      item.dataset.node = node;
      item.dataset.count = String(e.count || 0);
      item.appendChild(f.el('strong', node));
      if (e.error) { item.appendChild(document.createTextNode(': pins in error unknown (' + e.error + ')')); items.push(item); return; }
      item.appendChild(document.createTextNode(': ' + e.count + ' pin' + (e.count === 1 ? '' : 's') + ' in error'
        + (e.count > e.pins.length ? ', ' + e.pins.length + ' shown' : '')));
      var list = f.el('ul', null, 'pin-errors');
      e.pins.forEach(function (p) {
        var li = f.el('li');
        li.dataset.cid = p.cid;
        li.dataset.status = p.status;
        var open = f.el('button', p.cid.length > 24 ? p.cid.slice(0, 12) + '…' + p.cid.slice(-8) : p.cid, 'link mono');
        open.type = 'button';
        open.title = p.cid;
        open.setAttribute('aria-label', 'details of ' + p.cid);
        open.addEventListener('click', function () { f.pins.detail(p.cid); });
        li.appendChild(open);
        // the error in full on hover: a daemon's message can run to several lines
        var error = p.error && p.error.length > ERROR_CHARS ? p.error.slice(0, ERROR_CHARS - 1) + '…' : p.error;
        li.appendChild(document.createTextNode(' ' + p.status + (error ? ': ' + error : '')));
        if (p.error) li.title = p.error;
        list.appendChild(li);
      });
      item.appendChild(list);
      items.push(item);
    });
    return items;
  }

  function renderAlerts() {
    var box = document.getElementById('alerts');
    box.replaceChildren();
    var errorItems = pinErrorItems();
    box.dataset.count = String(alerts.length);
    box.dataset.pinErrors = String(Object.keys(pinErrors).reduce(function (n, k) { return n + (pinErrors[k].count || 0); }, 0));
    if (alertsError && errorItems.length === 0) { box.className = 'muted'; box.textContent = alertsError; return; }
    if (alerts.length === 0 && errorItems.length === 0) { box.className = 'muted'; box.textContent = 'no alerts'; return; }
    box.className = '';
    if (alertsError) box.appendChild(f.el('p', alertsError, 'muted'));
    var list = f.el('ul', null, 'alerts');
    alerts.forEach(function (a) {
      var node = nodeOfPeer(a.peer) || a.peer;
      var item = f.el('li');
      item.appendChild(f.el('strong', node));
      item.appendChild(document.createTextNode(': ' + a.name + (a.value ? ' (' + a.value + ')' : '')));
      if (a.triggered_at) item.appendChild(f.el('span', ' since ' + new Date(a.triggered_at).toLocaleTimeString(), 'muted'));
      item.dataset.kind = 'node';
      item.dataset.node = node;
      item.dataset.name = a.name;
      list.appendChild(item);
    });
    errorItems.forEach(function (item) { list.appendChild(item); });
    box.appendChild(list);
  }

  /**
   * Asks GET /dashboard/errors while some node's samples count pins in error; none counted, it
   * forgets them without asking.
   */
  function loadPinErrors() {
    var samples = f.charts ? f.charts.nodes() : {};
    var counted = Object.keys(samples).some(function (n) {
      var values = samples[n].last ? samples[n].last.values : {};
      return ERROR_STATUSES.some(function (s) { return values['pins.' + s] > 0; });
    });
    var known = Object.keys(pinErrors).length > 0 || pinErrorsFailure;
    if (!counted) {
      pinErrors = {};
      pinErrorsFailure = null;
      if (known) { renderAlerts(); render(); }
      return Promise.resolve();
    }
    return f.api('GET', '/dashboard/errors?limit=' + ERRORS_SHOWN).then(function (answer) {
      pinErrors = answer && answer.nodes ? answer.nodes : {};
      pinErrorsFailure = null;
      renderAlerts();
      render();
    }, function (e) {
      pinErrors = {};
      pinErrorsFailure = 'pins in error unavailable: ' + e.message;
      renderAlerts();
    });
  }

  f.members = {
    /** The members in a ferry.status snapshot; those no longer there are kept as down. */
    merge: function (members) {
      var up = {};
      members.forEach(function (m) {
        up[m.name] = true;
        var before = known[m.name];
        var changed = !before || !before.up || before.incarnation !== m.incarnation;
        known[m.name] = { name: m.name, incarnation: m.incarnation, host: m.host, up: true,
          since: changed ? Date.now() : before.since };
      });
      Object.keys(known).forEach(function (name) {
        if (!up[name] && known[name].up) { known[name].up = false; known[name].since = Date.now(); }
      });
      render();
    },
    /** A member-left event. */
    left: function (name) {
      if (known[name]) { known[name].up = false; known[name].since = Date.now(); render(); }
    },
    /** Asks GET /peers for every member's ID object. */
    loadPeers: function () {
      return f.api('GET', '/peers').then(function (list) {
        (Array.isArray(list) ? list : [list]).forEach(function (p) { if (p && p.peername) peers[p.peername] = p; });
        render();
        renderAlerts();
      }, function () { /* shown again on the next refresh */ });
    },
    /** Asks GET /health/alerts for the current alerts, and GET /dashboard/errors for pins in error if some node counts any. */
    loadAlerts: function (event) {
      if (event) alertsServed = true;
      var errors = loadPinErrors();
      if (!alertsServed) return errors;
      return f.api('GET', '/health/alerts').then(function (list) {
        alerts = Array.isArray(list) ? list : (list ? [list] : []);
        alertsError = null;
        renderAlerts();
        render();
      }, function (e) {
        alertsServed = e.status !== 404;
        alertsError = e.status === 404 ? 'this node does not serve alerts (GET /health/alerts: ' + e.message + ')'
          : 'alerts unavailable: ' + e.message;
        alerts = [];
        renderAlerts();
      });
    },
    render: render
  };
})(window.ferry = window.ferry || {});

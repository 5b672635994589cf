// ferry dashboard: members and alerts.
// Members come from ferry.status (names, incarnations; members that left stay listed as down), each
// node's ID object from GET /peers (peer ID, addresses, version) and its samples (up since, IPFS store
// used/maximum). Alerts are GET /health/alerts (IPFS Cluster's Alert objects: name, peer, expire,
// triggered_at, ...), asked again on every refresh and on every ferry.events.alerts event; a member
// with an alert is highlighted.
(function (f) {
  'use strict';
  var known = {};     // node name -> {name, incarnation, host, up, since}
  var peers = {};     // node name -> ID object from GET /peers
  var alerts = [];    // IPFS Cluster Alert objects
  var alertsError = null;
  var alertsServed = true;   // false once this node answered 404: it is not asked again until an alert event comes

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
      if (mine.length) {
        tr.className = 'alerted';
        tr.title = mine.map(function (a) { return a.name; }).join(', ');
      }
      body.appendChild(tr);
    });
  }

  function renderAlerts() {
    var box = document.getElementById('alerts');
    box.replaceChildren();
    box.dataset.count = String(alerts.length);
    if (alertsError) { box.className = 'muted'; box.textContent = alertsError; return; }
    if (alerts.length === 0) { box.className = 'muted'; box.textContent = 'no alerts'; return; }
    box.className = '';
    var list = f.el('ul', null, 'alerts');
    alerts.forEach(function (a) {
      var node = nodeOfPeer(a.peer) || a.peer;
      var item = f.el('li');
      item.appendChild(f.el('strong', node));
      item.appendChild(document.createTextNode(': ' + a.name + (a.value ? ' (' + a.value + ')' : '')));
      if (a.triggered_at) item.appendChild(f.el('span', ' since ' + new Date(a.triggered_at).toLocaleTimeString(), 'muted'));
      item.dataset.node = node;
      item.dataset.name = a.name;
      list.appendChild(item);
    });
    box.appendChild(list);
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
    /** Asks GET /health/alerts for the current alerts. */
    loadAlerts: function (event) {
      if (event) alertsServed = true;
      if (!alertsServed) return Promise.resolve();
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

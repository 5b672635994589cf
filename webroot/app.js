// ferry dashboard: the page's start and everything live through the event-bus bridge (/eventbus on
// this node). Once the caller may read (session.js), it seeds the charts from GET /dashboard/history,
// follows every node's samples (ferry.events.samples), member events and alerts (ferry.events.alerts),
// and asks ferry.status for a snapshot every REFRESH_MS and at once on each member event: members,
// Raft groups, registry, mailboxes per node, this node's circuits, the pinset's size.
(function (f) {
  'use strict';
  var REFRESH_MS = 2000;
  var PEERS_EVERY = 5;   // GET /peers every this many refreshes (and on every member event)
  var eb = null;
  var timer = null;
  var refreshes = 0;

  document.getElementById('interval').textContent = String(REFRESH_MS / 1000);

  function fill(id, rows, empty) {
    var body = document.getElementById(id);
    body.replaceChildren();
    if (rows.length === 0) { var tr = f.row([empty]); tr.firstChild.colSpan = 5; tr.firstChild.className = 'muted'; body.appendChild(tr); }
    rows.forEach(function (r) { body.appendChild(r); });
  }

  function connection(up, text) {
    var badge = document.getElementById('connection');
    badge.textContent = text;
    badge.className = 'badge ' + (up ? 'up' : 'down');
  }

  function renderRegistry(registry) {
    if (!registry || registry.error) { fill('registry', [], registry ? registry.error : 'no registry'); return; }
    var names = Object.keys(registry.names || {}).sort();
    fill('registry', names.map(function (name) {
      var claims = registry.names[name];
      var list = f.el('div');
      claims.forEach(function (c) { list.appendChild(f.el('div', c.address + ' (' + c.node + ')', 'mono')); });
      var label = f.el('span', name, claims.length > 1 ? 'conflict' : '');
      if (claims.length > 1) label.title = 'several claimants';
      return f.row([label, list]);
    }), 'no names registered');
  }

  function renderMailboxes(nodes) {
    var names = Object.keys(nodes || {}).sort();
    fill('mailboxes', names.map(function (name) {
      var n = nodes[name];
      if (n.error) return f.row([name, f.el('span', n.error, 'muted'), '', '']);
      var queued = 0, busiest = null;
      n.mailboxes.forEach(function (m) {
        queued += m.messages;
        if (!busiest || m.messages > busiest.messages) busiest = m;
      });
      var tr = f.row([name, String(n.mailboxes.length), String(queued),
        busiest && busiest.messages > 0 ? f.el('span', busiest.address + ': ' + busiest.messages, 'mono') : '']);
      tr.dataset.node = name;
      return tr;
    }), 'no mailboxes');
  }

  function renderRaft(raft) {
    var box = document.getElementById('raft');
    if (!raft || !raft.groups || Object.keys(raft.groups).length === 0) return;
    box.replaceChildren();
    box.className = '';
    var table = f.el('table');
    table.appendChild(f.row(['group', 'role here', 'leader', 'term', 'commit', 'members']));
    Object.keys(raft.groups).sort().forEach(function (g) {
      var s = raft.groups[g];
      var tr = s.error ? f.row([g, f.el('span', s.error, 'muted'), '', '', '', ''])
        : f.row([g, s.role, s.leader || '—', String(s.term), String(s.commitIndex), (s.members || []).join(', ')]);
      tr.dataset.group = g;
      tr.dataset.leader = s.leader || '';
      table.appendChild(tr);
    });
    box.appendChild(table);
  }

  function renderCircuits(circuits) {
    var box = document.getElementById('circuits');
    if (!circuits || circuits.error) return;
    box.replaceChildren();
    box.className = '';
    box.dataset.open = String(circuits.open);
    box.appendChild(f.el('div', circuits.open + ' open circuit' + (circuits.open === 1 ? '' : 's') + ' on this node'));
    var table = f.el('table');
    table.appendChild(f.row(['peer', 'service', 'circuits']));
    circuits.peers.forEach(function (p) { table.appendChild(f.row([f.el('span', p.id, 'mono'), p.service, String(p.circuits)])); });
    if (circuits.peers.length > 0) box.appendChild(table);
  }

  function refresh() {
    if (!eb || eb.state !== EventBus.OPEN) return;
    eb.send('ferry.status', {}, f.bridgeHeaders(), function (err, reply) {
      if (err) { connection(false, 'status failed: ' + (err.message || err.body || 'error')); return; }
      var s = reply.body;
      document.getElementById('node').textContent = 'via ' + s.node;
      f.members.merge(s.members);
      renderRegistry(s.registry);
      renderMailboxes(s.mailboxes);
      renderRaft(s.raft);
      renderCircuits(s.circuits);
      f.pins.renderTotal(s.pins);
    });
    if (refreshes++ % PEERS_EVERY === 0) f.members.loadPeers();
    f.members.loadAlerts();
  }

  function open() {
    eb = new EventBus(f.bridgeUrl());
    eb.enableReconnect(true);
    eb.onerror = function (err) { connection(false, 'bridge error: ' + (err.body || err.message || 'error')); };
    eb.onopen = function () {
      connection(true, 'live');
      var headers = f.bridgeHeaders();
      eb.registerHandler('ferry.events.members', headers, function (err, msg) {
        if (err) return;
        var e = msg.body;
        if (e.event === 'left') f.members.left(e.node);
        f.members.loadPeers();
        refresh();
      });
      eb.registerHandler('ferry.events.samples', headers, function (err, msg) {
        if (!err) f.charts.sample(msg.body);
      });
      eb.registerHandler('ferry.events.alerts', headers, function (err) {
        if (!err) f.members.loadAlerts(true);
      });
      refresh();
    };
    eb.onclose = function () { connection(false, 'disconnected — reconnecting'); };
    if (!timer) timer = setInterval(refresh, REFRESH_MS);
  }

  f.onSamples = function () {
    f.pins.renderCounts();
    f.members.render();
  };

  f.onLogout = function () {
    if (timer) { clearInterval(timer); timer = null; }
    if (eb) { eb.enableReconnect(false); eb.close(); eb = null; }
  };

  f.pins.wire();
  f.start(function () {
    f.api('GET', '/dashboard/history').then(f.charts.seed, function (e) {
      document.getElementById('charts-span').textContent = '(history unavailable: ' + e.message + ')';
    });
    f.pins.load();
    f.members.loadPeers();
    open();
  });
})(window.ferry = window.ferry || {});

// ferry dashboard: everything live through the event-bus bridge (/eventbus on this node):
// members, Raft groups, registry, mailboxes per node, this node's circuits, the pinset's size and
// this node's pins by status (from its /metrics).
// It asks ferry.status for a snapshot every REFRESH_MS and at once on each member event, and keeps
// members that left listed as down.
(function () {
  'use strict';
  var REFRESH_MS = 2000;
  var token = new URLSearchParams(window.location.search).get('token');
  var bridgeUrl = '/eventbus' + (token ? '?token=' + encodeURIComponent(token) : '');
  var known = {};   // node name -> {name, incarnation, host, up, since}
  var eb = null;
  var timer = null;

  document.getElementById('interval').textContent = String(REFRESH_MS / 1000);

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function row(cells) {
    var tr = el('tr');
    cells.forEach(function (c) { var td = el('td'); if (c instanceof Node) td.appendChild(c); else td.textContent = c; tr.appendChild(td); });
    return tr;
  }

  function fill(id, rows, empty) {
    var body = document.getElementById(id);
    body.replaceChildren();
    if (rows.length === 0) { var tr = row([empty]); tr.firstChild.colSpan = 5; tr.firstChild.className = 'muted'; body.appendChild(tr); }
    rows.forEach(function (r) { body.appendChild(r); });
  }

  function connection(up, text) {
    var badge = document.getElementById('connection');
    badge.textContent = text;
    badge.className = 'badge ' + (up ? 'up' : 'down');
  }

  function renderMembers() {
    var names = Object.keys(known).sort();
    fill('members', names.map(function (name) {
      var m = known[name];
      var tr = row([name, el('span', m.up ? 'up' : 'down', 'badge ' + (m.up ? 'up' : 'down')),
        el('span', m.incarnation || '', 'mono'), m.host || '', new Date(m.since).toLocaleTimeString()]);
      tr.dataset.node = name;
      tr.dataset.state = m.up ? 'up' : 'down';
      return tr;
    }), 'no members');
  }

  function mergeMembers(members) {
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
    renderMembers();
  }

  function renderRegistry(registry) {
    if (!registry || registry.error) { fill('registry', [], registry ? registry.error : 'no registry'); return; }
    var names = Object.keys(registry.names || {}).sort();
    fill('registry', names.map(function (name) {
      var claims = registry.names[name];
      var list = el('div');
      claims.forEach(function (c) { list.appendChild(el('div', c.address + ' (' + c.node + ')', 'mono')); });
      var label = el('span', name, claims.length > 1 ? 'conflict' : '');
      if (claims.length > 1) label.title = 'several claimants';
      return row([label, list]);
    }), 'no names registered');
  }

  function renderMailboxes(nodes) {
    var names = Object.keys(nodes || {}).sort();
    fill('mailboxes', names.map(function (name) {
      var n = nodes[name];
      if (n.error) return row([name, el('span', n.error, 'muted'), '', '']);
      var queued = 0, busiest = null;
      n.mailboxes.forEach(function (m) {
        queued += m.messages;
        if (!busiest || m.messages > busiest.messages) busiest = m;
      });
      var tr = row([name, String(n.mailboxes.length), String(queued),
        busiest && busiest.messages > 0 ? el('span', busiest.address + ': ' + busiest.messages, 'mono') : '']);
      tr.dataset.node = name;
      return tr;
    }), 'no mailboxes');
  }

  function renderRaft(raft) {
    var box = document.getElementById('raft');
    if (!raft || !raft.groups || Object.keys(raft.groups).length === 0) return;
    box.replaceChildren();
    box.className = '';
    var table = el('table');
    table.appendChild(row(['group', 'role here', 'leader', 'term', 'commit', 'members']));
    Object.keys(raft.groups).sort().forEach(function (g) {
      var s = raft.groups[g];
      var tr = s.error ? row([g, el('span', s.error, 'muted'), '', '', '', ''])
        : row([g, s.role, s.leader || '—', String(s.term), String(s.commitIndex), (s.members || []).join(', ')]);
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
    box.appendChild(el('div', circuits.open + ' open circuit' + (circuits.open === 1 ? '' : 's') + ' on this node'));
    var table = el('table');
    table.appendChild(row(['peer', 'service', 'circuits']));
    circuits.peers.forEach(function (p) { table.appendChild(row([el('span', p.id, 'mono'), p.service, String(p.circuits)])); });
    if (circuits.peers.length > 0) box.appendChild(table);
  }

  // The pinset's size, and this node's pins by its status of them, read from the node's own
  // Prometheus series ferry_pins{status="..."} (GET /metrics): counts, never a list of pins.
  function renderPins(pins) {
    var box = document.getElementById('pins');
    if (!pins || pins.error) return;
    fetch('/metrics', token ? { headers: { Authorization: 'Bearer ' + token } } : {})
      .then(function (r) { return r.ok ? r.text() : Promise.reject(new Error('HTTP ' + r.status)); })
      .then(function (text) { showPinCounts(box, pins.count, pinCounts(text)); },
        function () { showPinCounts(box, pins.count, null); });
  }

  function pinCounts(metrics) {
    var counts = {};
    metrics.split('\n').forEach(function (line) {
      var series = /^ferry_pins\{([^}]*)\} (\S+)/.exec(line);
      var status = series && /status="([^"]+)"/.exec(series[1]);
      if (status) counts[status[1]] = Number(series[2]);
    });
    return counts;
  }

  function showPinCounts(box, count, counts) {
    box.replaceChildren();
    box.className = '';
    box.dataset.count = String(count);
    box.appendChild(el('div', count + ' pin' + (count === 1 ? '' : 's') + ' in the cluster'
      + (counts ? '' : ' (this node\'s statuses unavailable)')));
    if (!counts) return;
    var table = el('table');
    table.appendChild(row(['status on this node', 'pins']));
    Object.keys(counts).sort().filter(function (s) { return counts[s] > 0; }).forEach(function (s) {
      var tr = row([s, String(counts[s])]);
      tr.dataset.status = s;
      tr.dataset.pins = String(counts[s]);
      table.appendChild(tr);
    });
    box.appendChild(table);
  }

  function refresh() {
    if (!eb || eb.state !== EventBus.OPEN) return;
    eb.send('ferry.status', {}, {}, function (err, reply) {
      if (err) { connection(false, 'status failed: ' + (err.message || err.body || 'error')); return; }
      var s = reply.body;
      document.getElementById('node').textContent = 'via ' + s.node;
      mergeMembers(s.members);
      renderRegistry(s.registry);
      renderMailboxes(s.mailboxes);
      renderRaft(s.raft);
      renderCircuits(s.circuits);
      renderPins(s.pins);
    });
  }

  function open() {
    eb = new EventBus(bridgeUrl);
    eb.enableReconnect(true);
    eb.onerror = function (err) { connection(false, 'bridge error: ' + (err.body || err.message || 'error')); };
    eb.onopen = function () {
      connection(true, 'live');
      eb.registerHandler('ferry.events.members', {}, function (err, msg) {
        if (err) return;
        var e = msg.body;
        if (e.event === 'left' && known[e.node]) { known[e.node].up = false; known[e.node].since = Date.now(); renderMembers(); }
        refresh();
      });
      refresh();
    };
    eb.onclose = function () { connection(false, 'disconnected — reconnecting'); };
    if (!timer) timer = setInterval(refresh, REFRESH_MS);
  }

  open();
})();

// ferry dashboard: the caller's session and the HTTP API.
// With api.users the page asks for a user and password, trades them for a token (POST /token), keeps
// the token for this tab (sessionStorage) and sends it on every API request and bridge frame. It asks
// GET /dashboard/session who the caller is (401: log in), and shows change controls ([data-role=admin])
// only to a role that may change. Every request says it is a script's (X-Requested-With), so a refusal
// challenges Bearer and the browser leaves the login to this page rather than opening its own dialog. Shared helpers for the other scripts live on window.ferry.
(function (f) {
  'use strict';
  var KEY = 'ferry.token';
  var SCRIPT = 'ferry-dashboard';
  var token = sessionStorage.getItem(KEY);
  // bridge.token (a shared secret for the bridges, without api.users) still comes in the page's URL
  var bridgeToken = new URLSearchParams(window.location.search).get('token');

  f.session = { auth: false, user: null, role: null, mayChange: false };

  f.el = function (tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  };

  f.row = function (cells, header) {
    var tr = f.el('tr');
    cells.forEach(function (c) {
      var td = f.el(header ? 'th' : 'td');
      if (c instanceof Node) td.appendChild(c); else td.textContent = c === undefined || c === null ? '' : c;
      tr.appendChild(td);
    });
    return tr;
  };

  f.bytes = function (n) {
    if (n === null || n === undefined || isNaN(n)) return '—';
    var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    var i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? String(Math.round(n)) : n.toFixed(1)) + ' ' + units[i];
  };

  f.authorization = function () { return token ? 'Bearer ' + token : null; };

  /** Headers for a request made outside f.api (an upload with XMLHttpRequest). */
  f.headers = function () {
    var h = { 'X-Requested-With': SCRIPT };
    if (token) h.Authorization = 'Bearer ' + token;
    return h;
  };

  /** Headers for every bridge frame: the user's token (BridgeGuard logs the socket in with it). */
  f.bridgeHeaders = function () { return token ? { authorization: 'Bearer ' + token } : {}; };

  f.bridgeUrl = function () { return '/eventbus' + (bridgeToken ? '?token=' + encodeURIComponent(bridgeToken) : ''); };

  function failure(response) {
    return response.text().then(function (text) {
      var message = 'HTTP ' + response.status;
      try { message = JSON.parse(text).message || message; } catch (e) { if (text) message += ': ' + text; }
      var error = new Error(message);
      error.status = response.status;
      return Promise.reject(error);
    });
  }

  /**
   * One API request with the caller's credentials; resolves to the answer's JSON (an array for
   * newline-delimited JSON), rejects with the API's error message. A 401 means the token expired:
   * the page asks to log in again.
   */
  f.api = function (method, path, body) {
    var headers = { 'X-Requested-With': SCRIPT };
    if (token) headers.Authorization = 'Bearer ' + token;
    return fetch(path, { method: method, headers: headers, body: body }).then(function (response) {
      if (response.status === 401 && f.session.auth) { f.logout('your session ended: log in again'); }
      if (!response.ok) return failure(response);
      return response.text().then(function (text) {
        if (!text) return null;
        var type = response.headers.get('Content-Type') || '';
        if (text.charAt(0) !== '[' && text.indexOf('\n') >= 0 && type.indexOf('json') >= 0) {
          return text.split('\n').filter(Boolean).map(function (line) { return JSON.parse(line); });
        }
        return JSON.parse(text);
      });
    });
  };

  function showLogin(message) {
    document.getElementById('main').hidden = true;
    var form = document.getElementById('login');
    form.hidden = false;
    document.getElementById('login-error').textContent = message || '';
    form.elements.user.focus();
  }

  f.logout = function (message) {
    token = null;
    sessionStorage.removeItem(KEY);
    f.session = { auth: false, user: null, role: null, mayChange: false };
    document.getElementById('user').textContent = '';
    document.getElementById('logout').hidden = true;
    if (f.onLogout) f.onLogout();
    showLogin(message);
  };

  function applySession(s, ready) {
    f.session = { auth: s.auth, user: s.user, role: s.role, mayChange: s.may_change };
    document.getElementById('login').hidden = true;
    document.getElementById('main').hidden = false;
    document.getElementById('user').textContent = s.auth ? s.user + ' (' + s.role + ')' : '';
    document.getElementById('logout').hidden = !s.auth;
    document.body.dataset.role = s.role;
    document.querySelectorAll('[data-role=admin]').forEach(function (e) { e.hidden = !s.may_change; });
    ready();
  }

  /** Finds out who the caller is; shows the login form until the API lets them in, then calls {@code ready}. */
  f.start = function (ready) {
    document.getElementById('login').addEventListener('submit', function (event) {
      event.preventDefault();
      var form = event.target;
      var basic = 'Basic ' + btoa(unescape(encodeURIComponent(form.elements.user.value + ':' + form.elements.password.value)));
      fetch('/token', { method: 'POST', headers: { Authorization: basic, 'X-Requested-With': SCRIPT } })
        .then(function (r) { return r.ok ? r.json() : failure(r); })
        .then(function (answer) {
          token = answer.token;
          sessionStorage.setItem(KEY, token);
          form.elements.password.value = '';
          return f.api('GET', '/dashboard/session');
        })
        .then(function (s) { applySession(s, ready); },
          function (e) { showLogin('login failed: ' + e.message); });
    });
    document.getElementById('logout').addEventListener('click', function () { f.logout(''); });
    f.api('GET', '/dashboard/session').then(function (s) { applySession(s, ready); }, function (e) {
      if (e.status === 401) showLogin(token ? 'your session ended: log in again' : '');
      else showLogin('cannot reach the node: ' + e.message);
    });
  };
})(window.ferry = window.ferry || {});

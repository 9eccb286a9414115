/* eslint-disable */
/**
 * The ops console's browser script, served as /ops/app.js: plain ES2017, no build step, no
 * dependencies. Everything it renders from the API goes through text nodes (never innerHTML).
 * Kept as a string so the service ships it without an asset-copy step; a unit spec compiles it.
 */
export const OPS_CONSOLE_JS = String.raw`(function () {
  'use strict';

  var KEY_STORE = 'payments-ops:key';
  var STATUSES = ['pending', 'awaiting_payment', 'paid', 'failed', 'expired', 'canceled'];
  var app = document.getElementById('app');
  var forget = document.getElementById('forget-key');
  /** Shown on the sign-in form (why the key is needed again). */
  var notice = null;
  /** A success message for the next view drawn (after an action re-renders the page). */
  var flash = null;

  // ------------------------------------------------------------------ DOM helpers (text only)

  /** h('tag', {attr: value, onclick: fn}, child, ...): strings become text nodes, never markup. */
  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k.slice(0, 2) === 'on' && typeof v === 'function') el.addEventListener(k.slice(2), v);
        else if (k === 'value') el.value = v;
        else el.setAttribute(k, v === true ? '' : String(v));
      });
    }
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }

  /** append(el, child, ...): nodes as they are, arrays flattened, anything else as text. */
  function append(el) {
    for (var i = 1; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      if (Array.isArray(child)) child.forEach(function (c) { append(el, c); });
      else el.appendChild(typeof child === 'object' && child.nodeType ? child : document.createTextNode(String(child)));
    }
  }

  function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
  }

  function when(iso) {
    if (!iso) return '—';
    var d = new Date(iso);
    if (isNaN(d.getTime())) return String(iso);
    return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  }

  function json(v) {
    try { return JSON.stringify(v, null, 2); } catch (e) { return String(v); }
  }

  function isEmpty(v) {
    return v === null || v === undefined || (typeof v === 'object' && Object.keys(v).length === 0);
  }

  function badge(status) {
    return h('span', { class: 'badge s-' + String(status).replace(/[^a-z_]/gi, '') }, status === null || status === undefined ? '—' : String(status));
  }

  function dataDetails(label, value) {
    if (isEmpty(value)) return '—';
    return h('details', null, h('summary', null, label), h('pre', null, typeof value === 'string' ? value : json(value)));
  }

  function table(caption, headers, rows) {
    return h('div', { class: 'table-wrap' },
      h('table', null,
        h('caption', null, caption),
        h('thead', null, h('tr', null, headers.map(function (t) { return h('th', { scope: 'col' }, t); }))),
        h('tbody', null, rows)));
  }

  function errorBox(err, what) {
    var details = err.details && !isEmpty(err.details) ? h('pre', null, json(err.details)) : null;
    return h('div', { class: 'alert', role: 'alert' },
      h('p', null, what ? what + ' failed: ' : '', h('strong', null, err.code), ' — ', err.message),
      err.status ? h('p', { class: 'muted' }, 'HTTP ' + err.status + (err.requestId ? ' · request id ' + err.requestId : '')) : null,
      details);
  }

  function okBox(text) {
    return h('div', { class: 'ok', role: 'status' }, text);
  }

  function heading(text, extra) {
    return h('h1', { tabindex: '-1', id: 'page-title' }, text, extra || null);
  }

  // ------------------------------------------------------------------ key (this tab only)

  function getKey() {
    try { return window.sessionStorage.getItem(KEY_STORE); } catch (e) { return null; }
  }

  function setKey(k) {
    try { window.sessionStorage.setItem(KEY_STORE, k); } catch (e) { /* private mode: kept for this page only */ }
    memoryKey = k;
  }

  function clearKey() {
    try { window.sessionStorage.removeItem(KEY_STORE); } catch (e) { /* nothing stored */ }
    memoryKey = null;
  }

  var memoryKey = getKey();

  // ------------------------------------------------------------------ API

  /** Resolves { ok, status, data } or { ok: false, error: { code, message, details, status, requestId } }. */
  function api(method, path, body, keyOverride) {
    var key = keyOverride || memoryKey;
    var headers = { Accept: 'application/json', Authorization: 'Bearer ' + key };
    var init = { method: method, headers: headers, cache: 'no-store', credentials: 'omit' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (r) {
      var requestId = r.headers.get('x-request-id');
      return r.text().then(function (text) {
        var parsed = null;
        try { parsed = text ? JSON.parse(text) : null; } catch (e) { parsed = null; }
        if (r.ok) return { ok: true, status: r.status, data: parsed };
        var e = parsed && parsed.error ? parsed.error : {};
        var err = {
          status: r.status,
          code: e.code || 'HTTP_' + r.status,
          message: e.message || (text ? text.slice(0, 300) : r.statusText || 'The API answered with an error.'),
          details: e.details || {},
          requestId: (parsed && parsed.request_id) || requestId,
        };
        if (r.status === 401 && !keyOverride) {
          clearKey();
          notice = 'The ops key was refused (' + err.message + '). Enter it again.';
          setTimeout(render, 0);
        }
        return { ok: false, status: r.status, error: err };
      });
    }, function (e) {
      return { ok: false, status: 0, error: { status: 0, code: 'NETWORK_ERROR', message: 'The service could not be reached (' + (e && e.message ? e.message : 'network error') + ').', details: {} } };
    });
  }

  function q(params) {
    var parts = [];
    Object.keys(params).forEach(function (k) {
      if (params[k] !== undefined && params[k] !== null && params[k] !== '') parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(params[k]));
    });
    return parts.length ? '?' + parts.join('&') : '';
  }

  // ------------------------------------------------------------------ routing

  function route() {
    var hash = window.location.hash.replace(/^#/, '') || '/orders';
    var qi = hash.indexOf('?');
    var path = qi >= 0 ? hash.slice(0, qi) : hash;
    var params = {};
    if (qi >= 0) {
      hash.slice(qi + 1).split('&').forEach(function (p) {
        if (!p) return;
        var i = p.indexOf('=');
        var k = decodeURIComponent(i >= 0 ? p.slice(0, i) : p);
        params[k] = i >= 0 ? decodeURIComponent(p.slice(i + 1).replace(/\+/g, ' ')) : '';
      });
    }
    return { path: path, params: params };
  }

  function go(hash) {
    if (window.location.hash === hash) render();
    else window.location.hash = hash;
  }

  var generation = 0;

  function render() {
    generation++;
    var mine = generation;
    forget.hidden = !memoryKey;
    document.querySelectorAll('nav a').forEach(function (a) { a.removeAttribute('aria-current'); });
    clear(app);
    if (!memoryKey) {
      loginView();
      return;
    }
    var r = route();
    var m;
    if ((m = /^\/order\/(.+)$/.exec(r.path))) orderView(decodeURIComponent(m[1]), mine);
    else if (r.path === '/withdrawals') withdrawalsView(r.params, mine);
    else ordersView(r.params, mine);
  }

  function current(mine) {
    return mine === generation;
  }

  function markNav(name) {
    var a = document.querySelector('nav a[data-nav="' + name + '"]');
    if (a) a.setAttribute('aria-current', 'page');
  }

  function focusTitle() {
    var t = document.getElementById('page-title');
    if (t && document.activeElement && document.activeElement.tagName !== 'INPUT') t.focus();
  }

  // ------------------------------------------------------------------ login

  function loginView() {
    var input = h('input', { type: 'password', id: 'ops-key', name: 'ops-key', autocomplete: 'off', spellcheck: 'false', required: true, 'aria-describedby': 'ops-key-hint' });
    var out = h('div', { id: 'login-result' });
    var button = h('button', { type: 'submit', class: 'primary' }, 'Use this key');
    var form = h('form', {
      class: 'card narrow',
      onsubmit: function (ev) {
        ev.preventDefault();
        var key = input.value.trim();
        if (!key) return;
        button.disabled = true;
        clear(out);
        api('GET', '/v1/orders?limit=1', undefined, key).then(function (r) {
          button.disabled = false;
          if (r.ok) {
            setKey(key);
            notice = null;
            render();
            return;
          }
          if (r.status === 401) append(out, errorBox({ code: r.error.code, message: 'This key is not a valid API key.', status: 401, requestId: r.error.requestId }));
          else if (r.status === 403) append(out, errorBox({ code: r.error.code, message: 'This is a storefront key; the console needs an ops key.', status: 403, requestId: r.error.requestId }));
          else append(out, errorBox(r.error, 'Checking the key'));
          input.focus();
        });
      },
    },
      h('label', { for: 'ops-key' }, 'Ops API key'),
      input,
      h('p', { class: 'hint', id: 'ops-key-hint' }, 'Kept in this browser tab only (sessionStorage) and sent as a Bearer token to this service. Closing the tab forgets it.'),
      button,
      out);
    append(app, heading('Sign in'), notice ? h('div', { class: 'alert', role: 'alert' }, notice) : null, form);
    input.focus();
  }

  // ------------------------------------------------------------------ orders

  function orderRow(o) {
    return h('tr', null,
      h('td', null, when(o.created_at)),
      h('td', null, h('a', { href: '#/order/' + encodeURIComponent(o.id) }, o.external_id)),
      h('td', null, o.customer_id),
      h('td', { class: 'num' }, o.amount + ' ' + o.currency),
      h('td', null, badge(o.status)),
      h('td', null, o.provider));
  }

  function ordersView(params, mine) {
    markNav('orders');
    var text = params.q || '';
    var status = params.status || '';
    var qInput = h('input', { type: 'search', id: 'q', name: 'q', value: text, autocomplete: 'off', 'aria-describedby': 'q-hint' });
    var sSelect = h('select', { id: 'status', name: 'status' },
      h('option', { value: '' }, 'any status'),
      STATUSES.map(function (s) { return h('option', { value: s, selected: s === status }, s); }));
    var form = h('form', {
      role: 'search',
      class: 'card search',
      onsubmit: function (ev) {
        ev.preventDefault();
        go('#/orders' + q({ q: qInput.value.trim(), status: sSelect.value }));
      },
    },
      h('div', { class: 'field grow' }, h('label', { for: 'q' }, 'Order id, external_id or customer id'), qInput,
        h('p', { class: 'hint', id: 'q-hint' }, 'Empty: the latest orders.')),
      h('div', { class: 'field' }, h('label', { for: 'status' }, 'Status'), sSelect),
      h('div', { class: 'field' }, h('button', { type: 'submit', class: 'primary' }, 'Search')));
    var results = h('section', { 'aria-labelledby': 'results-title', id: 'results' }, h('h2', { id: 'results-title' }, 'Results'), h('p', { class: 'muted' }, 'Loading…'));
    append(app, heading('Orders'), form, results);
    focusTitle();

    var direct = text
      ? api('GET', '/v1/orders/' + encodeURIComponent(text))
      : Promise.resolve(null);
    var listed = api('GET', '/v1/orders' + q({ status: status, customer_id: text, limit: 50 }));
    Promise.all([direct, listed]).then(function (rs) {
      if (!current(mine)) return;
      var found = [];
      var seen = {};
      var problems = [];
      var d = rs[0];
      if (d && d.ok && (!status || d.data.status === status)) {
        found.push(d.data);
        seen[d.data.id] = true;
      } else if (d && !d.ok && d.status !== 404 && d.status !== 400) problems.push(d.error);
      var l = rs[1];
      var next = null;
      if (l.ok) {
        l.data.data.forEach(function (o) { if (!seen[o.id]) { seen[o.id] = true; found.push(o); } });
        next = l.data.next_cursor;
      } else problems.push(l.error);
      showOrders(results, found, problems, next, { status: status, customer_id: text }, mine);
    });
  }

  function showOrders(results, found, problems, next, filter, mine) {
    clear(results);
    append(results, h('h2', { id: 'results-title' }, 'Results'));
    problems.forEach(function (p) { append(results, errorBox(p, 'Search')); });
    append(results, h('p', { role: 'status', class: 'muted', id: 'result-count' }, found.length ? found.length + (found.length === 1 ? ' order' : ' orders') + (next ? ' (more below)' : '') : 'No orders match.'));
    if (!found.length) return;
    var body = found.map(orderRow);
    var t = table('Orders, newest first', ['Created', 'External id', 'Customer', 'Amount', 'Status', 'Gateway'], body);
    append(results, t);
    if (next) {
      var more = h('button', {
        type: 'button',
        class: 'secondary',
        onclick: function () {
          more.disabled = true;
          api('GET', '/v1/orders' + q({ status: filter.status, customer_id: filter.customer_id, limit: 50, cursor: next })).then(function (r) {
            if (!current(mine)) return;
            if (!r.ok) {
              more.disabled = false;
              append(results, errorBox(r.error, 'Loading more'));
              return;
            }
            showOrders(results, found.concat(r.data.data), [], r.data.next_cursor, filter, mine);
          });
        },
      }, 'Load more');
      append(results, more);
    }
  }

  // ------------------------------------------------------------------ one order

  function section(id, title) {
    return h('section', { class: 'card', id: id, 'aria-labelledby': id + '-title' }, h('h2', { id: id + '-title' }, title), h('p', { class: 'muted' }, 'Loading…'));
  }

  function fill(sec, title, content) {
    var id = sec.id;
    clear(sec);
    append(sec, h('h2', { id: id + '-title' }, title), content);
  }

  function orderView(ref, mine) {
    markNav('orders');
    var out = h('div', { id: 'action-result', 'aria-live': 'polite' });
    append(app, h('p', null, h('a', { href: '#/orders' }, '← Orders')), heading('Order'), h('p', { class: 'muted' }, 'Loading…'));
    focusTitle();
    api('GET', '/v1/orders/' + encodeURIComponent(ref)).then(function (r) {
      if (!current(mine)) return;
      clear(app);
      append(app, h('p', null, h('a', { href: '#/orders' }, '← Orders')));
      if (!r.ok) {
        flash = null;
        append(app, heading('Order ' + ref), errorBox(r.error, 'Loading the order'));
        focusTitle();
        return;
      }
      var o = r.data;
      var actions = orderActions(o, out, mine);
      showFlash(out);
      append(app,
        heading('Order ' + o.external_id + ' ', badge(o.status)),
        actions,
        out,
        summary(o));
      var timeline = section('timeline', 'Timeline');
      var callbacks = section('callbacks', 'Stored callbacks');
      var notifications = section('notifications', 'Merchant notifications');
      var gateway = section('gateway-webhooks', 'Gateway webhook history');
      append(app, timeline, callbacks, notifications, gateway);
      focusTitle();
      loadTimeline(o, timeline, mine);
      loadCallbacks(o, callbacks, out, mine);
      loadNotifications(o, notifications, mine);
      loadGatewayWebhooks(o, gateway, mine);
    });
  }

  function summary(o) {
    var p = o.payment;
    var rows = [
      ['Order id', o.id],
      ['External id', o.external_id],
      ['Status', badge(o.status)],
      ['Amount', o.amount + ' ' + o.currency],
      ['Customer', o.customer_id],
      ['Description', o.description || '—'],
      ['Gateway', o.provider],
      ['Gateway invoice', o.gateway_invoice_id || '—'],
      ['Payment link', o.payment_link ? h('a', { href: o.payment_link, rel: 'noreferrer', target: '_blank' }, o.payment_link) : '—'],
      ['Payment', p ? (p.method_code || '?') + ' · ' + (p.amount_fiat || '?') + ' ' + o.currency + ' · rate ' + (p.conversion_rate || '?') + ' · merchant ' + (p.merchant_usdt || '?') + ' USDT' + (p.adjusted ? ' · adjusted' : '') : '—'],
      ['Expires', when(o.expires_at)],
      ['Paid', when(o.paid_at)],
      ['Created', when(o.created_at)],
      ['Updated', when(o.updated_at)],
      ['Metadata', dataDetails('metadata', o.metadata)],
    ];
    return h('section', { class: 'card', 'aria-label': 'Order details' },
      h('dl', { class: 'summary' }, rows.map(function (row) { return h('div', null, h('dt', null, row[0]), h('dd', null, row[1])); })));
  }

  function actionButton(label, hint, run) {
    var b = h('button', {
      type: 'button',
      class: 'secondary',
      title: hint,
      onclick: function () {
        b.disabled = true;
        b.setAttribute('aria-busy', 'true');
        run().then(function () {
          b.disabled = false;
          b.removeAttribute('aria-busy');
        });
      },
    }, label);
    return b;
  }

  function orderActions(o, out, mine) {
    var ref = encodeURIComponent(o.id);
    return h('div', { class: 'actions', role: 'group', 'aria-label': 'Order actions' },
      actionButton('Reconcile', 'Read the invoice back from the gateway and apply it', function () {
        clear(out);
        return api('POST', '/v1/orders/' + ref + '/reconcile', {}).then(function (r) {
          if (!current(mine)) return;
          if (!r.ok) { append(out, errorBox(r.error, 'Reconcile')); return; }
          rerender('Reconciled with the gateway: the order is ' + r.data.status + '.');
        });
      }),
      actionButton('Resend gateway webhook', "Ask the gateway to resend its latest webhook for this order's invoice", function () {
        clear(out);
        return api('POST', '/v1/orders/' + ref + '/gateway-webhooks/resend', {}).then(function (r) {
          if (!current(mine)) return;
          if (!r.ok) { append(out, errorBox(r.error, 'Resend')); return; }
          var rs = (r.data && r.data.resend) || {};
          rerender('The gateway resent its latest webhook: ' + (rs.ok ? 'delivered' : 'not delivered') + (rs.http_status ? ' (HTTP ' + rs.http_status + ')' : '') + '.');
        });
      }),
      actionButton('Refresh', 'Load everything again', function () {
        rerender('Loaded again.');
        return Promise.resolve();
      }));
  }

  /** Renders the current route again; the view shows the flash message once drawn. */
  function rerender(text) {
    flash = text || null;
    render();
  }

  function showFlash(out) {
    if (flash) append(out, okBox(flash));
    flash = null;
  }

  function loadTimeline(o, sec, mine) {
    api('GET', '/v1/orders/' + encodeURIComponent(o.id) + '/events').then(function (r) {
      if (!current(mine)) return;
      if (!r.ok) { fill(sec, 'Timeline', errorBox(r.error, 'Loading the timeline')); return; }
      var rows = r.data.data.map(function (e) {
        return h('tr', null,
          h('td', null, when(e.created_at)),
          h('td', null, e.type),
          h('td', null, e.from_status || e.to_status ? [e.from_status ? badge(e.from_status) : '—', ' → ', e.to_status ? badge(e.to_status) : '—'] : '—'),
          h('td', null, e.source),
          h('td', null, dataDetails('data', e.data)));
      });
      fill(sec, 'Timeline', rows.length ? table('Timeline, oldest first', ['Time', 'Event', 'Change', 'Source', 'Data'], rows) : h('p', { class: 'muted' }, 'No events.'));
    });
  }

  function loadCallbacks(o, sec, out, mine) {
    api('GET', '/v1/webhook-events' + q({ order_id: o.id, limit: 200 })).then(function (r) {
      if (!current(mine)) return;
      if (!r.ok) { fill(sec, 'Stored callbacks', errorBox(r.error, 'Loading the callbacks')); return; }
      var rows = r.data.data.map(function (w) {
        var replay = actionButton('Replay', 'Process this stored callback again (still applied exactly once)', function () {
          clear(out);
          return api('POST', '/v1/webhook-events/' + encodeURIComponent(w.id) + '/replay', {}).then(function (x) {
            if (!current(mine)) return;
            if (!x.ok) { append(out, errorBox(x.error, 'Replay')); return; }
            rerender('Callback ' + w.idempotency_key + ' replayed: ' + x.data.status + (x.data.last_error ? ' (' + x.data.last_error + ')' : '') + '.');
          });
        });
        replay.setAttribute('aria-label', 'Replay callback ' + w.idempotency_key);
        return h('tr', null,
          h('td', null, when(w.received_at)),
          h('td', null, badge(w.status)),
          h('td', { class: 'mono' }, w.idempotency_key),
          h('td', { class: 'num' }, String(w.attempts)),
          h('td', null, w.last_error || '—', ' ', dataDetails('outcome', w.outcome)),
          h('td', null, dataDetails('payload', w.payload)),
          h('td', null, replay));
      });
      fill(sec, 'Stored callbacks', rows.length
        ? table('Callbacks received from the gateway, newest first', ['Received', 'Status', 'Idempotency key', 'Attempts', 'Error / outcome', 'Payload', ''], rows)
        : h('p', { class: 'muted' }, 'No callback stored for this order.'));
    });
  }

  function loadNotifications(o, sec, mine) {
    api('GET', '/v1/notifications' + q({ order_id: o.id, limit: 200 })).then(function (r) {
      if (!current(mine)) return;
      if (!r.ok) { fill(sec, 'Merchant notifications', errorBox(r.error, 'Loading the notifications')); return; }
      var rows = r.data.data.map(function (n) {
        return h('tr', null,
          h('td', null, when(n.created_at)),
          h('td', null, n.type),
          h('td', null, badge(n.status)),
          h('td', { class: 'num' }, String(n.attempts)),
          h('td', null, n.last_status_code ? 'HTTP ' + n.last_status_code : '', n.last_error ? ' ' + n.last_error : '', !n.last_status_code && !n.last_error ? '—' : ''),
          h('td', null, when(n.delivered_at)));
      });
      fill(sec, 'Merchant notifications', rows.length
        ? table('Notifications sent to the merchant, newest first', ['Created', 'Type', 'Status', 'Attempts', 'Last answer', 'Delivered'], rows)
        : h('p', { class: 'muted' }, 'No notification for this order (none is made when MERCHANT_WEBHOOK_URL is unset).'));
    });
  }

  function loadGatewayWebhooks(o, sec, mine) {
    api('GET', '/v1/orders/' + encodeURIComponent(o.id) + '/gateway-webhooks').then(function (r) {
      if (!current(mine)) return;
      if (!r.ok) { fill(sec, 'Gateway webhook history', errorBox(r.error, "Loading the gateway's history")); return; }
      var events = (r.data && (r.data.events || (r.data.data && r.data.data.events))) || [];
      var rows = events.map(function (e) {
        var attempts = (e.attempts || []).map(function (a) {
          return h('li', null, '#' + a.try_number + ' ' + (a.trigger || '') + ' · ' + (a.attempt_status || '?') + ' · ' + (a.http_status ? 'HTTP ' + a.http_status : a.error_message || 'no answer') + ' · ' + when(a.created_at));
        });
        return h('tr', null,
          h('td', null, when(e.created_at)),
          h('td', null, e.event_type),
          h('td', null, badge(e.status)),
          h('td', { class: 'num' }, String(e.total_attempts !== undefined ? e.total_attempts : attempts.length)),
          h('td', null, when(e.next_retry_at)),
          h('td', null, attempts.length ? h('details', null, h('summary', null, attempts.length + ' attempt' + (attempts.length === 1 ? '' : 's')), h('ol', { class: 'attempts' }, attempts)) : '—'),
          h('td', null, dataDetails('payload', e.request_payload)));
      });
      fill(sec, 'Gateway webhook history', rows.length
        ? table("The gateway's webhook events for this invoice, newest first", ['Created', 'Event', 'Delivery', 'Tries', 'Next retry', 'Attempts', 'Payload'], rows)
        : h('p', { class: 'muted' }, 'The gateway has no webhook event for this invoice yet.'));
    });
  }

  // ------------------------------------------------------------------ withdrawals

  function withdrawalsView(params, mine) {
    markNav('withdrawals');
    var status = params.status || '';
    var out = h('div', { id: 'action-result', 'aria-live': 'polite' });
    var sInput = h('input', { type: 'text', id: 'w-status', name: 'status', value: status, autocomplete: 'off', placeholder: 'pending, success, failed…' });
    var form = h('form', {
      role: 'search',
      class: 'card search',
      onsubmit: function (ev) {
        ev.preventDefault();
        go('#/withdrawals' + q({ status: sInput.value.trim() }));
      },
    },
      h('div', { class: 'field grow' }, h('label', { for: 'w-status' }, 'Status (the gateway\'s)'), sInput),
      h('div', { class: 'field' }, h('button', { type: 'submit', class: 'primary' }, 'Filter')));
    var sync = actionButton('Sync from the gateway', 'Mirror the withdrawals from the gateway now', function () {
      clear(out);
      return api('POST', '/v1/withdrawals/sync', {}).then(function (r) {
        if (!current(mine)) return;
        if (!r.ok) { append(out, errorBox(r.error, 'Sync')); return; }
        rerender('Synced: ' + r.data.fetched + ' fetched, ' + r.data.created + ' new, ' + r.data.updated + ' updated.');
      });
    });
    var list = h('section', { id: 'withdrawals', 'aria-labelledby': 'withdrawals-title' }, h('h2', { id: 'withdrawals-title' }, 'Mirrored withdrawals'), h('p', { class: 'muted' }, 'Loading…'));
    showFlash(out);
    append(app, heading('Withdrawals'), h('div', { class: 'actions' }, sync), out, form, list);
    focusTitle();
    loadWithdrawals(list, status, null, [], mine);
  }

  function loadWithdrawals(list, status, cursor, sofar, mine) {
    api('GET', '/v1/withdrawals' + q({ status: status, limit: 50, cursor: cursor })).then(function (r) {
      if (!current(mine)) return;
      clear(list);
      append(list, h('h2', { id: 'withdrawals-title' }, 'Mirrored withdrawals'));
      if (!r.ok) { append(list, errorBox(r.error, 'Loading the withdrawals')); return; }
      var all = sofar.concat(r.data.data);
      append(list, h('p', { class: 'muted', role: 'status' }, all.length ? all.length + ' withdrawal' + (all.length === 1 ? '' : 's') + (r.data.next_cursor ? ' (more below)' : '') : 'No withdrawals mirrored yet: use "Sync from the gateway".'));
      if (!all.length) return;
      var rows = all.map(function (w) {
        return h('tr', null,
          h('td', null, when(w.created_at)),
          h('td', { class: 'mono' }, w.withdraw_uuid),
          h('td', { class: 'num' }, w.amount),
          h('td', { class: 'num' }, w.network_fee || '—'),
          h('td', { class: 'num' }, w.amount_to_receive || '—'),
          h('td', null, badge(w.status), w.substatus ? ' ' + w.substatus : ''),
          h('td', { class: 'mono' }, w.address || '—'),
          h('td', { class: 'mono' }, w.external_tx_id || '—'),
          h('td', null, when(w.processed_at)));
      });
      append(list, table('Withdrawals (USDT), newest first', ['Created', 'Withdrawal', 'Amount', 'Fee', 'To receive', 'Status', 'Address', 'Tx', 'Processed'], rows));
      if (r.data.next_cursor) {
        var next = r.data.next_cursor;
        var more = h('button', { type: 'button', class: 'secondary', onclick: function () { more.disabled = true; loadWithdrawals(list, status, next, all, mine); } }, 'Load more');
        append(list, more);
      }
    });
  }

  // ------------------------------------------------------------------ start

  forget.addEventListener('click', function () {
    clearKey();
    notice = null;
    render();
  });
  window.addEventListener('hashchange', render);
  render();
})();
`;

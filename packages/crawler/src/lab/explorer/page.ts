// The chain explorer page's stylesheet and script, inlined by build.ts. The script drives the
// real @deferkit/deferred that build.ts bundles into the page (the global `deferkitDeferred`):
// it builds the learner's chain on a real Deferred, with every callback and errback wrapped so
// that it records what it was given and what it gave back, and the UI steps through those records.
// Kept as plain ES2017 in a raw string (no template literals inside it) so the page's bytes do
// not depend on how this module was compiled.

/** The page's CSS. */
export const EXPLORER_CSS = String.raw`
:root { --cb: #1f6f43; --eb: #a3312a; --ink: #1d2330; --muted: #667085; --line: #d0d5dd; --bg: #f8f9fb; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--bg); }
header { padding: 14px 22px 8px; border-bottom: 1px solid var(--line); background: #fff; }
header h1 { margin: 0 0 4px; font-size: 20px; }
header p { margin: 0; color: var(--muted); }
main { display: grid; grid-template-columns: minmax(330px, 420px) 1fr; gap: 18px; padding: 16px 22px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
h2 { font-size: 15px; margin: 12px 0 6px; }
h2:first-child { margin-top: 0; }
label { display: inline-block; margin: 2px 6px 2px 0; }
select, input[type=text], button { font: inherit; padding: 3px 6px; border: 1px solid var(--line); border-radius: 5px; background: #fff; }
input[type=text] { width: 9.5em; }
button { cursor: pointer; background: #f2f4f7; }
button:hover { background: #e4e7ec; }
button:disabled { cursor: default; opacity: .45; }
.row { margin: 5px 0; }
.lesson { margin: 6px 0 0; padding: 8px 10px; background: #f2f4f7; border-radius: 6px; }
ol.program { font: 12.5px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace; padding-left: 2.2em; margin: 6px 0; }
ol.program li { padding: 1px 4px; border-radius: 4px; }
ol.program li.current { background: #fff4cc; }
ol.program li button { padding: 0 5px; margin-left: 6px; font-size: 11px; }
.steps { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
#step-label { color: var(--muted); margin-left: 6px; }
#current { margin: 10px 0; padding: 8px 10px; border-radius: 6px; border-left: 5px solid var(--line); background: #f8f9fb; }
#current[data-kind=value] { border-left-color: var(--cb); }
#current[data-kind=failure] { border-left-color: var(--eb); }
#current[data-kind=waiting] { border-left-color: #b54708; }
#current .result { font: 13px ui-monospace, SFMono-Regular, Menlo, monospace; }
#state { color: var(--muted); font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
#unhandled { margin-top: 8px; padding: 8px 10px; border-radius: 6px; background: #fef3f2; color: var(--eb); border: 1px solid #fda29b; }
#unhandled[hidden] { display: none; }
svg { width: 100%; height: auto; display: block; margin-top: 6px; }
svg text { font: 12px system-ui, sans-serif; }
svg .head { font-weight: 600; font-size: 13px; }
svg .box { fill: #fff; stroke: #98a2b3; }
svg .box.pass { stroke-dasharray: 4 3; fill: #fafafa; }
svg .box.cb.ran { fill: #e3f4ea; stroke: var(--cb); }
svg .box.eb.ran { fill: #fdecea; stroke: var(--eb); }
svg .box.current { stroke-width: 3; }
svg .lane { stroke: #eaecf0; stroke-width: 10; }
svg .path { fill: none; stroke-width: 3; }
svg .path.cb { stroke: var(--cb); }
svg .path.eb { stroke: var(--eb); }
svg .token.cb { fill: var(--cb); }
svg .token.eb { fill: var(--eb); }
svg .token.waiting { fill: #b54708; }
svg .tokentext { font: 600 12px ui-monospace, monospace; }
svg .unhandled { fill: var(--eb); font-weight: 600; }
.muted { color: var(--muted); }
code { font: 12.5px ui-monospace, SFMono-Regular, Menlo, monospace; }
`;

/** The page's script; expects `deferkitDeferred` (the bundled library) and the presets JSON. */
export const EXPLORER_SCRIPT = String.raw`
(function () {
  'use strict';
  var lib = window.deferkitDeferred;
  var presets = JSON.parse(document.getElementById('explorer-presets').textContent);
  // Debug mode: a failure still unhandled at the end of the turn is reported then (not only
  // when the Deferred is garbage-collected), so the page can show it.
  lib.setDebugging(true);

  var program = { canceller: false, actions: [] };
  var run = null;
  var stepIndex = 0;
  var $ = function (id) { return document.getElementById(id); };

  function show(v) {
    if (v === undefined) return 'undefined';
    try { return JSON.stringify(v); } catch (e) { return String(v); }
  }
  function errorText(e) {
    var name = e !== null && typeof e === 'object' && typeof e.name === 'string' ? e.name : 'Error';
    var message = e !== null && typeof e === 'object' && typeof e.message === 'string' ? e.message : String(e);
    return name + ': ' + message;
  }
  function failureText(f) { return errorText(f.value); }
  function parseValue(text) {
    try { return JSON.parse(text); } catch (e) { return text; }
  }

  // What a result is, for display: a value, a Failure, or a Deferred the chain waits on.
  function describe(x, r) {
    if (lib.isFailure(x)) return { kind: 'failure', text: failureText(x) };
    if (lib.isDeferred(x)) {
      var n = r.inners.indexOf(x);
      if (n >= 0 && !(x.called && x.paused === 0)) return { kind: 'waiting', text: 'inner #' + (n + 1) };
      // An already-fired Deferred: the chain takes its result at once (read before it does).
      if (x.called) return describe(x._result, r);
      return { kind: 'waiting', text: 'a Deferred' };
    }
    return { kind: 'value', text: show(x) };
  }
  // The head's current result, as the library holds it (read only; _result is its own field).
  function snapshot(r) {
    if (!r.head.called) return { kind: 'none', text: 'no result yet' };
    return describe(r.head._result, r);
  }

  function perform(body, input, r) {
    switch (body.do) {
      case 'value': return body.value;
      case 'raise': throw new Error(body.message);
      case 'pass': return input;
      case 'pending': { var d = new lib.Deferred(); r.inners.push(d); return d; }
      case 'fired': return lib.succeed(body.value);
    }
    throw new Error('unknown body ' + body.do);
  }
  // Wrap a body so that running it records (link, track, input, output) as the chain runs.
  function instrument(body, link, track, r) {
    return function (input) {
      var t = track || (lib.isFailure(input) ? 'errback' : 'callback');
      var step = { type: 'run', link: link, track: t, body: body, input: describe(input, r), group: r.group };
      r.steps.push(step);
      var out;
      try {
        out = perform(body, input, r);
      } catch (e) {
        step.result = { kind: 'failure', text: errorText(e) };
        step.raised = true;
        throw e;
      }
      step.result = describe(out, r);
      return out;
    };
  }

  function addLink(r, a) {
    var i = r.links.length;
    r.links.push(a);
    var d = r.head;
    if (a.kind === 'addCallback') d.addCallback(instrument(a.callback, i, 'callback', r));
    else if (a.kind === 'addErrback') d.addErrback(instrument(a.errback, i, 'errback', r));
    else if (a.kind === 'addBoth') d.addBoth(instrument(a.callback, i, null, r));
    else d.addCallbacks(instrument(a.callback, i, 'callback', r), instrument(a.errback, i, 'errback', r));
  }

  function apply(r, a, g) {
    var d = r.head;
    r.group = g;
    var step = { type: 'action', action: a, group: g };
    r.steps.push(step);
    var first = r.steps.length;
    try {
      switch (a.type) {
        case 'add': addLink(r, a); break;
        case 'callback': d.callback(a.value); break;
        case 'errback': d.errback(new Error(a.message)); break;
        case 'pause': d.pause(); break;
        case 'unpause': d.unpause(); break;
        case 'cancel': d.cancel(); break;
        case 'fire-inner': {
          var inner = r.inners[a.inner - 1];
          if (inner === undefined) throw new Error('There is no inner Deferred #' + a.inner + ' yet: a callback that returns a pending Deferred creates it.');
          if (a.message !== undefined) inner.errback(new Error(a.message));
          else inner.callback(a.value);
          break;
        }
      }
    } catch (e) {
      step.error = errorText(e);
    }
    var after = snapshot(r);
    var firstRun = r.steps.length > first ? r.steps[first] : null;
    if (step.error === undefined && a.type === 'callback') step.result = { kind: 'value', text: show(a.value) };
    else if (step.error === undefined && a.type === 'errback') step.result = { kind: 'failure', text: 'Error: ' + a.message };
    else step.result = firstRun !== null ? firstRun.input : after;
    step.after = after;
    step.paused = d.paused;
    step.called = d.called;
    step.repr = d.toString();
  }

  function execute() {
    var r = { head: null, links: [], inners: [], steps: [], group: 0, unhandled: null, cancellerRan: false };
    r.head = program.canceller ? new lib.Deferred(function () { r.cancellerRan = true; }) : new lib.Deferred();
    for (var g = 0; g < program.actions.length; g++) apply(r, program.actions[g], g);
    return r;
  }

  lib.onUnhandledError(function (failure) {
    // Only this run's Deferreds count (a replaced run may still report its own).
    if (run === null) return;
    var mine = run.head._result === failure || run.inners.some(function (d) { return d._result === failure; });
    if (!mine) return;
    run.unhandled = failureText(failure);
    render();
  });

  // ---- program listing --------------------------------------------------------------------
  function bodyCode(body, arg) {
    switch (body.do) {
      case 'value': return '(' + arg + ') => ' + show(body.value);
      case 'raise': return '(' + arg + ') => { throw new Error(' + show(body.message) + '); }';
      case 'pass': return '(' + arg + ') => ' + arg;
      case 'pending': return '(' + arg + ') => inner = new Deferred()';
      case 'fired': return '(' + arg + ') => succeed(' + show(body.value) + ')';
    }
    return '?';
  }
  function bodyLabel(body) {
    switch (body.do) {
      case 'value': return 'return ' + show(body.value);
      case 'raise': return 'throw Error(' + show(body.message) + ')';
      case 'pass': return 'return its input';
      case 'pending': return 'return a pending Deferred';
      case 'fired': return 'return succeed(' + show(body.value) + ')';
    }
    return '?';
  }
  function actionCode(a, r, index) {
    switch (a.type) {
      case 'add':
        if (a.kind === 'addCallback') return 'd.addCallback(' + bodyCode(a.callback, 'r') + ');';
        if (a.kind === 'addErrback') return 'd.addErrback(' + bodyCode(a.errback, 'f') + ');';
        if (a.kind === 'addBoth') return 'd.addBoth(' + bodyCode(a.callback, 'x') + ');';
        return 'd.addCallbacks(' + bodyCode(a.callback, 'r') + ', ' + bodyCode(a.errback, 'f') + ');';
      case 'callback': return 'd.callback(' + show(a.value) + ');';
      case 'errback': return 'd.errback(new Error(' + show(a.message) + '));';
      case 'pause': return 'd.pause();';
      case 'unpause': return 'd.unpause();';
      case 'cancel': return 'd.cancel();';
      case 'fire-inner':
        return 'inner' + a.inner + (a.message !== undefined ? '.errback(new Error(' + show(a.message) + '));' : '.callback(' + show(a.value) + ');');
    }
    return '';
  }

  // ---- the two tracks ---------------------------------------------------------------------
  var X = { callback: 150, errback: 420 };
  var BOX_W = 230, BOX_H = 34, ROW = 70, TOP = 74;
  function rowY(i) { return TOP + 56 + i * ROW; }
  function trackOf(result) { return result.kind === 'failure' ? 'errback' : 'callback'; }
  function esc(s) { return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'); }
  function clip(s, n) { return s.length > n ? s.slice(0, n - 1) + '\u2026' : s; }

  function linkBoxes(a) {
    if (a.kind === 'addCallback') return { callback: bodyLabel(a.callback), errback: null };
    if (a.kind === 'addErrback') return { callback: null, errback: bodyLabel(a.errback) };
    if (a.kind === 'addBoth') return { callback: bodyLabel(a.callback), errback: bodyLabel(a.callback) };
    return { callback: bodyLabel(a.callback), errback: bodyLabel(a.errback) };
  }

  function drawSvg(r, k) {
    var n = r.links.length;
    var endY = rowY(n) - 10;
    var h = endY + 60;
    var out = [];
    out.push('<svg id="tracks" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 570 ' + h + '" role="img" aria-label="The callback and errback tracks">');
    out.push('<text class="head" x="' + X.callback + '" y="18" text-anchor="middle" fill="#1f6f43">callback track</text>');
    out.push('<text class="head" x="' + X.errback + '" y="18" text-anchor="middle" fill="#a3312a">errback track</text>');
    out.push('<line class="lane" x1="' + X.callback + '" y1="28" x2="' + X.callback + '" y2="' + endY + '"/>');
    out.push('<line class="lane" x1="' + X.errback + '" y1="28" x2="' + X.errback + '" y2="' + endY + '"/>');
    out.push('<text x="285" y="' + (TOP - 22) + '" text-anchor="middle" class="muted">d.callback(value) \u2190 fire \u2192 d.errback(error)</text>');
    // Which boxes ran, up to step k.
    var ran = {};
    var cur = k >= 0 && k < r.steps.length ? r.steps[k] : null;
    for (var s = 0; s <= k && s < r.steps.length; s++) if (r.steps[s].type === 'run') ran[r.steps[s].link + ':' + r.steps[s].track] = true;
    var boxesAt = out.length;
    for (var i = 0; i < n; i++) {
      var boxes = linkBoxes(r.links[i]);
      var y = rowY(i);
      out.push('<text x="8" y="' + (y + 4) + '" class="muted">' + (i + 1) + '</text>');
      ['callback', 'errback'].forEach(function (t) {
        var label = boxes[t];
        var cls = 'box ' + (t === 'callback' ? 'cb' : 'eb') + (label === null ? ' pass' : '') + (ran[i + ':' + t] ? ' ran' : '') +
          (cur !== null && cur.type === 'run' && cur.link === i && cur.track === t ? ' current' : '');
        out.push('<rect class="' + cls + '" data-link="' + i + '" data-track="' + t + '" x="' + (X[t] - BOX_W / 2) + '" y="' + (y - BOX_H / 2) + '" width="' + BOX_W + '" height="' + BOX_H + '" rx="6"/>');
        out.push('<text x="' + X[t] + '" y="' + (y + 4) + '" text-anchor="middle"' + (label === null ? ' class="muted"' : '') + '>' + esc(clip(label === null ? 'pass through' : label, 34)) + '</text>');
      });
    }
    out.push('<text x="285" y="' + (endY + 18) + '" text-anchor="middle" class="muted">end of the chain</text>');

    // The path the result took, up to step k: vertical on its track, a hop where it changed.
    var pos = null;
    var segs = [];
    function moveTo(track, y) {
      if (pos !== null) segs.push({ x1: X[pos.track], y1: pos.y, x2: X[track], y2: y, track: pos.track === track ? track : track });
      pos = { track: track, y: y };
    }
    var last = null;
    for (var j = 0; j <= k && j < r.steps.length; j++) {
      var st = r.steps[j];
      if (st.type === 'run') {
        if (pos === null) pos = { track: st.track, y: TOP };
        moveTo(st.track, rowY(st.link));
        if (st.result.kind !== 'waiting') moveTo(trackOf(st.result), rowY(st.link) + ROW / 2);
        else pos = { track: 'callback', y: rowY(st.link) + ROW / 2, waiting: true };
      } else if (st.result.kind === 'value' || st.result.kind === 'failure') {
        var t2 = trackOf(st.result);
        if (pos === null) pos = { track: t2, y: TOP };
        else if (pos.track !== t2 || pos.waiting) moveTo(t2, pos.y);
      }
      last = st;
    }
    // At rest at the end of an action: the result has passed the remaining links.
    var atGroupEnd = cur !== null && (k + 1 >= r.steps.length || r.steps[k + 1].type === 'action');
    var group = cur !== null ? r.steps.filter(function (x) { return x.type === 'action'; })[cur.group] : null;
    var resting = atGroupEnd && group !== null && group.called && group.paused === 0 && (group.after.kind === 'value' || group.after.kind === 'failure');
    if (resting && pos !== null) {
      var te = trackOf(group.after);
      if (pos.track !== te) moveTo(te, pos.y);
      moveTo(te, endY);
    }
    // The path goes under the boxes: it enters a box that ran and leaves it on its new track.
    var lines = segs.map(function (g) {
      return ('<line class="path ' + (g.track === 'callback' ? 'cb' : 'eb') + '" x1="' + g.x1 + '" y1="' + g.y1 + '" x2="' + g.x2 + '" y2="' + g.y2 + '"/>');
    });
    Array.prototype.splice.apply(out, [boxesAt, 0].concat(lines));
    if (pos !== null && last !== null) {
      var shown = resting ? group.after : last.result;
      var cls = shown.kind === 'waiting' ? 'waiting' : pos.track === 'callback' ? 'cb' : 'eb';
      var tx = pos.track === 'callback' ? X.callback + 14 : X.errback - 14;
      out.push('<circle class="token ' + cls + '" cx="' + X[pos.track] + '" cy="' + pos.y + '" r="9"/>');
      var label = shown.kind === 'waiting' ? '\u2016 waiting on ' + shown.text : shown.kind === 'none' ? 'no result yet' : shown.text;
      if (group !== null && group.paused > 0 && shown.kind !== 'waiting' && atGroupEnd) label = '\u2016 paused, holding ' + label;
      out.push('<text class="tokentext" x="' + tx + '" y="' + (pos.y - 12) + '" text-anchor="' + (pos.track === 'callback' ? 'start' : 'end') + '">' + esc(clip(label, 40)) + '</text>');
    }
    if (r.unhandled !== null && cur !== null && k === r.steps.length - 1) {
      out.push('<text class="unhandled" x="' + X.errback + '" y="' + (endY + 40) + '" text-anchor="middle">\u26a0 Unhandled error in Deferred</text>');
    }
    out.push('</svg>');
    return out.join('');
  }

  // ---- rendering ---------------------------------------------------------------------------
  function describeStep(st) {
    if (st.type === 'run') {
      var head = 'Link ' + (st.link + 1) + ', ' + st.track + ': got ' + resultText(st.input) + ', ' +
        (st.raised ? 'threw ' + st.result.text : st.result.kind === 'waiting' ? 'returned a pending Deferred (' + st.result.text + '): the outer chain waits on it' : 'returned ' + st.result.text);
      return head;
    }
    var code = actionCode(st.action);
    if (st.error !== undefined) return code + ' raised ' + st.error;
    return code;
  }
  function resultText(res) {
    if (res.kind === 'value') return 'value ' + res.text;
    if (res.kind === 'failure') return 'Failure(' + res.text + ')';
    if (res.kind === 'waiting') return 'waiting on ' + res.text;
    return res.text;
  }

  function render() {
    var r = run;
    var n = r.steps.length;
    if (stepIndex > n - 1) stepIndex = n - 1;
    var cur = n > 0 ? r.steps[stepIndex] : null;
    var list = $('program');
    list.innerHTML = '';
    var head = document.createElement('li');
    head.value = 0;
    head.textContent = 'const d = new Deferred(' + (program.canceller ? '() => { /* canceller */ }' : '') + ');';
    list.appendChild(head);
    program.actions.forEach(function (a, g) {
      var li = document.createElement('li');
      li.textContent = actionCode(a);
      if (cur !== null && cur.group === g) li.className = 'current';
      var del = document.createElement('button');
      del.textContent = '\u00d7';
      del.title = 'Remove this line';
      del.addEventListener('click', function () { program.actions.splice(g, 1); rerun(true); });
      li.appendChild(del);
      list.appendChild(li);
    });
    $('step-label').textContent = n === 0 ? 'no steps yet: add a callback and fire the Deferred' : 'step ' + (stepIndex + 1) + ' of ' + n;
    $('first').disabled = $('prev').disabled = stepIndex <= 0;
    $('next').disabled = $('last').disabled = stepIndex >= n - 1;
    var box = $('current');
    if (cur === null) {
      box.removeAttribute('data-kind');
      box.innerHTML = '<span class="muted">Nothing has happened yet.</span>';
    } else {
      box.setAttribute('data-kind', cur.result.kind);
      box.setAttribute('data-text', cur.result.text);
      box.setAttribute('data-type', cur.type);
      box.setAttribute('data-step', String(stepIndex));
      if (cur.type === 'run') { box.setAttribute('data-link', String(cur.link)); box.setAttribute('data-track', cur.track); }
      else { box.removeAttribute('data-link'); box.removeAttribute('data-track'); }
      box.innerHTML = '<div>' + esc(describeStep(cur)) + '</div><div>current result: <span class="result">' + esc(resultText(cur.result)) + '</span></div>';
    }
    var group = cur !== null ? r.steps.filter(function (x) { return x.type === 'action'; })[cur.group] : null;
    var st = $('state');
    if (group !== null) {
      st.textContent = 'after this line: called ' + group.called + ', paused ' + group.paused + ', ' + group.repr + (r.cancellerRan && group.action.type === 'cancel' ? ' (the canceller ran)' : '');
    } else st.textContent = '';
    var fin = r.steps.filter(function (x) { return x.type === 'action'; }).pop();
    var finalBox = $('final');
    if (fin !== undefined) {
      finalBox.setAttribute('data-kind', fin.after.kind);
      finalBox.setAttribute('data-text', fin.after.text);
      finalBox.setAttribute('data-paused', String(fin.paused));
      finalBox.setAttribute('data-called', String(fin.called));
      finalBox.textContent = 'End of the program: ' + resultText(fin.after) + (fin.paused > 0 ? ' (paused ' + fin.paused + ')' : '');
    } else finalBox.textContent = '';
    var un = $('unhandled');
    if (r.unhandled !== null) {
      un.hidden = false;
      un.setAttribute('data-reported', r.unhandled);
      un.textContent = 'Unhandled error in Deferred: ' + r.unhandled + ' \u2014 reported by the library through onUnhandledError(), because the chain ended on a Failure that no errback handled. Add an errback to handle it.';
    } else {
      un.hidden = true;
      un.removeAttribute('data-reported');
    }
    $('svg-holder').innerHTML = n > 0 ? drawSvg(r, stepIndex) : drawSvg(r, -1);
    var sel = $('inner');
    var keep = sel.value;
    sel.innerHTML = '';
    r.inners.forEach(function (d, i) {
      var o = document.createElement('option');
      o.value = String(i + 1);
      o.textContent = 'inner' + (i + 1) + (d.called ? ' (fired)' : ' (pending)');
      sel.appendChild(o);
    });
    if (keep !== '') sel.value = keep;
    $('fire-inner-callback').disabled = $('fire-inner-errback').disabled = r.inners.length === 0;
    $('canceller').checked = program.canceller;
  }

  function rerun(toEnd) {
    run = execute();
    stepIndex = toEnd ? run.steps.length - 1 : 0;
    render();
  }

  function body(prefix) {
    var kind = $(prefix + '-body').value;
    var arg = $(prefix + '-arg').value;
    if (kind === 'value' || kind === 'fired') return { do: kind, value: parseValue(arg) };
    if (kind === 'raise') return { do: 'raise', message: arg };
    return { do: kind };
  }
  function push(a) { program.actions.push(a); rerun(true); }

  $('add-link').addEventListener('click', function () {
    var kind = $('kind').value;
    var a = { type: 'add', kind: kind };
    if (kind !== 'addErrback') a.callback = body('cb');
    if (kind === 'addErrback' || kind === 'addCallbacks') a.errback = body('eb');
    push(a);
  });
  $('fire-callback').addEventListener('click', function () { push({ type: 'callback', value: parseValue($('fire-value').value) }); });
  $('fire-errback').addEventListener('click', function () { push({ type: 'errback', message: $('fire-message').value }); });
  $('pause').addEventListener('click', function () { push({ type: 'pause' }); });
  $('unpause').addEventListener('click', function () { push({ type: 'unpause' }); });
  $('cancel').addEventListener('click', function () { push({ type: 'cancel' }); });
  $('fire-inner-callback').addEventListener('click', function () { push({ type: 'fire-inner', inner: Number($('inner').value), value: parseValue($('inner-arg').value) }); });
  $('fire-inner-errback').addEventListener('click', function () { push({ type: 'fire-inner', inner: Number($('inner').value), message: $('inner-arg').value }); });
  $('canceller').addEventListener('change', function () { program.canceller = $('canceller').checked; rerun(true); });
  $('clear').addEventListener('click', function () { program = { canceller: false, actions: [] }; $('preset').value = ''; $('lesson').textContent = 'Build your own chain.'; rerun(true); });
  $('first').addEventListener('click', function () { stepIndex = 0; render(); });
  $('prev').addEventListener('click', function () { stepIndex = Math.max(0, stepIndex - 1); render(); });
  $('next').addEventListener('click', function () { stepIndex = Math.min(run.steps.length - 1, stepIndex + 1); render(); });
  $('last').addEventListener('click', function () { stepIndex = run.steps.length - 1; render(); });
  ['kind'].forEach(function (id) {
    $(id).addEventListener('change', function () {
      var k = $('kind').value;
      $('cb-row').hidden = k === 'addErrback';
      $('eb-row').hidden = !(k === 'addErrback' || k === 'addCallbacks');
    });
  });

  var picker = $('preset');
  presets.forEach(function (p) {
    var o = document.createElement('option');
    o.value = p.id;
    o.textContent = p.title;
    picker.appendChild(o);
  });
  function loadPreset(id) {
    var p = presets.filter(function (x) { return x.id === id; })[0];
    if (p === undefined) return;
    program = { canceller: p.canceller, actions: JSON.parse(JSON.stringify(p.actions)) };
    $('lesson').textContent = p.lesson;
    picker.value = id;
    rerun(false);
  }
  picker.addEventListener('change', function () { if (picker.value !== '') loadPreset(picker.value); });
  window.explorer = { loadPreset: loadPreset, steps: function () { return run.steps.length; } };
  loadPreset(presets[0].id);
})();
`;

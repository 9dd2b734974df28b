// Siar composer: live counters and previews, autosave, hashtag suggestions.
// The form works without this script; it only makes it quicker to use.
(function () {
  'use strict';
  var form = document.getElementById('composer');
  if (!form || form.dataset.readonly) return;
  var csrf = form.dataset.csrf;
  var status = document.getElementById('autosave-status');
  var others = document.getElementById('others');
  var text = document.getElementById('text');
  var dirty = false;
  var saving = false;
  var stopped = false;
  var checkTimer = null;
  var pending = null;
  var storeKey = 'siar-draft:' + location.pathname;

  function data() {
    var fd = new FormData(form);
    fd.delete('file');
    return fd;
  }

  function post(url, fd) {
    return fetch(url, {
      method: 'POST',
      body: fd,
      headers: { 'X-CSRF-Token': csrf },
      credentials: 'same-origin'
    });
  }

  function list(ul, items) {
    while (ul.firstChild) ul.removeChild(ul.firstChild);
    items.forEach(function (t) {
      var li = document.createElement('li');
      li.textContent = t;
      ul.appendChild(li);
    });
  }

  function check() {
    post(form.dataset.check, data()).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (b) {
      if (!b) return;
      b.channels.forEach(function (ch) {
        var box = form.querySelector('[data-channel="' + ch.id + '"]');
        if (!box) return;
        var counter = box.querySelector('.counter');
        counter.textContent = ch.counted;
        counter.classList.toggle('over', ch.over);
        list(box.querySelector('.issues'), ch.issues);
        var pv = box.querySelector('.preview');
        while (pv.firstChild) pv.removeChild(pv.firstChild);
        ch.preview.forEach(function (part) {
          var p = document.createElement('p');
          p.className = 'post-text preview-part';
          p.textContent = part;
          pv.appendChild(p);
        });
      });
      var fixes = document.getElementById('hashtag-fixes');
      if (fixes) list(fixes, b.hashtag_fixes);
    }).catch(function () {});
  }

  function autosave() {
    if (!dirty || saving || stopped) return;
    saving = true;
    dirty = false;
    post(form.dataset.autosave, data()).then(function (r) {
      return r.json().then(function (b) { return { ok: r.ok, b: b }; });
    }).then(function (res) {
      saving = false;
      var b = res.b;
      if (res.ok && !b.conflict) form.querySelector('input[name=version]').value = b.version;
      if (pending) {
        // A button was pressed while this save was on its way: send the form
        // now, with the version the save returned.
        var btn = pending;
        pending = null;
        stopped = true;
        if (form.requestSubmit) form.requestSubmit(btn); else form.submit();
        return;
      }
      if (!res.ok) {
        status.textContent = b.message || '';
        dirty = true;
        return;
      }
      form.querySelector('input[name=version]').value = b.version;
      if (b.conflict) {
        // Someone else saved first: stop, keep our text (it is stored on the
        // server too) and let the person reload to see both.
        stopped = true;
        status.textContent = b.message;
        status.classList.add('error');
        return;
      }
      var path = '/app/tulis/' + b.id;
      if (location.pathname !== path) {
        history.replaceState(null, '', path);
        form.action = path + '?_csrf=' + encodeURIComponent(csrf);
        form.dataset.autosave = path + '/simpan-otomatis';
        try { localStorage.removeItem(storeKey); } catch (e) {}
        storeKey = 'siar-draft:' + path;
      }
      try { localStorage.removeItem(storeKey); } catch (e) {}
      status.textContent = b.message;
      if (others) {
        others.hidden = b.others.length === 0;
        if (b.others.length) others.textContent = others.dataset.template
          ? others.dataset.template.replace('{names}', b.others.join(', '))
          : b.others.join(', ');
      }
    }).catch(function () {
      // Offline: keep a copy in this browser until the server has it.
      saving = false;
      dirty = true;
      try { localStorage.setItem(storeKey, text.value); } catch (e) {}
    });
  }

  form.addEventListener('input', function () {
    dirty = true;
    clearTimeout(checkTimer);
    checkTimer = setTimeout(check, 400);
  });
  form.addEventListener('change', function () {
    dirty = true;
    clearTimeout(checkTimer);
    checkTimer = setTimeout(check, 100);
  });
  form.addEventListener('submit', function (e) {
    if (saving) {
      // Wait for the autosave on its way, so the form is not sent from an
      // older version than the one the server now has.
      e.preventDefault();
      pending = e.submitter || null;
      return;
    }
    stopped = true;
  });
  setInterval(autosave, 4000);
  window.addEventListener('beforeunload', function (e) {
    if (dirty && !stopped) { e.preventDefault(); e.returnValue = ''; }
  });

  // Hashtags: suggestions become buttons; while typing a #tag, only the
  // matching ones are shown, and a click completes the word.
  var box = document.getElementById('tag-suggestions');
  if (box && text) {
    var tags = Array.prototype.slice.call(box.querySelectorAll('.tag'));
    tags.forEach(function (span) {
      var b = document.createElement('button');
      b.type = 'button';
      b.className = 'tag';
      b.textContent = span.dataset.tag;
      b.dataset.tag = span.dataset.tag;
      span.parentNode.replaceChild(b, span);
      b.addEventListener('click', function () {
        var v = text.value;
        var at = text.selectionStart;
        var start = at;
        while (start > 0 && /[^\s#]/.test(v.charAt(start - 1))) start--;
        if (start > 0 && v.charAt(start - 1) === '#') start--;
        else start = at;
        var before = v.slice(0, start);
        var sep = before && !/\s$/.test(before) ? ' ' : '';
        text.value = before + sep + b.dataset.tag + ' ' + v.slice(at);
        var pos = (before + sep + b.dataset.tag + ' ').length;
        text.focus();
        text.setSelectionRange(pos, pos);
        text.dispatchEvent(new Event('input', { bubbles: true }));
      });
    });
    text.addEventListener('input', function () {
      var v = text.value.slice(0, text.selectionStart);
      var m = /#([^\s#]*)$/.exec(v);
      var q = m ? m[1].toLowerCase() : '';
      box.querySelectorAll('button.tag').forEach(function (b) {
        b.parentNode.hidden = !!m && b.dataset.tag.slice(1).toLowerCase().indexOf(q) !== 0;
      });
    });
  }

  // A copy kept while offline is offered back.
  try {
    var kept = localStorage.getItem(storeKey);
    if (kept && kept !== text.value) {
      text.value = kept;
      dirty = true;
    }
  } catch (e) {}
  check();
})();

// Siar calendar: drag a post to another day (month view) or day and hour
// (week view); or focus it and press Alt + arrow keys (a day left or right, a
// week up or down; in the week view up and down move an hour). Without this
// script, each post's page has a form to move it.
(function () {
  'use strict';
  var cal = document.getElementById('calendar');
  if (!cal) return;
  var csrf = cal.dataset.csrf;
  var status = document.getElementById('cal-status');
  var week = cal.dataset.view === 'minggu';

  function say(msg, bad) {
    status.textContent = msg;
    status.classList.toggle('error', !!bad);
  }

  function move(id, date, hour) {
    var body = new URLSearchParams();
    body.set('post', id);
    body.set('date', date);
    if (hour !== undefined && hour !== null) {
      var item = cal.querySelector('[data-post="' + id + '"] .cal-time');
      var minutes = item ? item.textContent.split(':')[1] : '00';
      body.set('time', ('0' + hour).slice(-2) + ':' + minutes);
    }
    return fetch('/app/kalender/pindah', {
      method: 'POST',
      body: body,
      headers: { 'X-CSRF-Token': csrf, 'Accept': 'application/json' },
      credentials: 'same-origin'
    }).then(function (r) {
      return r.json().then(function (b) {
        say(b.message, !r.ok);
        if (r.ok) {
          sessionStorage.setItem('siar-cal-focus', id);
          setTimeout(function () { location.reload(); }, 300);
        }
      });
    }).catch(function () { say(status.dataset.offline || '', true); });
  }

  var dragged = null;
  cal.addEventListener('dragstart', function (e) {
    var a = e.target.closest && e.target.closest('[data-movable]');
    if (!a) return;
    dragged = a.dataset.post;
    e.dataTransfer.setData('text/plain', dragged);
    e.dataTransfer.effectAllowed = 'move';
  });
  cal.addEventListener('dragover', function (e) {
    if (!dragged) return;
    var cell = e.target.closest && e.target.closest('[data-date]');
    if (cell) { e.preventDefault(); cell.classList.add('drop'); }
  });
  cal.addEventListener('dragleave', function (e) {
    var cell = e.target.closest && e.target.closest('[data-date]');
    if (cell) cell.classList.remove('drop');
  });
  cal.addEventListener('drop', function (e) {
    var cell = e.target.closest && e.target.closest('[data-date]');
    if (!cell || !dragged) return;
    e.preventDefault();
    cell.classList.remove('drop');
    var id = dragged;
    dragged = null;
    move(id, cell.dataset.date, cell.dataset.hour);
  });

  function shift(date, days) {
    var d = new Date(date + 'T00:00:00Z');
    d.setUTCDate(d.getUTCDate() + days);
    return d.toISOString().slice(0, 10);
  }

  cal.addEventListener('keydown', function (e) {
    if (!e.altKey) return;
    var a = e.target.closest && e.target.closest('[data-movable]');
    if (!a) return;
    var cell = a.closest('[data-date]');
    var date = cell.dataset.date;
    var hour = cell.dataset.hour ? parseInt(cell.dataset.hour, 10) : null;
    var target = null;
    if (e.key === 'ArrowLeft') target = [shift(date, -1), hour];
    else if (e.key === 'ArrowRight') target = [shift(date, 1), hour];
    else if (e.key === 'ArrowUp') target = week ? [date, Math.max(0, hour - 1)] : [shift(date, -7), hour];
    else if (e.key === 'ArrowDown') target = week ? [date, Math.min(23, hour + 1)] : [shift(date, 7), hour];
    if (!target) return;
    e.preventDefault();
    move(a.dataset.post, target[0], target[1]);
  });

  var focus = sessionStorage.getItem('siar-cal-focus');
  if (focus) {
    sessionStorage.removeItem('siar-cal-focus');
    var el = cal.querySelector('[data-post="' + focus + '"]');
    if (el) el.focus();
  }
})();

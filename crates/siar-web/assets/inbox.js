// Kotak Masuk: new messages appear without reloading. The server sends
// "unread newest" (server-sent events): the number of unread conversations and
// the id of the newest message from a patron. When the newest grows, the list
// is fetched again and put in place, and a short notice says so; the menu's
// count follows. Without JavaScript the page works the same, only without this.
(function () {
  'use strict';
  if (!window.EventSource || !window.fetch || !window.DOMParser) return;
  var news = document.getElementById('inbox-news');
  var seen = null;
  function refresh() {
    fetch(window.location.href, { credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var fresh = doc.querySelector('.inbox-list, .card.empty');
        var old = document.querySelector('.inbox-list, .card.empty');
        if (fresh && old) old.replaceWith(document.importNode(fresh, true));
        if (news) news.hidden = false;
      })
      .catch(function () { if (news) news.hidden = false; });
  }
  var es = new EventSource('/app/kotak-masuk/aliran');
  es.addEventListener('inbox', function (e) {
    var parts = String(e.data).split(' ');
    var unread = parseInt(parts[0], 10);
    var newest = parseInt(parts[1], 10);
    if (isNaN(unread) || isNaN(newest)) return;
    var count = document.getElementById('inbox-count');
    if (count && count.firstChild) count.firstChild.nodeValue = String(unread);
    if (seen === null) { seen = newest; return; }
    if (newest > seen) { seen = newest; refresh(); }
  });
})();

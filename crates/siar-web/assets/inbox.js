// Kotak Masuk: new messages appear without reloading. The server sends
// "unread newest" (server-sent events): the number of unread conversations and
// the id of the newest message from a patron. When the newest grows, the page
// offers a reload; the menu's count follows. Without JavaScript the page works
// the same, only without this notice.
(function () {
  'use strict';
  if (!window.EventSource) return;
  var news = document.getElementById('inbox-news');
  var seen = null;
  var es = new EventSource('/app/kotak-masuk/aliran');
  es.addEventListener('inbox', function (e) {
    var parts = String(e.data).split(' ');
    var unread = parseInt(parts[0], 10);
    var newest = parseInt(parts[1], 10);
    if (isNaN(unread) || isNaN(newest)) return;
    var count = document.getElementById('inbox-count');
    if (count && count.firstChild) count.firstChild.nodeValue = String(unread);
    if (seen === null) { seen = newest; return; }
    if (newest > seen && news) news.hidden = false;
  });
})();

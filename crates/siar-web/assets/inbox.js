// Kotak Masuk: new messages appear without reloading. The server sends the
// number of unread conversations (server-sent events); when it grows, the page
// offers a reload and the menu's count follows. Without JavaScript the page
// works the same, only without this notice.
(function () {
  'use strict';
  if (!window.EventSource) return;
  var news = document.getElementById('inbox-news');
  var first = null;
  var es = new EventSource('/app/kotak-masuk/aliran');
  es.addEventListener('inbox', function (e) {
    var n = parseInt(e.data, 10);
    if (isNaN(n)) return;
    var count = document.getElementById('inbox-count');
    if (count && count.firstChild) count.firstChild.nodeValue = String(n);
    if (first === null) { first = n; return; }
    if (n > first && news) news.hidden = false;
    first = Math.min(first, n);
  });
})();

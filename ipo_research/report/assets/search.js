/* ipo-research report site: search without a server.
   The index is a script (search-index.js, setting window.IPO_SEARCH_INDEX) so that it loads
   from file:// as well as from a web server; it is loaded on the first keystroke. No eval, no
   inline handlers: listeners are attached here. */
(function () {
  "use strict";
  var box = document.getElementById("ipo-search-input");
  var list = document.getElementById("ipo-search-results");
  if (!box || !list) { return; }
  var root = document.body.getAttribute("data-root") || "";
  var requested = false;

  function load(then) {
    if (window.IPO_SEARCH_INDEX) { then(); return; }
    if (requested) { return; }
    requested = true;
    var script = document.createElement("script");
    script.src = root + "search-index.js";
    script.addEventListener("load", then);
    document.head.appendChild(script);
  }

  function pattern(word) {
    /* a word matches at the start of a word of the page: "tile" finds "tiles", not "quartiles" */
    return new RegExp("(^|[^\\p{L}\\p{N}])" + word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "iu");
  }

  function position(text, word) {
    var found = pattern(word).exec(text);
    return found ? found.index + found[1].length : -1;
  }

  function snippet(text, word) {
    var at = position(text, word);
    if (at < 0) { return ""; }
    var start = Math.max(0, at - 60);
    return (start > 0 ? "\u2026" : "") + text.slice(start, at + word.length + 60) + "\u2026";
  }

  function item(href, label, detail) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = root + href;
    a.textContent = label;
    li.appendChild(a);
    if (detail) {
      var small = document.createElement("small");
      small.textContent = detail;
      li.appendChild(small);
    }
    return li;
  }

  function search() {
    var words = box.value.toLowerCase().split(/\s+/).filter(function (w) { return w.length > 1; });
    list.textContent = "";
    if (!words.length) { return; }
    var shown = 0;
    (window.IPO_SEARCH_INDEX || []).forEach(function (page) {
      if (shown >= 12) { return; }
      var haystack = page.title + " " + page.text;
      var all = words.every(function (w) { return position(haystack, w) >= 0; });
      if (!all) { return; }
      var target = page.url;
      var where = "";
      (page.headings || []).concat(page.captions || []).some(function (h) {
        if (position(h.text, words[0]) >= 0) { target = page.url + "#" + h.id; where = h.text; return true; }
        return false;
      });
      list.appendChild(item(target, page.title, where || snippet(page.text, words[0])));
      shown += 1;
    });
    if (!shown) {
      var li = document.createElement("li");
      li.textContent = "No page mentions \u201c" + box.value + "\u201d.";
      list.appendChild(li);
    }
  }

  box.addEventListener("input", function () { load(search); search(); });
  box.form && box.form.addEventListener("submit", function (event) { event.preventDefault(); load(search); search(); });
}());

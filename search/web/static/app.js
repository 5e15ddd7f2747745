// polsearch serve: small improvements only; every feature works without this script.
"use strict";
document.addEventListener("keydown", function (event) {
  // "/" puts the cursor in the search box, as in many search tools.
  var box = document.getElementById("q");
  if (event.key === "/" && box && document.activeElement !== box) {
    event.preventDefault();
    box.focus();
    box.select();
  }
});

"""`polsearch serve`: the researchers' web page over one index, read-only.

Moving parts:
- `create_app(index)`: the Flask application (routes in `views.py`, templates and the page's own CSS
  and script in `templates/` and `static/`, served by polsearch itself: nothing is loaded from elsewhere);
- `state.py`: the page's whole state (query, filters, sort, view, page) read from and written to the
  URL, so that every page can be bookmarked and the back button works;
- `timeline.py`: the query's hits per year or month as bars of an inline SVG, each a link narrowing
  the dates.

Every result comes from the library the CLI uses (`searcher`, `facets`, `export`, `similar`); nothing
here parses queries or counts on its own. Safety: Jinja2 escapes every value, control characters (a
page's terminal escapes) are removed from every value shown, a Content-Security-Policy allows only
polsearch's own files, and only GET routes exist, none of which writes to the index.
"""

from __future__ import annotations


from .views import create_app, serve

__all__ = ["create_app", "serve"]


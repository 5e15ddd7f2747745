"""Site knowledge as data: the meta names, element names and class/id patterns the extraction stages
look for; the plain word lists among them are read from `corpus/data/words.txt`. The stages (`title.py`, `dates.py`, `authors.py`, `tags.py`, `chrome.py`, `paragraphs.py`,
`classify.py`, ...) hold the logic; this module holds what they look for, so adding a CMS's conventions
is an edit here, not in the logic.
"""

import re

from .. import data

_WORDS = data.sections("words.txt")

# -- metadata ----------------------------------------------------------------------------------------
TITLE_METAS = ("og:title", "citation_title", "dc.title", "dcterms.title", "twitter:title", "parsely-title",
               "sailthru.title")
SITE_NAME_METAS = ("og:site_name", "application-name", "publisher", "dc.publisher", "citation_publisher",
                   "twitter:site")
PUBLISHED_METAS = (
    "article:published_time", "og:published_time", "og:article:published_time", "citation_publication_date",
    "citation_date", "citation_online_date", "dc.date.issued", "dcterms.issued", "dc.date", "dcterms.date",
    "dcterms.created", "datepublished", "date", "pubdate", "publishdate", "publish-date", "publish_date",
    "sailthru.date", "parsely-pub-date", "article.published", "original-publish-date", "releasedate",
)
UPDATED_METAS = (
    "article:modified_time", "og:updated_time", "datemodified", "dcterms.modified", "dc.date.modified",
    "last-modified", "article.updated", "lastmod",
)
# Metas that hold one author each, possibly written "Surname, Given".
ONE_AUTHOR_PER_META = ("citation_author", "dc.creator", "dcterms.creator")
AUTHOR_METAS = ("citation_author", "article:author_name", "dc.creator", "dcterms.creator", "author", "parsely-author",
                "sailthru.author", "article:author", "byl")
DESCRIPTION_METAS = ("description", "og:description", "twitter:description", "dc.description",
                     "citation_abstract")
TAG_METAS = ("article:tag", "news_keywords", "parsely-tags", "sailthru.tags")
# A visible list of the page's tags: its label, or its class.
TAG_LABEL = re.compile(r"^(?:tags?|topics?|filed\s+under|keywords?|subjects?|themes?|tagged(?:\s+with)?)\s*:?$"
                       r"|^(?:tags?|topics?|filed\s+under|keywords?|tagged(?:\s+with)?)\s*:", re.I)
TAG_BOX_CLASS = re.compile(r"^(?:post-|entry-|article-|note-)?(?:tags|tag-list|taglist|tag-links|topics)$", re.I)
LANGUAGE_METAS = ("content-language", "language", "dc.language", "og:locale")

# Elements whose class or id says they hold a date ("date", "post-date", "news-date", "datum", "fecha").
DATE_MARKS = re.compile(r"(?:^|[\s_-])(?:" + "|".join(map(re.escape, _WORDS["date_marks"])) + r")(?:$|[\s_-])", re.I)
# Visible date lines: a label, then a date (see dates.DATE_PATTERN).
UPDATED_LABEL = (r"(?:(?:last\s+)?(?:updated|modified|revised)(?:\s+on)?|(?:zuletzt\s+)?aktualisiert(?:\s+am)?|"
                 r"letzte\s+änderung|mis\s+à\s+jour(?:\s+le)?|actualizado(?:\s+el)?)")
PUBLISHED_LABEL = (r"(?:(?:published|posted|released|issued|first\s+published|publication\s+date|date)(?:\s+on)?|"
                   r"veröffentlicht(?:\s+am)?|erschienen(?:\s+am)?|erstellt(?:\s+am)?|datum|publié(?:\s+le)?|"
                   r"publicado(?:\s+el)?|pubblicato(?:\s+il)?|opublikowano)")

# Labels before an author's name, in the languages of European news sites.
BYLINE_LABEL = (r"(?:written\s+by|posted\s+by|by|von|vom|par|por|di|door|przez|av|autor(?:in|a|en|innen)?|authors?|auteurs?|"
                r"ein\s+(?:artikel|beitrag)\s+von|redaktion\s*:|"
                r"text|texto|texte|interview|erstellt\s+von|geschrieben\s+von|verfasst\s+von|"
                r"a\s+cura\s+di|opinion\s+by|reporting\s+by)")
# Containers of other articles (sidebars, teasers, widgets), matched anywhere in an ancestor's class or id:
# the metadata stages read no field of this page inside them.
SIDEBAR_MARKS = re.compile("|".join(map(re.escape, _WORDS["sidebar_marks"])), re.I)
# Single words that bylines and author boxes hold that are not names.
NOT_A_NAME = frozenset(_WORDS["not_a_name"])
# Lowercase words inside a person's name ("Ursula von der Leyen").
NAME_PARTICLES = frozenset(_WORDS["name_particles"])
# Byline containers and what an author name must not look like.
BYLINE_PATTERN = re.compile(r"byline|author|writer|contributor|posted-by|meta-by", re.I)
AUTHOR_ROLE_WORDS = frozenset(_WORDS["author_role_words"])

# Separators between a headline and a site name in <title> or og:title.
TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|•|·|»|«|/|~)\s+")
# Separators used only to cut off a part that names the site ("Headline-Site", "Headline : site.org").
LOOSE_TITLE_SEPARATORS = re.compile(r"\s*(?:\||-|–|—|::|•|·|»|«|~)\s*|\s+:\s+")

# -- body -------------------------------------------------------------------------------------------
# Elements that never hold article text.
DROP_TAGS = frozenset({
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed", "form",
    "button", "input", "select", "textarea", "nav", "aside", "footer", "figure", "figcaption", "dialog",
    "menu", "link", "meta", "head", "video", "audio", "map", "picture", "img",
})
# class/id words of page chrome, matched against each class token and the id, and against the pieces of
# a token split on - and _ ("post-share-bar" has the piece "share").
BOILERPLATE_WORDS = frozenset(_WORDS["boilerplate_words"])
# Chrome only as a whole class token or id: as a piece these words name too much else ("hidden-xs" is
# Bootstrap for "not on phones", Drupal's "field--label-hidden" hides a label, "print-content" is the
# printable article, Elementor and Blogger call every block a "widget").
BOILERPLATE_TOKENS = frozenset(_WORDS["boilerplate_tokens"])
# Class pieces that start like this are chrome too ("relatedposts", "sharedaddy", "newsletterbox").
BOILERPLATE_PREFIX = re.compile(r"^(?:related|share(?!d$)|social|newsletter|subscri|advert|sidebar|breadcrumb|"
                                r"cookie|popup)")
# Tokens that describe a state or a behaviour, not what the element is ("has-sidebar", "js-share").
MODIFIER_TOKEN = re.compile(r"^(?:has|with|no|without|is|js|show|l|u)[-_]")
# Words that look like boilerplate but name the article's own container on many sites.
CONTENT_WORDS = frozenset(_WORDS["content_words"])
# Containers that usually hold the article body, most specific first.
def _with_class(name: str) -> str:
    return f".//*[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]"


CONTENT_XPATHS = (
    ".//*[@itemprop='articleBody']", ".//*[@property='articleBody']",
    *(_with_class(c) for c in ("article-body", "article__body", "article-content", "entry-content",
                               "post-content", "post-body", "story-body", "field-body")),
    ".//article", ".//*[@role='main']", ".//main",
)
# Block elements: each starts a new paragraph in the extracted text.
BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "main", "header", "blockquote", "pre", "li", "ul", "ol", "dl", "dt",
    "dd", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "td", "th", "tbody", "thead", "center",
    "address", "hr", "details", "summary",
    # the elements of trafilatura's output tree
    "item", "list", "quote", "row", "cell",
})
# A short paragraph starting like this points to another page, credits a picture or asks the reader to
# do something: not article text. English first, then the languages of European news sites.
LINK_LINE = re.compile(
    r"^\W*(?:read\s+(?:also|more|next)|see\s+also|related(?:\s+(?:articles?|stories|posts?|content))?\s*:|"
    r"more\s+on\b|further\s+reading|also\s+read|recommended\s*(?:for\s+you|reading)?\s*:|click\s+here|"
    r"share\s+(?:this|on)|follow\s+us|subscribe\b|sign\s+up\b|continue\s+reading|advertisement$|"
    r"lesen\s+sie\s+(?:auch|mehr)|auch\s+lesen|mehr\s+(?:zum\s+thema|dazu)|weiterlesen|zum\s+thema\s*:|"
    r"lea\s+(?:también|tambien|más|mas)|le\s+puede\s+interesar|te\s+puede\s+interesar|ver\s+también|"
    r"lire\s+aussi|à\s+lire\s+aussi|voir\s+aussi|leia\s+(?:também|mais)|czytaj\s+(?:też|także|więcej)|"
    r"zobacz\s+(?:też|także)|leggi\s+anche|teilen\s+mit|síguenos|siguenos|suivez[- ]nous|folgen\s+sie\s+uns|"
    r"copyright\b|©|all\s+rights\s+reserved|alle\s+rechte\s+vorbehalten|todos\s+los\s+derechos|"
    r"tous\s+droits\s+réservés|(?:photo|foto|bild|image|picture|fotos?)\s*(?:credit)?\s*:|"
    r"(?:quelle|source|credit|crédit|fuente)\s*:)", re.I)
# Longest line that LINK_LINE may remove: a real paragraph may start with "Copyright law ...".
LINK_LINE_MAX = 150

# -- pages that are not commentaries ------------------------------------------------------------------
BOT_CHECK = re.compile(
    r"just a moment|checking your browser|attention required|verify you are (?:a )?human|are you a robot|"
    r"ddos protection|enable javascript and cookies to continue|captcha|access denied|pardon our interruption",
    re.I)
# A status code stands alone: "2,500 jobs" or "1.404" is a number, not an HTTP status.
ERROR_TITLE = re.compile(
    r"(?<![\d,.])\b(?:404|403|410|500|502|503)\b(?![,.]\d)|page (?:not|cannot be) found|not found|no longer available|"
    r"server error|something went wrong|page does not exist|nothing (?:was )?found", re.I)
LOGIN_WALL = re.compile(
    r"sign in to (?:continue|read)|log ?in to (?:continue|read)|subscribe to (?:continue|read)|"
    r"(?:for|available to) (?:subscribers|members) only|create a free account to (?:continue|read)|"
    r"you have reached your (?:article|free article) limit|already a subscriber", re.I)

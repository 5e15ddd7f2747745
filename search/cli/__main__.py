"""`python -m search.cli`: the `polsearch` command."""

from . import main

main()

"""The GitHub integration. ``runs``: the Actions run history (issue 16). The pull-request
comment, Action helpers and REST client still live in ``xops_lens.comment``,
``xops_lens.ghaction`` and ``xops_lens.github_api``."""

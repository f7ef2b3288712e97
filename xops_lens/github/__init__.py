"""The GitHub integration: ``api`` (just enough of the REST API, and what the Actions
environment says about the run), ``comment`` (``xops-lens comment``, the one living
pull-request comment), ``action`` (the ``xops-lens-action`` helpers of the composite
Action's shell steps) and ``runs`` (the Actions run history, issue 16)."""

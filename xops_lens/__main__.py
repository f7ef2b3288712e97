"""``python -m xops_lens``: prefer the console script ``xops-lens``, or ``python -P -m``.

``-m`` puts the working directory first on ``sys.path``; run inside a repository being
scanned, its ``yaml.py`` or ``click.py`` would be imported in place of ours. By the time
this module runs, ``xops_lens`` itself was found already, so dropping that entry here
keeps every later import (our modules, our dependencies) off the scanned tree."""

import os
import sys

if sys.path and sys.path[0] in ("", os.getcwd()) and not getattr(sys.flags, "safe_path", False):
    del sys.path[0]

from xops_lens.cli import main  # noqa: E402

if __name__ == "__main__":
    main()

"""``python -m binance_async.cli``: the ``binance-async`` command."""

import sys

from . import main

sys.exit(main())

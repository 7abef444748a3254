import sys

from stripe_contracts.cli import main

sys.exit(main())

"""`python -m imprimfip.sandbox`: the same as `imprimfip sandbox`."""

import argparse
import logging

from imprimfip.sandbox import cli

parser = argparse.ArgumentParser(prog="python -m imprimfip.sandbox", description=__doc__)
cli.add_arguments(parser)
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
raise SystemExit(cli.run(parser.parse_args()))

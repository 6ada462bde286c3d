#!/usr/bin/env python3
"""Command line entry point: `python run_bot.py --help`."""

import sys

from chatbot.cli import main

if __name__ == "__main__":
    sys.exit(main())

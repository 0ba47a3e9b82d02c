"""The process: command line, signals, logging, and the daemon's main loop."""

"""IMPRIM'FIP hot-folder daemon: PDF letters saved in a folder are mailed by DGFiP."""

__version__ = "0.1.0"

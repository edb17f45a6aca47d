"""What ``agent`` and ``flows`` share: errors, models and order numbers.

A small package with no Playwright and no settings, so that the flows need no
``agent`` module and the command line needs no browser code to name an error.
"""

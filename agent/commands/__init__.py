"""The ``order-agent`` commands, one module per family, loaded only when named.

``agent.cli`` holds the table of commands (name -> ``module:attribute``) and the
error boundary; :mod:`agent.commands.root` turns the table into a click group
that imports a command's module only when that command runs (or its help is
shown). Importing this package imports nothing else: no click, no settings.
"""

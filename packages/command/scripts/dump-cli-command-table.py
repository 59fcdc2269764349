"""Writes the installed AWS CLI's own command table (service -> operations) as a test fixture.

The catalog test compares the generated catalog's CLI names with this table, so the name mapping is checked
against the real CLI rather than against itself. Usage: python3 scripts/dump-cli-command-table.py
"""
import gzip
import json
import os

from awscli import __version__
from awscli.clidriver import create_clidriver

table = create_clidriver()._get_command_table()
services = {}
for name, command in sorted(table.items()):
    operations = command._get_command_table() if hasattr(command, '_get_command_table') else {}
    if not operations and hasattr(command, 'subcommand_table'):
        operations = command.subcommand_table
    services[name] = ' '.join(sorted(operations))
path = os.path.join(os.path.dirname(__file__), '..', 'src', '__fixtures__', 'cli-command-table.json.gz')
with gzip.open(path, 'wt', encoding='utf-8') as out:
    json.dump({'version': __version__, 'services': services}, out, sort_keys=True)

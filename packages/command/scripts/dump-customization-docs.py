"""Writes the documentation of the AWS CLI's customizations (`s3 cp`, `configure set`, `eks update-kubeconfig`, …).

API operations are documented by their botocore service model, which the help renderer reads itself; the commands
the CLI adds on top of the models keep their text in Python (`DESCRIPTION`, each argument's `help_text`). This
script asks the CLI for that text, the way its own help does (`create_help_command()`, each argument's
`documentation`), and writes it as JSON, keeping only what a compact help page shows: the description's first
paragraph and each argument's documentation, as the CLI wrote them (ReST or HTML; the renderer makes them plain),
and for API operations the arguments the CLI's handlers add to them (`ec2 run-instances --count`), with the ones
every paginated or JSON-input operation gets recorded once under `common`.
It makes no request. Run it with the Python that runs the CLI:

    python3 scripts/dump-customization-docs.py > catalog/customization-docs-v1.json
    /usr/bin/python3 scripts/dump-customization-docs.py > catalog/customization-docs-v2.json

The user's aliases, plugins and settings are ignored: HOME and the AWS config files point at an empty directory.
"""
import json
import os
import sys
import tempfile

_EMPTY_HOME = tempfile.mkdtemp(prefix='aws-cli-docs-')
for _name in list(os.environ):
    if _name.startswith('AWS_'):
        del os.environ[_name]
os.environ.update(
    HOME=_EMPTY_HOME,
    AWS_CONFIG_FILE=os.path.join(_EMPTY_HOME, 'config'),
    AWS_SHARED_CREDENTIALS_FILE=os.path.join(_EMPTY_HOME, 'credentials'),
)

from awscli import __version__ as CLI_VERSION  # noqa: E402
from awscli import clidriver  # noqa: E402
from awscli.arguments import CLIArgument  # noqa: E402
from awscli.customizations.commands import BasicCommand  # noqa: E402

# Arguments the CLI adds to every paginated or JSON-input operation: recorded once, under `common`.
COMMON = ('cli-input-json', 'cli-input-yaml', 'generate-cli-skeleton', 'starting-token', 'page-size', 'max-items')

MAX_DESCRIPTION = 1200
MAX_ARGUMENT = 600


def _text(value, limit):
    if not isinstance(value, str):
        return ''
    value = value.strip()
    return value if len(value) <= limit else value[:limit]


def _first_paragraph(value):
    if not isinstance(value, str):
        return ''
    paragraphs = [part.strip() for part in value.strip().split('\n\n') if part.strip()]
    return _text(paragraphs[0] if paragraphs else '', MAX_DESCRIPTION)


def _describe(command):
    entry = {}
    try:
        help_command = command.create_help_command()
        entry['description'] = _first_paragraph(help_command.description)
    except Exception as error:  # a customization whose help cannot be built is recorded without text
        entry['description'] = ''
        entry['error'] = type(error).__name__
    arguments = {}
    for name, argument in command.arg_table.items():
        try:
            documentation = argument.documentation
        except Exception:
            documentation = ''
        arguments[name] = _text(documentation, MAX_ARGUMENT)
    entry['arguments'] = arguments
    subcommands = {}
    for name, subcommand in getattr(command, 'subcommand_table', {}).items():
        if isinstance(subcommand, BasicCommand):
            subcommands[name] = _describe(subcommand)
    if subcommands:
        entry['subcommands'] = subcommands
    return entry


def _added_arguments(operation, common):
    """The arguments a handler added to an API operation (`ec2 run-instances --count`), with their documentation."""
    added = {}
    for name, argument in operation.arg_table.items():
        if isinstance(argument, CLIArgument) and getattr(argument, 'argument_model', None) is not None:
            continue
        try:
            documentation = _text(argument.documentation, MAX_ARGUMENT)
        except Exception:
            documentation = ''
        if name in COMMON:
            common.setdefault(name, documentation)
        else:
            added[name] = documentation
    return added


def main():
    driver = clidriver.create_clidriver()
    commands = {}
    common = {}
    for name, command in sorted(driver._get_command_table().items()):
        if isinstance(command, BasicCommand):
            commands[name] = _describe(command)
        elif isinstance(command, clidriver.ServiceCommand):
            for operation_name, operation in sorted(command._get_command_table().items()):
                if isinstance(operation, BasicCommand):
                    commands['%s %s' % (name, operation_name)] = _describe(operation)
                elif isinstance(operation, clidriver.ServiceOperation):
                    added = _added_arguments(operation, common)
                    if added:
                        commands['%s %s' % (name, operation_name)] = {'description': '', 'arguments': added}
    json.dump({'format': 1, 'cliVersion': CLI_VERSION, 'common': common, 'commands': commands}, sys.stdout, indent=0,
              sort_keys=True)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()

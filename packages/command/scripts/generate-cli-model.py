"""Writes the installed AWS CLI's argument model: every argparse parser the CLI builds, read action by action.

The CLI itself builds the parsers here (its MainArgParser with the global argument table, each ServiceArgParser,
each operation's and customization's ArgTableArgParser after the CLI's own building-argument-table handlers ran),
and this script records `parser._actions` of those parser objects, plus what the CLI's argument objects say about
the botocore member each one fills. It makes no request. Works with AWS CLI v1 (pip) and v2 (an installed Python
package, e.g. Debian's); run it with the Python that runs the CLI (for a pip install, the interpreter named in the
`aws` script's shebang):

    python3 scripts/generate-cli-model.py                      # the committed snapshot, cli-model/v<major>/
    python3 scripts/generate-cli-model.py --output DIR         # anywhere else (the loader's cache)
    python3 scripts/generate-cli-model.py --output DIR --services s3,ec2 --raw FILE   # a few commands, decoded too

The user's aliases, plugins and settings are ignored: HOME and the AWS config files point at an empty temporary
directory before the CLI is imported. The encoding is described in cli-model/README.md.
"""
import argparse
import functools
import gc
import json
import os
import shutil
import sys
import tempfile
import time

FORMAT = 1

_EMPTY_HOME = tempfile.mkdtemp(prefix='aws-cli-model-')
for _name in list(os.environ):
    if _name.startswith('AWS_'):
        del os.environ[_name]
os.environ.update(
    HOME=_EMPTY_HOME,
    AWS_CONFIG_FILE=os.path.join(_EMPTY_HOME, 'config'),
    AWS_SHARED_CREDENTIALS_FILE=os.path.join(_EMPTY_HOME, 'credentials'),
    COLUMNS='80',
    LINES='24',
)

# argparse builds a help formatter for each add_argument only to check the new action's metavar, and looks up
# localized messages for each parser; over ~130,000 add_argument calls that costs seconds. Neither changes a
# parser: one formatter answers the check for every action, and argparse ships no translations.
_FORMATTERS = {}


def _shared_formatter(parser):
    key = (parser.formatter_class, parser.prog)
    if key not in _FORMATTERS:
        _FORMATTERS[key] = parser.formatter_class(prog=parser.prog)
    return _FORMATTERS[key]


argparse.ArgumentParser._get_formatter = _shared_formatter
argparse._ = lambda message: message

# ---------------------------------------------------------------------------------------------------------------
# Reviewed tables: what the CLI does with the value of a customization's argument (one that is not an input member
# of a service model), each row with its reason. A row is (commands, argument, value, reason[, majors]): commands
# are the last two words of the command path ('aws' for the global options, '*' for any), majors the CLI versions
# that have it (both when left out). Generation fails when a row matches nothing in a full run of its version.
# `cloudformation deploy` and `ecs deploy` (v1) also get codedeploy's subcommands through the CLI's
# building-command-table.deploy event, so a `deploy push` row covers all three.
# ---------------------------------------------------------------------------------------------------------------
S3_TRANSFERS = ('s3 cp', 's3 mv', 's3 sync')
EMR_SSH = ('emr ssh', 'emr socks', 'emr get', 'emr put')

LOCAL_PATHS = [
    (('aws',), 'ca-bundle', 'read', 'the CA bundle file the CLI loads'),
    (('cloudformation package',), 'template-file', 'read', 'the template it reads, and the local files it names'),
    (('cloudformation package',), 'output-template-file', 'write', 'the packaged template is written here'),
    (('cloudformation deploy',), 'template-file', 'read', 'the template uploaded to the stack'),
    (('deploy push',), 'source', 'read', 'the directory bundled and uploaded as the revision'),
    (('deploy install',), 'config-file', 'read', 'the on-premises instance configuration copied into place'),
    (('ec2 get-password-data',), 'priv-launch-key', 'read', 'the private key file that decrypts the password'),
    (('ecs deploy',), 'task-definition', 'read', 'a task definition JSON file'),
    (('ecs deploy',), 'codedeploy-appspec', 'read', 'an appspec JSON or YAML file'),
    (('eks update-kubeconfig',), 'kubeconfig', 'write', 'the kubeconfig file it reads and rewrites'),
    (EMR_SSH, 'key-pair-file', 'read', 'the private key handed to ssh or scp'),
    (('emr put',), 'src', 'read', 'the local file copied to the master node'),
    (('emr get',), 'dest', 'write', 'the local file the remote file is copied to'),
    (('gamelift upload-build',), 'build-root', 'read', 'the directory zipped and uploaded'),
    (('gamelift get-game-session-log',), 'save-as', 'write', 'the downloaded log is saved here'),
    (('generate product', 'generate provisioning-artifact'), 'file-path', 'read',
     'servicecatalog: the template file uploaded to S3'),
    (S3_TRANSFERS, 'paths', 's3-path', 'source and destination; local unless s3://'),
    (('s3 ls', 's3 rm'), 'paths', 's3-path', 'an S3 path (a local one is an error)'),
    (('opsworks register',), 'ssh-private-key', 'read', 'the private key handed to ssh', (2,)),
]

# Arguments whose value names a local file because of their class (module.Class under awscli.customizations), on
# whatever command they are added to.
LOCAL_PATH_CLASSES = [
    ('streamingoutputarg.StreamingOutputArgument', 'write',
     'the outfile positional of an operation with a streaming response'),
    ('s3events.S3SelectStreamOutputArgument', 'write', 's3api select-object-content: the records are written to it'),
    ('arguments.QueryOutFileArgument', 'write', 'iot --*-outfile: the certificate or key from the response'),
    ('iamvirtmfa.FileArgument', 'write', 'iam create-virtual-mfa-device --outfile: the QR code or seed'),
]

# Arguments whose name suggests a file but whose value is not a local path. A `file://`/`fileb://` value is read
# through the CLI's paramfile prefixes, which the parser handles for every argument alike.
NOT_LOCAL_PATHS = [
    (('*',), 'profile', 'a profile name'),
    (('aws',), 'output', 'an output format name'),
    (('cloudformation deploy', 'cloudformation package', 'cloudtrail validate-logs', 'configservice subscribe'),
     's3-bucket', 'a bucket name'),
    (('cloudformation deploy',), 'parameter-overrides', 'Key=Value pairs or JSON'),
    (('cloudfront sign',), 'private-key', 'the key itself; its help says file://path'),
    (('configure add-model',), 'service-model', 'the model JSON itself'),
    (('deploy install',), 'agent-installer', 'an S3 location of the installer'),
    (('deploy push', 'deploy create-deployment', 'deploy get-application-revision',
      'deploy register-application-revision'), 's3-location', 'an S3 location'),
    (('deploy create-deployment', 'deploy get-application-revision', 'deploy register-application-revision'),
     'github-location', 'a GitHub repository and commit'),
    (('datapipeline put-pipeline-definition',), 'pipeline-definition', 'the definition JSON'),
    (('datapipeline put-pipeline-definition', 'datapipeline activate-pipeline'), 'parameter-values-uri',
     'the values JSON'),
    (('emr restore-from-hbase-backup', 'emr create-hbase-backup', 'emr schedule-hbase-backup'), 'dir',
     'an S3 backup location'),
    (('emr create-cluster',), 'restore-from-hbase-backup', 'an S3 backup location'),
    (('emr create-cluster',), 'log-uri', 'an S3 URI'),
    (('emr put',), 'dest', 'a path on the master node'),
    (('emr get',), 'src', 'a path on the master node'),
    (('lambda create-function', 'lambda publish-layer-version'), 'zip-file', 'fileb:// content'),
    (('*',), 'image-bytes', 'rekognition: blob content (fileb://)'),
    (('rekognition compare-faces',), 'source-image-bytes', 'blob content (fileb://)'),
    (('rekognition compare-faces',), 'target-image-bytes', 'blob content (fileb://)'),
    (('quicksight start-asset-bundle-import-job',), 'asset-bundle-import-source-bytes', 'blob content (fileb://)',
     (1,)),
    (('translate import-terminology',), 'data-file', 'blob content (fileb://)'),
    (('translate translate-document',), 'document-content', 'blob content (fileb://)', (1,)),
    (('configure import',), 'profile-prefix', 'a prefix for the imported profile names', (2,)),
    (('ddb select',), 'key-condition', 'a key condition expression', (2,)),
    (('lightsail push-container-image',), 'image', 'the name of a local Docker image', (2,)),
    (('cloudfront create-distribution', 'cloudfront update-distribution'), 'default-root-object',
     'an object name'),
    (('cloudfront create-invalidation',), 'paths', 'CloudFront paths to invalidate'),
    (('cloudsearch define-index-field',), 'source-field', 'an index field name'),
    (('*',), 'source-group', 'ec2 security groups: a group name or ID'),
    (('s3 mb', 's3 rb'), 'path', 'an S3 bucket URI'),
    (('s3 presign',), 'path', 'an S3 object URI'),
    (('s3 website',), 'paths', 'an S3 bucket URI'),
    (('s3 website',), 'index-document', 'an object key in the bucket'),
    (('s3 website',), 'error-document', 'an object key in the bucket'),
    (S3_TRANSFERS, 'sse-c-key', 'the key itself'),
    (S3_TRANSFERS, 'sse-c-copy-source-key', 'the key itself'),
    (S3_TRANSFERS, 'sse-c-copy-source', 'an algorithm name'),
]

# Customization arguments whose value is a secret (a service model marks its own members `sensitive`).
SENSITIVE = [
    (('ec2 bundle-instance',), 'owner-sak', 'an AWS secret access key'),
    (S3_TRANSFERS, 'sse-c-key', 'a customer-provided encryption key'),
    (S3_TRANSFERS, 'sse-c-copy-source-key', 'a customer-provided encryption key'),
    (('cloudfront sign',), 'private-key', 'an RSA private key'),
    (('configure set',), 'value', 'may be aws_secret_access_key'),
    (('configure import',), 'csv', 'the access keys (as CSV content)', (2,)),
]

# argparse Action classes that are not argparse's own, and the argparse kind they parse like.
CUSTOM_ACTION_KINDS = {
    'AppendFilter': ('append', 's3 --include/--exclude: appends [option, value] to one shared list, nargs=1'),
}

# A customization argument that takes a value and has one of these words in its name (or ends in `root`) must
# match a row above, so a new one fails generation until someone reviews it.
FILE_LIKE_WORDS = frozenset((
    'file', 'files', 'path', 'paths', 'dir', 'directory', 'folder', 'template', 'zip', 'bundle', 'outfile',
    'infile', 'kubeconfig', 'src', 'dest', 'save', 'source', 'appspec', 'archive', 'pem', 'cert', 'certificate',
    'document', 'definition', 'model', 'bytes', 'uri', 'location', 'output', 'config', 'key', 'image', 'profile',
))
# Plainly not files, without a row: identifiers, names, regions, descriptions.
NOT_FILE_SUFFIXES = ('-id', '-ids', '-arn', '-region', '-name', '-names', '-description')


def looks_like_file(name):
    words = name.split('-')
    return (words[-1] == 'root' or any(word in FILE_LIKE_WORDS for word in words)) \
        and not name.endswith(NOT_FILE_SUFFIXES)


def _rows_by_key(rows):
    table = {}
    for row in rows:
        commands, argument = row[0], row[1]
        for command in commands:
            table[(command, argument)] = row
    return table


TABLES = {
    'local': _rows_by_key(LOCAL_PATHS),
    'not': _rows_by_key(NOT_LOCAL_PATHS),
    'sensitive': _rows_by_key(SENSITIVE),
}
USED_ROWS = set()
# Customization arguments that look like files and match no row; generation fails with the whole list.
UNREVIEWED = set()


def _lookup(table, command, argument):
    for key in ((command, argument), ('*', argument)):
        row = TABLES[table].get(key)
        if row is not None:
            USED_ROWS.add((table, key))
            return row
    return None


def _review(command, argument_name, argument, takes_value):
    """(localPath, sensitive) of a customization argument, from the reviewed tables."""
    local_path = None
    qualified = '%s.%s' % (type(argument).__module__.replace('awscli.customizations.', ''),
                           type(argument).__name__)
    for row in LOCAL_PATH_CLASSES:
        if row[0] == qualified:
            USED_ROWS.add(('class', qualified))
            local_path = row[1]
    row = _lookup('local', command, argument_name)
    if row is not None:
        local_path = row[2]
    elif _lookup('not', command, argument_name) is None and local_path is None and takes_value \
            and looks_like_file(argument_name):
        UNREVIEWED.add((command, argument_name))
    return local_path, _lookup('sensitive', command, argument_name) is not None


def _unused_rows(major):
    def applies(row, position):
        return len(row) <= position or major in row[position]

    expected = set()
    for table, rows, position in (('local', LOCAL_PATHS, 4), ('not', NOT_LOCAL_PATHS, 3),
                                  ('sensitive', SENSITIVE, 3)):
        for row in rows:
            if applies(row, position):
                expected.update((table, (command, row[1])) for command in row[0])
    expected.update(('class', row[0]) for row in LOCAL_PATH_CLASSES if applies(row, 3))
    return sorted(expected - USED_ROWS)


class GenerationError(Exception):
    pass


# ---------------------------------------------------------------------------------------------------------------
# Reading the CLI's parsers.
# ---------------------------------------------------------------------------------------------------------------
CLI = {}
ARGPARSE_KINDS = {
    argparse._StoreAction: 'store',
    argparse._StoreTrueAction: 'store_true',
    argparse._StoreFalseAction: 'store_false',
    argparse._StoreConstAction: 'store_const',
    argparse._AppendAction: 'append',
    argparse._AppendConstAction: 'append_const',
    argparse._CountAction: 'count',
    argparse._VersionAction: 'version',
    argparse._HelpAction: 'help',
}
FLAG_KINDS = ('store_true', 'store_false', 'store_const', 'append_const', 'count', 'version', 'help')


def _import_cli():
    from awscli import __version__ as cli_version
    from awscli import clidriver
    from awscli.argparser import ArgTableArgParser, CommandAction
    from awscli.arguments import CLIArgument
    from awscli.utils import is_streaming_blob_type
    import botocore
    import botocore.hooks

    # Registering a handler checks with inspect that it takes **kwargs, ~80,000 times for the whole CLI. The
    # answer depends only on the code of the function (or of the one a partial wraps), so remember it by that.
    original_accepts_kwargs = botocore.hooks.accepts_kwargs
    answers = {}

    def accepts_kwargs(function):
        target = function.func if isinstance(function, functools.partial) else function
        code = getattr(getattr(target, '__func__', target), '__code__', None)
        if code is None:
            return original_accepts_kwargs(function)
        key = (type(function), code)
        if key not in answers:
            answers[key] = original_accepts_kwargs(function)
        return answers[key]

    botocore.hooks.accepts_kwargs = accepts_kwargs
    CLI.update(
        cli_version=cli_version,
        botocore_version=botocore.__version__,
        clidriver=clidriver,
        ArgTableArgParser=ArgTableArgParser,
        CommandAction=CommandAction,
        CLIArgument=CLIArgument,
        is_streaming_blob_type=is_streaming_blob_type,
    )


def _action_kind(action):
    if isinstance(action, CLI['CommandAction']):
        return 'command'
    kind = ARGPARSE_KINDS.get(type(action))
    if kind is not None:
        return kind
    row = CUSTOM_ACTION_KINDS.get(type(action).__name__)
    if row is None:
        raise GenerationError('unknown argparse action class %s.%s: add it to CUSTOM_ACTION_KINDS' % (
            type(action).__module__, type(action).__name__))
    return row[0]


def _json_value(value):
    """The value if JSON can carry it (a scalar or a list of strings), else None."""
    if isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return list(value)
    return None


def _build_recorded(arguments, build):
    """Builds a parser with `build()` and returns it with the argument-table entry behind each of its actions."""
    owners = {}
    for name, argument in arguments.items():
        original = argument.add_to_parser

        def add_to_parser(parser, *args, _name=name, _argument=argument, _original=original, **kwargs):
            before = list(parser._actions)
            result = _original(parser, *args, **kwargs)
            after = parser._actions
            if after[:len(before)] == before:
                added = after[len(before):]
            else:  # conflict_handler='resolve' took an earlier action out
                known = set(map(id, before))
                added = [action for action in after if id(action) not in known]
            for action in added:
                # The action itself is kept too: an id is only unique among live objects, and an action that
                # conflict_handler='resolve' drops is freed and its id reused.
                owners[id(action)] = (_name, _argument, action)
            return result

        argument.add_to_parser = add_to_parser
    try:
        parser = build()
    finally:
        for argument in arguments.values():
            argument.__dict__.pop('add_to_parser', None)
    return parser, owners


SENSITIVE_SHAPES = {}


def _sensitive_shapes(shape_map):
    """Names of the shapes of a model that are `sensitive` or hold a sensitive member, however deep."""
    found = SENSITIVE_SHAPES.get(id(shape_map))
    if found is not None:
        return found

    def references(definition):
        for key in ('member', 'key', 'value'):
            if key in definition:
                yield definition[key]
        yield from definition.get('members', {}).values()

    found = {name for name, definition in shape_map.items() if definition.get('sensitive')}
    parents = {}
    for name, definition in shape_map.items():
        for reference in references(definition):
            if reference.get('sensitive'):
                found.add(name)
            parents.setdefault(reference.get('shape'), set()).add(name)
    pending = list(found)
    while pending:
        for parent in parents.get(pending.pop(), ()):
            if parent not in found:
                found.add(parent)
                pending.append(parent)
    SENSITIVE_SHAPES[id(shape_map)] = found
    return found


def _is_sensitive(model):
    if model.metadata.get('sensitive'):
        return True
    resolver = getattr(model, '_shape_resolver', None)
    return resolver is not None and model.name in _sensitive_shapes(resolver._shape_map)


def _record(parser, owners, path, input_members=None):
    """The rows of a parser's actions, in the order the CLI added them."""
    command = ' '.join(path[-2:]) if path else 'aws'
    rows = []
    for action in parser._actions:
        kind = _action_kind(action)
        nargs = 0 if kind in FLAG_KINDS else action.nargs
        if not (nargs is None or nargs in ('?', '*', '+') or isinstance(nargs, int)):
            raise GenerationError('nargs %r of %s in %s is not in the model' % (nargs, action.dest, command))
        row = {
            'options': list(action.option_strings),
            'dest': action.dest,
            'nargs': nargs,
            'kind': kind,
            'required': bool(action.required),
        }
        for key, value in (('const', action.const), ('default', action.default)):
            value = _json_value(value)
            if value is not None and not (key == 'const' and isinstance(value, list)):
                row[key] = value
        if action.choices is not None:
            row['choices'] = [str(choice) for choice in action.choices]
        if action.type is not None and action.type is not str:
            row['valueType'] = getattr(action.type, '__name__', 'callable')
        owner = owners.get(id(action))
        if owner is not None and owner[2] is action:
            _describe_argument(row, command, owner[:2], input_members)
        rows.append(row)
    return rows


def _describe_argument(row, command, owner, input_members):
    name, argument = owner
    row['argument'] = name
    model = getattr(argument, 'argument_model', None)
    serialized = getattr(argument, '_serialized_name', None)
    from_model = input_members is not None and isinstance(argument, CLI['CLIArgument']) \
        and serialized in input_members
    if model is not None:
        row['type'] = model.type_name
    else:
        try:
            type_name = argument.cli_type_name
        except NotImplementedError:
            type_name = None
        if type_name:
            row['type'] = type_name
    if from_model:
        row['member'] = serialized
        if model is not None and _is_sensitive(model):
            row['sensitive'] = True
        if CLI['is_streaming_blob_type'](model):
            row['localPath'] = 'read'
    else:
        local_path, sensitive = _review(command, name, argument, row['nargs'] != 0)
        if local_path is not None:
            row['localPath'] = local_path
        if sensitive:
            row['sensitive'] = True
    if callable(getattr(argument, 'override_required_args', None)):
        row['clearsRequired'] = True


def _fresh_arg_table(command):
    # BasicCommand._build_arg_table pops 'schema' out of the class's ARG_TABLE rows, so a class built twice in one
    # process (v1 puts codedeploy's subcommands under three parents) would lose it. A CLI run builds each once.
    for cls in type(command).__mro__:
        table = cls.__dict__.get('ARG_TABLE')
        if isinstance(table, list):
            command.ARG_TABLE = [dict(row) if isinstance(row, dict) else row for row in table]
            return


def _operation_parser(operation, arg_table, subcommand_table):
    create = operation._create_operation_parser
    # v1 takes the argument table; v2 also the subcommand table.
    parser = create(arg_table, subcommand_table) if create.__code__.co_argcount >= 3 else create(arg_table)
    operation._add_help(parser)
    return parser


def _describe_command(command, path):
    if isinstance(command, CLI['clidriver'].ServiceOperation):
        input_shape = command._operation_model.input_shape
        arg_table = command.arg_table
        subcommand_table = getattr(command, 'subcommand_table', None) or {}
        parser, owners = _build_recorded(
            arg_table, lambda: _operation_parser(command, arg_table, subcommand_table))
        model = {
            'name': path[-1],
            'kind': 'operation',
            'apiOperation': command._operation_model.name,
            'actions': _record(parser, owners, path, input_shape.members if input_shape is not None else {}),
        }
    else:
        _fresh_arg_table(command)
        subcommand_table = command.subcommand_table
        arg_table = command.arg_table
        parser, owners = _build_recorded(
            arg_table, lambda: CLI['ArgTableArgParser'](arg_table, subcommand_table))
        model = {'name': path[-1], 'kind': 'customization', 'actions': _record(parser, owners, path)}
    if subcommand_table:
        model['subcommands'] = {
            name: _describe_command(subcommand, path + [name]) for name, subcommand in subcommand_table.items()
        }
    return model


def _describe_service(name, command):
    if isinstance(command, CLI['clidriver'].ServiceCommand):
        create = getattr(command, 'create_parser', None) or command._create_parser
        parser = create()  # adds `help` to the command table, as the CLI does
        table = command._get_command_table()
        return {
            'name': name,
            'kind': 'service',
            'apiService': command._service_name,
            'actions': _record(parser, {}, [name]),
            'commands': {
                operation: _describe_command(table[operation], [name, operation])
                for operation in table if operation != 'help'
            },
        }
    model = _describe_command(command, [name])
    return {'name': name, 'kind': 'customization', 'actions': model['actions'],
            'commands': model.get('subcommands', {})}


DRIVER = {}


def _start_driver():
    """Creates the CLI's driver and returns the rows of its main parser."""
    _import_cli()
    driver = CLI['clidriver'].create_clidriver()
    table = driver._get_command_table()
    create = getattr(driver, 'create_parser', None) or driver._create_parser
    arguments = driver._get_argument_table()
    parser, owners = _build_recorded(arguments, lambda: create(table))  # adds `help` to the table
    DRIVER['table'] = table
    DRIVER['session'] = driver.session
    return _record(parser, owners, [])


def _describe_and_encode(name):
    """A top-level command with each parser's rows encoded (runs in a worker process)."""
    service = _describe_service(name, DRIVER['table'][name])
    verified = {}
    for node, names in _parsers(service, list(service['commands'])):
        node['actions'] = [_encode_checked(row, names, verified) for row in node['actions']]
    return name, service, sorted(USED_ROWS), sorted(UNREVIEWED)


# ---------------------------------------------------------------------------------------------------------------
# Encoding (cli-model/README.md). A row is an object with short keys that leaves out what follows from the rest of
# it. A row used by more than one top-level command is stored once in the index (`rows`) and referenced by its
# position; a row used more than once within one service file is stored in that file (`rows`) and referenced as
# -1 - position; any other row is written where it is used.
# ---------------------------------------------------------------------------------------------------------------
SHORT_KEYS = [
    ('options', 'o'), ('dest', 'd'), ('nargs', 'n'), ('kind', 'k'), ('const', 'c'), ('default', 'f'),
    ('choices', 'h'), ('required', 'r'), ('valueType', 'v'), ('argument', 'a'), ('member', 'm'), ('type', 't'),
    ('sensitive', 's'), ('localPath', 'p'), ('clearsRequired', 'q'),
]
TRUE_ONLY = ('required', 'sensitive', 'clearsRequired')
# The const argparse gives these flags (their default is whatever add_argument said: None for an API boolean).
FLAG_CONST = {'store_true': True, 'store_false': False}
# `h` of a `command` action: its choices are the names of the parser's commands (1), then `help` (2).
COMMAND_NAMES, COMMAND_NAMES_AND_HELP = 1, 2


def default_dest(options):
    """argparse's dest for an optional: its first long option (else its first), without dashes, - as _."""
    chosen = next((option for option in options if option.startswith('--')), options[0])
    return chosen.lstrip('-').replace('-', '_')


def default_argument(row):
    return row['options'][0][2:] if row['options'] else row['dest']


def pascal_case(name):
    """`instance-ids` -> `InstanceIds`: the botocore name the CLI's xform_name most often came from."""
    return ''.join(word[:1].upper() + word[1:] for word in name.split('-'))


def implied_members(argument):
    """What `m: 1` and `m: 2` stand for: the argument's name in PascalCase, and the same without `no-`."""
    return pascal_case(argument), pascal_case(argument[3:]) if argument.startswith('no-') else None


def encode_row(row, command_names=None):
    encoded = {}
    kind = row['kind']
    for long, short in SHORT_KEYS:
        value = row.get(long)
        if long == 'options':
            if value:
                encoded[short] = value
            continue
        if long == 'dest' and row['options'] and value == default_dest(row['options']):
            continue
        if long == 'nargs' and (value is None or (value == 0 and kind in FLAG_KINDS)):
            continue
        if long == 'kind' and value == 'store':
            continue
        if long == 'const' and kind in FLAG_CONST and value is FLAG_CONST[kind]:
            continue
        if long == 'choices' and kind == 'command' and command_names is not None:
            if value == command_names:
                value = COMMAND_NAMES
            elif value == command_names + ['help']:
                value = COMMAND_NAMES_AND_HELP
        if long == 'argument':
            if value is None:
                encoded[short] = 0
            elif value != default_argument(row):
                encoded[short] = value
            continue
        if long == 'member' and value is not None and value in implied_members(row['argument']):
            value = implied_members(row['argument']).index(value) + 1
        if long == 'type' and 'argument' in row:
            if value is None:
                encoded[short] = 0
            elif value != 'string':
                encoded[short] = value
            continue
        if value is None or (value is False and long in TRUE_ONLY):
            continue
        encoded[short] = 1 if value is True and long in TRUE_ONLY else value
    return encoded


def decode_row(encoded, command_names=None):
    """The inverse of encode_row, as the TypeScript loader does it; the generator checks every row with it."""
    row = {'options': encoded.get('o', [])}
    row['dest'] = encoded['d'] if 'd' in encoded else default_dest(row['options'])
    kind = encoded.get('k', 'store')
    row['nargs'] = encoded['n'] if 'n' in encoded else (0 if kind in FLAG_KINDS else None)
    row['kind'] = kind
    row['required'] = encoded.get('r') == 1
    const = encoded.get('c', FLAG_CONST.get(kind))
    if const is not None:
        row['const'] = const
    if 'f' in encoded:
        row['default'] = encoded['f']
    if 'h' in encoded:
        choices = encoded['h']
        if choices == COMMAND_NAMES:
            choices = list(command_names)
        elif choices == COMMAND_NAMES_AND_HELP:
            choices = list(command_names) + ['help']
        row['choices'] = choices
    if 'v' in encoded:
        row['valueType'] = encoded['v']
    if encoded.get('a') != 0:
        row['argument'] = encoded.get('a', default_argument(row))
        if 'm' in encoded:
            member = encoded['m']
            row['member'] = implied_members(row['argument'])[member - 1] if isinstance(member, int) else member
        type_name = encoded.get('t', 'string')
        if type_name != 0:
            row['type'] = type_name
        if encoded.get('s') == 1:
            row['sensitive'] = True
        if 'p' in encoded:
            row['localPath'] = encoded['p']
        if encoded.get('q') == 1:
            row['clearsRequired'] = True
    return row


def _row_key(encoded):
    return json.dumps(encoded, separators=(',', ':'), ensure_ascii=False)


def _encode_checked(row, command_names, verified):
    """The encoded row as JSON text, after checking that it decodes back to exactly the row."""
    key = _row_key(encode_row(row, command_names))
    if row['kind'] == 'command' or verified.get(key) != row:
        if decode_row(json.loads(key), command_names) != row:
            raise GenerationError('the encoding loses part of %r' % (row,))
        verified[key] = row
    return key


def _parsers(node, names):
    """(node, names of its parser's commands) for a service or command and every command under it."""
    yield node, names
    for command in node.get('commands', node.get('subcommands', {})).values():
        yield from _parsers(command, list(command.get('subcommands', {})))


def assemble(source, globals_keys, services):
    """The index and one body per top-level command from encoded rows (JSON texts)."""
    users = {}
    uses = {}
    for name, service in services.items():
        for node, _names in _parsers(service, None):
            for key in node['actions']:
                users.setdefault(key, set()).add(name)
                uses[(name, key)] = uses.get((name, key), 0) + 1
    shared = sorted(key for key, names in users.items() if len(names) > 1)
    shared_index = {key: position for position, key in enumerate(shared)}
    index = {'format': FORMAT}
    index.update(source)
    index['services'] = sorted(services)
    index['globals'] = [json.loads(key) for key in globals_keys]
    index['rows'] = [json.loads(key) for key in shared]
    bodies = {}
    for name, service in services.items():
        local = {}

        def reference(key):
            if key in shared_index:
                return shared_index[key]
            if uses[(name, key)] == 1:
                return json.loads(key)
            if key not in local:
                local[key] = len(local)
            return -1 - local[key]

        def command_entry(command):
            entry = {}
            if 'apiOperation' in command:
                operation = command['apiOperation']
                entry['o'] = 1 if operation == pascal_case(command['name']) else operation
            entry['x'] = [reference(key) for key in command['actions']]
            if command.get('subcommands'):
                entry['s'] = {key: command_entry(value) for key, value in command['subcommands'].items()}
            return entry

        body = {'format': FORMAT, 'cliVersion': source['cliVersion'], 'name': name, 'kind': service['kind']}
        if 'apiService' in service:
            body['apiService'] = service['apiService']
        body['x'] = [reference(key) for key in service['actions']]
        body['c'] = {key: command_entry(value) for key, value in service['commands'].items()}
        body['rows'] = [json.loads(key) for key in local]
        bodies[name] = body
    return index, bodies


def decoded_service(service):
    """A described service with its rows decoded: the CliServiceModel the loader must return (for --raw)."""
    def command(node, names):
        result = {'name': node['name'], 'kind': node['kind']}
        if 'apiOperation' in node:
            result['apiOperation'] = node['apiOperation']
        result['actions'] = [decode_row(json.loads(key), names) for key in node['actions']]
        if node.get('subcommands'):
            result['subcommands'] = {
                name: command(value, list(value.get('subcommands', {})))
                for name, value in node['subcommands'].items()
            }
        return result

    result = {'name': service['name'], 'kind': service['kind']}
    if 'apiService' in service:
        result['apiService'] = service['apiService']
    names = list(service['commands'])
    result['actions'] = [decode_row(json.loads(key), names) for key in service['actions']]
    result['commands'] = {
        name: command(value, list(value.get('subcommands', {}))) for name, value in service['commands'].items()
    }
    return result


def _compact(value):
    return json.dumps(value, separators=(',', ':'), ensure_ascii=False)


def _dump(body, line_keys):
    """JSON with each element of the `line_keys` members on its own line, so a diff shows what changed."""
    parts = []
    for key, value in body.items():
        if key not in line_keys:
            parts.append('%s:%s' % (_compact(key), _compact(value)))
        elif isinstance(value, dict):
            lines = ['%s:%s' % (_compact(name), _compact(item)) for name, item in value.items()]
            parts.append('%s:{\n%s\n}' % (_compact(key), ',\n'.join(lines)))
        else:
            parts.append('%s:[\n%s\n]' % (_compact(key), ',\n'.join(_compact(item) for item in value)))
    return '{%s}\n' % ',\n'.join(parts)


def write_model(directory, index, bodies):
    os.makedirs(directory, exist_ok=True)
    for entry in os.listdir(directory):
        if entry.endswith('.json'):
            os.remove(os.path.join(directory, entry))
    for name, body in bodies.items():
        with open(os.path.join(directory, name + '.json'), 'w', encoding='utf-8') as out:
            out.write(_dump(body, ('c', 'rows')))
    # The index last: a reader that finds it finds the service files of the same run.
    with open(os.path.join(directory, 'index.json'), 'w', encoding='utf-8') as out:
        out.write(_dump(index, ('globals', 'rows')))


def _size_hint(name):
    """The size of a service's model file: the larger ones go to the workers first, so the workers end together."""
    command = DRIVER['table'][name]
    service = getattr(command, '_service_name', None)
    if service is None:
        return 0
    loader = DRIVER['session'].get_component('data_loader')
    try:
        version = loader.determine_latest_version(service, 'service-2')
    except Exception:
        return 0
    for root in loader.search_paths:
        for file in ('service-2.json', 'service-2.json.gz'):
            path = os.path.join(root, service, version, file)
            if os.path.exists(path):
                return os.path.getsize(path) * (8 if file.endswith('.gz') else 1)
    return 0


def main(argv):
    options = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    options.add_argument('--output', help='directory to write (default: cli-model/v<major>/ of this package)')
    options.add_argument('--services', help='comma-separated top-level commands (default: all)')
    options.add_argument('--raw', help='also write the decoded services (CliServiceModel JSON) to this file')
    options.add_argument('--jobs', type=int, default=min(os.cpu_count() or 1, 4), help='worker processes')
    arguments = options.parse_args(argv)

    started = time.time()
    gc.disable()  # Millions of objects live until the end; collecting them again and again doubles the run time.
    verified = {}
    globals_keys = [_encode_checked(row, None, verified) for row in _start_driver()]
    version = CLI['cli_version']
    major = int(version.split('.')[0])
    names = [name for name in DRIVER['table'] if name != 'help']
    if arguments.services:
        wanted = arguments.services.split(',')
        unknown = sorted(set(wanted) - set(names))
        if unknown:
            raise GenerationError('unknown top-level commands: %s' % ', '.join(unknown))
        names = wanted
    order = sorted(names, key=lambda name: (-_size_hint(name), name))
    services = {}
    if arguments.jobs > 1 and len(order) > 1:
        import multiprocessing
        with multiprocessing.get_context('fork').Pool(arguments.jobs) as pool:
            for name, service, used, unreviewed in pool.imap_unordered(_describe_and_encode, order):
                services[name] = service
                USED_ROWS.update(used)
                UNREVIEWED.update(unreviewed)
    else:
        for name in order:
            services[name] = _describe_and_encode(name)[1]
    services = {name: services[name] for name in sorted(services)}
    if UNREVIEWED:
        raise GenerationError(
            'customization arguments that look like files match no reviewed row (add each to LOCAL_PATHS or '
            'NOT_LOCAL_PATHS): %s' % ', '.join('%s --%s' % key for key in sorted(UNREVIEWED)))
    if not arguments.services:
        unused = _unused_rows(major)
        if unused:
            raise GenerationError('reviewed rows that match no argument of CLI v%d: %s' % (major, unused))
    source = {
        'cliVersion': version,
        'cliMajor': major,
        'botocoreVersion': CLI['botocore_version'],
        'pythonVersion': '%d.%d.%d' % sys.version_info[:3],
    }
    index, bodies = assemble(source, globals_keys, services)
    directory = arguments.output or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), '..', 'cli-model', 'v%d' % major)
    write_model(directory, index, bodies)
    if arguments.raw:
        with open(arguments.raw, 'w', encoding='utf-8') as out:
            json.dump({name: decoded_service(service) for name, service in services.items()}, out)
    sys.stderr.write('generate-cli-model: %d top-level commands of aws-cli %s in %.1f s -> %s\n' % (
        len(services), version, time.time() - started, os.path.normpath(directory)))
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main(sys.argv[1:]))
    except GenerationError as error:
        sys.stderr.write('generate-cli-model: %s\n' % error)
        sys.exit(1)
    finally:
        shutil.rmtree(_EMPTY_HOME, ignore_errors=True)

"""Minimal parameters for AWS CLI operations that moto implements, from the CLI's own argument tables.

Runs on the AWS CLI's interpreter (stdlib, awscli and botocore only). Reads a JSON list of
``[service, operation]`` pairs (CLI names) on stdin and writes one JSON object per pair on stdout:
``{"service", "operation", "botocoreService", "motoModule", "implemented", "argv"}`` or, when no argv can be made, ``"skip"``
with the reason. ``implemented`` is whether moto's responses define a method for the operation: moto's
``BaseResponse.call_action`` dispatches an action to the method of the same snake_case name. moto's source
is read as text (never imported), from ``AWS_MCP_MOTO_DIR`` or wherever ``moto`` is installed.

The argv carries the operation's required arguments only, each given a plausible value made from its
botocore shape (type, enum, length and range limits) and its name (the table ``NAMED_STRINGS``).
"""

import importlib.util
import json
import os
import re
import sys

import awscli.clidriver
from awscli.arguments import CLIArgument

# moto keeps a few services in a module named otherwise (moto/backends.py ALT_SERVICE_NAMES).
MOTO_MODULES = {"lambda": "awslambda", "neptune": "rds"}

ACCOUNT = "123456789012"
REGION = "us-east-1"
POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)

# A string member's value by its name, first match wins: (pattern, value, why). `{n}` is the call's
# number, so two creates in one run never collide; `{service}` the botocore service name.
NAMED_STRINGS = [
    (r"RoleArn$|^Role$", "arn:aws:iam::" + ACCOUNT + ":role/report-{n}", "services validate role ARNs"),
    (r"Arn$", "arn:aws:{service}:" + REGION + ":" + ACCOUNT + ":report/report-{n}", "an ARN in the account"),
    (r"Arns?$", "arn:aws:{service}:" + REGION + ":" + ACCOUNT + ":report/report-{n}", "a list of ARNs"),
    (r"QueueUrl$", "http://localhost/" + ACCOUNT + "/report-{n}", "SQS parses the account from the URL"),
    (r"Url$|Uri$|Endpoint$", "https://example.com/report-{n}", "a URL"),
    (r"Cidr", "10.{m}.0.0/16", "a CIDR block"),
    (r"Email", "report-{n}@example.com", "an address"),
    (r"AvailabilityZone$", REGION + "a", "a zone of the region"),
    (r"Region$", REGION, "the region the run uses"),
    (r"(Policy|PolicyDocument|Document)$", POLICY, "a policy document"),
    (r"TemplateBody$", '{"Resources": {}}', "an empty template"),
    (r"(Timestamp|Time|Date)$", "2024-01-01T00:00:00Z", "a time"),
    (r"^VpcId$", "vpc-12345678", "EC2 ids carry their prefix"),
    (r"^SubnetId$", "subnet-12345678", "EC2 ids carry their prefix"),
    (r"^(Security)?GroupId$", "sg-12345678", "EC2 ids carry their prefix"),
    (r"^InstanceId$", "i-1234567890abcdef0", "EC2 ids carry their prefix"),
    (r"^ImageId$", "ami-12345678", "EC2 ids carry their prefix"),
    (r"^VolumeId$", "vol-12345678", "EC2 ids carry their prefix"),
    (r"AccountId$", ACCOUNT, "moto keeps a backend per account: another id would make one"),
]


def find_moto_dir():
    folder = os.environ.get("AWS_MCP_MOTO_DIR")
    if folder:
        return folder
    spec = importlib.util.find_spec("moto")
    return None if spec is None or spec.origin is None else os.path.dirname(spec.origin)


def implemented_actions(moto_dir, module):
    """moto's response methods for a module, lower-cased without underscores; None when moto lacks it."""
    base = os.path.join(moto_dir, module)
    files = [os.path.join(base, "responses.py")]
    folder = os.path.join(base, "responses")
    if os.path.isdir(folder):
        files += [os.path.join(folder, name) for name in os.listdir(folder) if name.endswith(".py")]
    names = set()
    found = False
    for path in files:
        if not os.path.isfile(path):
            continue
        found = True
        with open(path, encoding="utf-8") as handle:
            for match in re.finditer(r"^\s+def ([a-z][a-z0-9_]*)\(self", handle.read(), re.M):
                names.add(match.group(1).replace("_", ""))
    return names if found else None


def string_value(name, shape, context):
    if shape.enum:
        return shape.enum[0]
    value = "report-{n}"
    for pattern, candidate, _why in NAMED_STRINGS:
        if re.search(pattern, name):
            value = candidate
            break
    for key, part in (("{n}", context["n"]), ("{m}", context["n"] % 250), ("{service}", context["service"])):
        value = value.replace(key, str(part))
    low = shape.metadata.get("min", 0)
    high = shape.metadata.get("max")
    if len(value) < low:
        value += "x" * (low - len(value))
    if high is not None and len(value) > high:
        value = value[:high]
    return value


def make_value(name, shape, context, depth=0):
    """A plausible value of a botocore shape, with its required members only."""
    kind = shape.type_name
    if kind == "string":
        return string_value(name, shape, context)
    if kind in ("integer", "long"):
        low = shape.metadata.get("min", 1)
        high = shape.metadata.get("max")
        value = max(low, 1)
        return value if high is None else min(value, high)
    if kind in ("float", "double"):
        return float(max(shape.metadata.get("min", 1), 1))
    if kind == "boolean":
        return True
    if kind == "timestamp":
        return "2024-01-01T00:00:00Z"
    if kind == "blob":
        return "aGVsbG8="
    if depth > 6:
        raise ValueError("the shape nests deeper than 6 levels")
    if kind == "list":
        count = max(shape.metadata.get("min", 1), 1)
        return [make_value(name, shape.member, context, depth + 1) for _ in range(count)]
    if kind == "map":
        key = string_value("Key", shape.key, context)
        return {key: make_value(name, shape.value, context, depth + 1)}
    if kind == "structure":
        if shape.is_document_type:
            return {}
        required = shape.required_members
        return {
            member: make_value(member, member_shape, context, depth + 1)
            for member, member_shape in shape.members.items()
            if member in required
        }
    raise ValueError("an unknown shape type " + kind)


def operation_argv(operation, context):
    argv = []
    for cli_name, argument in operation.arg_table.items():
        if not argument.required:
            continue
        model = getattr(argument, "argument_model", None)
        if not isinstance(argument, CLIArgument) or model is None:
            raise ValueError("--" + cli_name + " is the CLI's own argument, with no botocore shape")
        if getattr(argument, "positional_arg", False):
            raise ValueError(cli_name + " is positional")
        value = make_value(argument._serialized_name, model, context)
        if model.type_name == "boolean":
            argv.append("--" + cli_name)
        elif model.type_name == "list" and model.member.type_name not in ("list", "map", "structure"):
            argv += ["--" + cli_name] + [str(item).lower() if item is True else str(item) for item in value]
        elif model.type_name in ("list", "map", "structure"):
            argv += ["--" + cli_name, json.dumps(value, separators=(",", ":"))]
        else:
            argv += ["--" + cli_name, str(value)]
    return argv


def main():
    wanted = json.load(sys.stdin)
    moto_dir = find_moto_dir()
    if moto_dir is None:
        sys.exit("moto is not installed where this interpreter can see it: set AWS_MCP_MOTO_DIR")
    driver = awscli.clidriver.create_clidriver()
    services = driver._get_command_table()
    actions = {}
    results = []
    for number, (service, name) in enumerate(wanted):
        command = services[service]
        # The botocore name without loading the service's model: most services have no moto module at all.
        botocore_name = getattr(command, "_service_name", None) or command.service_model.service_name
        module = MOTO_MODULES.get(botocore_name, botocore_name.replace("-", ""))
        if module not in actions:
            actions[module] = implemented_actions(moto_dir, module)
        implemented = actions[module] is not None and name.replace("-", "") in actions[module]
        row = {
            "service": service,
            "operation": name,
            "botocoreService": botocore_name,
            "motoModule": module,
            "implemented": implemented,
        }
        if implemented:
            try:
                operation = command._get_command_table()[name]
                row["argv"] = operation_argv(operation, {"n": number + 1, "service": botocore_name})
            except (ValueError, AttributeError, KeyError) as error:
                row["skip"] = str(error)
        results.append(row)
    json.dump({"motoDir": moto_dir, "operations": results}, sys.stdout)


main()

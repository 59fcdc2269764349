"""Reads moto's answers to list and describe calls through botocore, in one process, for the moto report's
read-backs (a CLI start per read-back would triple the report's time).

Runs on the AWS CLI's interpreter (stdlib and botocore only). Usage: ``python botocore-reads.py ENDPOINT``. Each
line on stdin is ``{"service": botocore name, "operation": CLI name}``; each answer on stdout is one line,
``{"answer": the response as JSON text, without its metadata}`` or ``{"error": "Code"}``.
"""

import json
import sys

import botocore.session
from botocore import xform_name
from botocore.exceptions import BotoCoreError, ClientError

endpoint = sys.argv[1]
session = botocore.session.get_session()
clients = {}


def client_for(service):
    if service not in clients:
        client = session.create_client(service, region_name="us-east-1", endpoint_url=endpoint)
        names = {xform_name(name, "-"): name for name in client.meta.service_model.operation_names}
        clients[service] = (client, names)
    return clients[service]


for line in sys.stdin:
    request = json.loads(line)
    try:
        client, names = client_for(request["service"])
        response = getattr(client, xform_name(names[request["operation"]]))()
        response.pop("ResponseMetadata", None)
        answer = {"answer": json.dumps(response, sort_keys=True, default=str)}
    except ClientError as error:
        answer = {"error": error.response.get("Error", {}).get("Code", "unknown")}
    except (BotoCoreError, KeyError, ValueError) as error:
        answer = {"error": type(error).__name__}
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()

"""Where the embedded AWS runs: one account, one Region, the local resources' name prefix, and
the environment a Lambda function (and the SDK) reads there."""

from byol_import import settings

ACCOUNT_ID = "123456789012"
REGION = "eu-west-1"
PREFIX = "ByolImportLocal"

ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "MOTO_ACCOUNT_ID": ACCOUNT_ID,
    # moto loads ~5,000 public AMIs into every EC2 backend (a second each); ours are made here.
    "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "POWERTOOLS_METRICS_NAMESPACE": settings.METRICS_NAMESPACE,
    "POWERTOOLS_SERVICE_NAME": settings.SERVICE_NAME,
}

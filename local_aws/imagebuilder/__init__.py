"""The EC2 Image Builder moto lacks: what the embedded AWS knows of images and infrastructure
configurations (images.py), the two read operations handlers call, GetImage and
GetInfrastructureConfiguration, checked as the botocore model says (service.py), their moto
wiring (wiring.py), and pipeline builds with their EventBridge events in virtual time
(builds.py). It shares the WorkSpaces BYOL world: the build version ARNs and infrastructure
configurations ImportCustomWorkspaceImage resolves are the ones it serves."""

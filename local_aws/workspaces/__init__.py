"""The WorkSpaces BYOL service moto lacks, on the virtual clock: account and modifications
(account.py), images and the AMI rules (images.py, amis.py), bundles (bundles.py), what tests
set (config.py), the documented constraints (rules.py) and the moto wiring (wiring.py)."""

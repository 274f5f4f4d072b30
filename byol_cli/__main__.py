"""`python -m byol_cli` is the `byol-import` console script."""

from byol_cli.main import main

main()

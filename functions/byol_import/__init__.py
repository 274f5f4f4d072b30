"""byol-import: Windows AMI to Amazon WorkSpaces BYOL image, without clicks."""

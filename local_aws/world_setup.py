"""The world an import runs in, as a person or AWS makes it: AMIs (and what each really is),
VPCs, an account with BYOL already enabled, tags, events and manual starts."""

from __future__ import annotations

import contextlib
import json
import uuid
from typing import Any
from unittest import mock

from moto.organizations import utils as organizations_utils

from local_aws.place import ACCOUNT_ID, REGION
from local_aws.workspaces_byol import AmiProfile, ByolWorld
from stacks import config as project_config


class WorldSetup:
    """A mixin of LocalAws: the state it names is LocalAws's."""

    config: project_config.ProjectConfig
    world: ByolWorld
    state_machine_arn: str

    def client(self, service: str, *, retries: bool = True) -> Any:
        raise NotImplementedError

    def create_windows_ami(
        self,
        name: str = "Windows-11-Enterprise-BYOL-2026.11",
        description: str = "Windows 11 Enterprise 24H2, sysprepped",
        *,
        owner: str | None = None,
        state: str = "available",
        os: str = "windows-11",
        boot_mode: str | None = None,
        platform: str | None = "windows",
        architecture: str = "x86_64",
        encrypted: bool = False,
        volume_size: int = 50,
        volumes: int = 1,
        volume_sizes: tuple[int, ...] | None = None,
        in_place_upgraded: bool = False,
        free_space_gb: int = 30,
        checker_findings: tuple[str, ...] = (),
        license_included: bool = False,
        tpm_support: str | None = None,
        image_id: str | None = None,
    ) -> str:
        """An AMI and what it really is. The defaults make a valid Windows 11 BYOL AMI; `os`
        (windows-10, windows-11, windows-server-2022, linux) and the rest are the truth the
        import judges, whatever the name says. `platform=None` alone makes a Linux AMI.
        `license_included` makes an AWS-licensed Windows AMI (billing "Windows"); DescribeImages
        shows TpmSupport only when `tpm_support` ("v2.0") is given, as EC2 does. `image_id`
        gives it a chosen id (the CLI's `--local` makes the AMI a person names)."""
        if platform is None and os.startswith("windows"):
            os = "linux"
        profile = AmiProfile(
            os=os,
            boot_mode=boot_mode or ("uefi" if os == "windows-11" else "legacy-bios"),
            architecture=architecture,
            encrypted=encrypted,
            state=state,
            volume_sizes=volume_sizes or (volume_size,) * volumes,
            in_place_upgraded=in_place_upgraded,
            free_space_gb=free_space_gb,
            checker_findings=checker_findings,
            license_included=license_included,
        )
        ec2 = self.client("ec2")
        ami_id = str(
            ec2.register_image(
                Name=name,
                Description=description,
                Architecture=architecture,
                RootDeviceName="/dev/sda1",
            )["ImageId"]
        )
        from moto.ec2.models import ec2_backends

        amis = ec2_backends[ACCOUNT_ID][REGION].amis
        if image_id is not None and image_id != ami_id:
            if image_id in amis:
                raise ValueError(f"{image_id} exists already")
            amis[image_id] = amis.pop(ami_id)
            amis[image_id].id = ami_id = image_id
        ami = amis[ami_id]
        ami.byol_profile = profile  # type: ignore[attr-defined]
        # What DescribeImages shows of it
        ami.platform = profile.platform
        ami.platform_details = profile.platform_details  # type: ignore[attr-defined]
        ami.usage_operation = profile.usage_operation  # type: ignore[attr-defined]
        ami.boot_mode = profile.boot_mode
        if tpm_support:
            ami.tpm_support = tpm_support  # type: ignore[attr-defined]
        ami.architecture = architecture
        ami.state = state
        if owner:
            ami.owner_id = owner
        ami.byol_block_devices = [  # type: ignore[attr-defined]
            {
                "DeviceName": "/dev/sda1" if i == 0 else f"/dev/xvd{chr(98 + i)}",
                "Ebs": {
                    "SnapshotId": ami.ebs_snapshot.id,
                    "VolumeSize": size,
                    "DeleteOnTermination": True,
                    "VolumeType": "gp3",
                    "Encrypted": encrypted,
                },
            }
            for i, size in enumerate(profile.volume_sizes)
        ]
        return ami_id

    def create_vpc(self, cidr: str) -> str:
        return str(self.client("ec2").create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"])

    def launch_workspace(self, bundle_id: str, user_name: str = "alice") -> str:
        """A person launches a WorkSpace of the bundle (CreateWorkspaces) in a directory
        registered for WorkSpaces with Tenancy DEDICATED (made on first use, as BYOL needs);
        the WorkSpace's id. TerminateWorkspaces ends it."""
        ws = self.client("workspaces")
        directories = ws.describe_workspace_directories()["Directories"]
        if directories:
            directory = str(directories[0]["DirectoryId"])
        else:
            ec2 = self.client("ec2")
            vpc = self.create_vpc("10.201.0.0/16")
            subnets = [
                ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.201.{i}.0/24", AvailabilityZone=az)[
                    "Subnet"
                ]["SubnetId"]
                for i, az in enumerate((f"{REGION}a", f"{REGION}b"))
            ]
            directory = str(
                self.client("ds").create_directory(
                    Name="corp.example.com",
                    Password="Local-Directory-1",
                    Size="Small",
                    VpcSettings={"VpcId": vpc, "SubnetIds": subnets},
                )["DirectoryId"]
            )
            ws.register_workspace_directory(DirectoryId=directory, Tenancy="DEDICATED")
        answer = ws.create_workspaces(
            Workspaces=[{"DirectoryId": directory, "UserName": user_name, "BundleId": bundle_id}]
        )
        if answer["FailedRequests"]:
            failed = answer["FailedRequests"][0]
            raise ValueError(f"{failed['ErrorCode']}: {failed['ErrorMessage']}")
        return str(answer["PendingRequests"][0]["WorkspaceId"])

    def enable_byol_directly(self, cidr: str = "10.200.0.0/16") -> None:
        """An account a person enabled long ago."""
        account = self.world.account(ACCOUNT_ID, REGION)
        account.support, account.cidr = "ENABLED", cidr

    def enable_byol_in(
        self, region: str, account_id: str = ACCOUNT_ID, cidr: str = "10.201.0.0/16"
    ) -> None:
        """BYOL enabled long ago in another Region (or account) of the world: a copy may go
        there, a share may go to it."""
        account = self.world.account(account_id, region)
        account.support, account.cidr = "ENABLED", cidr

    def organization_member(
        self, byol_regions: tuple[str, ...] = (REGION,), account_id: str | None = None
    ) -> str:
        """A new account of the organization this account manages (created on first use, in
        moto's Organizations), BYOL enabled in `byol_regions`; `account_id` names it (moto
        otherwise draws one, and CreateAccount takes no id)."""
        org = self.client("organizations")
        try:
            org.describe_organization()
        except org.exceptions.AWSOrganizationsNotInUseException:
            org.create_organization(FeatureSet="ALL")
        n = len(org.list_accounts()["Accounts"])
        with contextlib.ExitStack() as named:
            if account_id is not None:
                named.enter_context(
                    mock.patch.object(
                        organizations_utils, "make_random_account_id", lambda: account_id
                    )
                )
            status = org.create_account(AccountName=f"member{n}", Email=f"member{n}@example.com")
        member = str(status["CreateAccountStatus"]["AccountId"])
        for region in byol_regions:
            self.enable_byol_in(region, member, "10.9.0.0/16")
        return member

    def tag_ami(
        self,
        ami_ids: list[str],
        key: str | None = None,
        value: str = "",
        extra_resources: list[str] | None = None,
    ) -> None:
        """A person tags the AMIs (and any other existing resources named) in one CreateTags
        call; CloudTrail turns the call into its event, as for every CreateTags of the run."""
        self.client("ec2").create_tags(
            Resources=[*ami_ids, *(extra_resources or [])],
            Tags=[{"Key": key or self.config.trigger_tag_key, "Value": value}],
        )

    def put_event(
        self, detail_type: str, detail: dict[str, Any], source: str = "aws.ec2"
    ) -> dict[str, Any]:
        return dict(
            self.client("events").put_events(
                Entries=[
                    {"Source": source, "DetailType": detail_type, "Detail": json.dumps(detail)}
                ]
            )
        )

    def start_manual(self, payload: Any, name: str | None = None) -> str:
        """What a person does in the Step Functions console."""
        # The console proposes a UUID as the name (moto would use "None" for every one).
        return str(
            self.client("stepfunctions").start_execution(
                stateMachineArn=self.state_machine_arn,
                input=json.dumps(payload),
                name=name or str(uuid.uuid4()),
            )["executionArn"]
        )

from pathlib import Path

import pytest

from imprimfip.intake.mounts import (
    Mount,
    WatchMode,
    choose_watch,
    filesystem_type,
    mount_of,
)

MOUNTS = """\
/dev/vda1 / ext4 rw,relatime 0 0
//nas/courrier /srv/partage\\040commun cifs rw 0 0
nas:/export /srv/nfs nfs4 rw 0 0
tmpfs /srv/nfs/tmp tmpfs rw 0 0
smbnetfs /mnt/smb fuse.smbnetfs rw,nosuid,nodev 0 0
overlay /var/lib/docker/x/merged overlay rw 0 0
"""


def test_the_deepest_mount_point_decides():
    assert filesystem_type(Path("/srv/nfs/flux/inbox"), MOUNTS) == "nfs4"
    assert filesystem_type(Path("/srv/nfs/tmp/inbox"), MOUNTS) == "tmpfs"
    assert filesystem_type(Path("/var/spool"), MOUNTS) == "ext4"


def test_a_samba_share_with_a_space_in_its_mount_point_is_a_network_share():
    assert not mount_of(Path("/srv/partage commun/flux/inbox"), MOUNTS).local
    assert mount_of(Path("/var/spool/flux/inbox"), MOUNTS).local


@pytest.mark.parametrize(
    "path",
    ["/mnt/smb/127.0.0.1/spool/flux/inbox", "/srv/nfs/flux/inbox", "/srv/partage commun/x"],
)
def test_a_share_is_polled_whatever_its_driver(path):
    choice = choose_watch("auto", mount_of(Path(path), MOUNTS))
    assert choice.mode is WatchMode.POLLING
    assert "not known to be a local disk" in choice.reason
    assert "raises no event" in choice.reason


@pytest.mark.parametrize("fs", ["fuse.sshfs", "fuse.someone-elses-client", "fuseblk", "9p"])
def test_a_filesystem_not_known_to_be_local_is_polled(fs):
    choice = choose_watch("auto", Mount(fs))
    assert choice.mode is WatchMode.POLLING
    assert fs in choice.reason


@pytest.mark.parametrize(
    "path", ["/var/spool/flux", "/srv/nfs/tmp/flux", "/var/lib/docker/x/merged"]
)
def test_a_local_disk_uses_events(path):
    choice = choose_watch("auto", mount_of(Path(path), MOUNTS))
    assert choice.mode is WatchMode.EVENTS
    assert "a local filesystem" in choice.reason


def test_an_unreadable_mount_table_means_polling():
    choice = choose_watch("auto", Mount(None))
    assert choice.mode is WatchMode.POLLING
    assert "mount table cannot be read" in choice.reason


@pytest.mark.parametrize("setting", ["events", "polling"])
def test_the_config_has_the_last_word(setting):
    for mount in (Mount("ext4"), Mount("fuse.smbnetfs")):
        choice = choose_watch(setting, mount)
        assert choice.mode == setting
        assert choice.reason == f'watch = "{setting}" in the config'

from pathlib import Path

from imprimfip.intake.mounts import filesystem_type, is_network

MOUNTS = """\
/dev/vda1 / ext4 rw,relatime 0 0
//nas/courrier /srv/partage\\040commun cifs rw 0 0
nas:/export /srv/nfs nfs4 rw 0 0
tmpfs /srv/nfs/tmp tmpfs rw 0 0
"""


def test_the_deepest_mount_point_decides():
    assert filesystem_type(Path("/srv/nfs/flux/inbox"), MOUNTS) == "nfs4"
    assert filesystem_type(Path("/srv/nfs/tmp/inbox"), MOUNTS) == "tmpfs"
    assert filesystem_type(Path("/var/spool"), MOUNTS) == "ext4"


def test_a_samba_share_with_a_space_in_its_mount_point_is_a_network_share():
    assert is_network(Path("/srv/partage commun/flux/inbox"), MOUNTS)
    assert not is_network(Path("/var/spool/flux/inbox"), MOUNTS)

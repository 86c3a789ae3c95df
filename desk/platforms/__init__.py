"""Platform profiles (拼多多, 淘宝/天猫, 京东, 抖店, 快手, 微信小店) as editable data files."""

from desk.platforms.loader import PlatformProfileError, PlatformProfiles, read_profile_file
from desk.platforms.model import AppealType, PlatformProfile, PlatformStatus, Setting

__all__ = [
    "AppealType",
    "PlatformProfile",
    "PlatformProfileError",
    "PlatformProfiles",
    "PlatformStatus",
    "Setting",
    "read_profile_file",
]
